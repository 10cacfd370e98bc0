// Package pool keeps the execution environments of one function version:
// idle ones ready for reuse, counts of busy and starting ones, and the
// requests waiting for one. It carries out the decisions of a
// scale.Policy (what to keep warm, what to start ahead of traffic) within
// a scale.Bucket (how fast environments may be added); how an environment
// is made is the caller's Start.
//
// Concurrency: all bookkeeping, the policy and the bucket are guarded by
// Pool.mu, which is never held while an environment starts, runs or stops.
// Environments started ahead of traffic are started by goroutines the pool
// owns; Close waits for them.
package pool

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"time"

	"github.com/lamina-dev/lamina/internal/scale"
)

// Env is an execution environment as the pool sees it.
type Env interface {
	// Exited is closed when the environment died by itself.
	Exited() <-chan struct{}
	// Stop ends the environment; reason is Lambda's shutdown reason.
	Stop(reason string)
}

// Errors Acquire returns.
var (
	// ErrLimit: every environment the pool may have is busy and no one
	// can wait for one (reserved concurrency, or the wait queue is full).
	ErrLimit = errors.New("concurrency limit reached")
	// ErrRate: the request waited for the scaling rate to allow a new
	// environment and ran out of time, or could not queue.
	ErrRate = errors.New("scaling rate limit reached")
	// ErrClosed: the pool was closed (its function changed).
	ErrClosed = errors.New("pool closed")
)

// Start makes a ready environment; provisioned tells it to initialise as
// provisioned concurrency.
type Start[E Env] func(ctx context.Context, provisioned bool) (E, error)

// Config sets a pool's limits and policy.
type Config struct {
	// MaxEnvs bounds the environments (busy, idle and starting together).
	MaxEnvs int
	// Wait lets requests over MaxEnvs queue for a free environment; when
	// false they get ErrLimit at once, as reserved concurrency does.
	Wait bool
	// MaxWaiters bounds the queue, and MaxWait how long each waits.
	MaxWaiters int
	MaxWait    time.Duration
	// ScaleRate new environments may start per ScaleWindow.
	ScaleRate   int
	ScaleWindow time.Duration
	// MaxStarting bounds the environments starting at once. Requests
	// beyond it wait for the next environment to be released or started:
	// on a busy machine more parallel starts only slow each other down.
	MaxStarting int
	// Policy tunes keep-alive, pre-warming and provisioned concurrency.
	Policy scale.Config
	// Now is the pool's clock; time.Now when nil.
	Now func() time.Time
}

// Pool holds one function version's environments.
type Pool[E Env] struct {
	cfg    Config
	start  Start[E]
	ctx    context.Context // ends background starts
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex // guards the fields below
	policy   *scale.Policy
	bucket   *scale.Bucket
	idle     []idleEnv[E] // oldest first
	total    int          // idle + busy + starting
	starting int
	waiters  []*waiter[E]
	closed   bool
}

type idleEnv[E Env] struct {
	env   E
	since time.Time
}

type waiter[E Env] struct {
	ch     chan grant[E]
	byRate bool // it waits for the scaling rate, not for a free slot
}

// grant is what a waiter receives: an environment, or leave to start one.
type grant[E Env] struct {
	env   E
	ok    bool // env is set
	start bool // a slot was freed: start a new environment
	err   error
}

// New returns an empty pool.
func New[E Env](cfg Config, start Start[E]) *Pool[E] {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxStarting <= 0 {
		cfg.MaxStarting = 4 * runtime.GOMAXPROCS(0)
	}
	if cfg.ScaleRate <= 0 {
		cfg.ScaleRate, cfg.ScaleWindow = 1000, 10*time.Second
	}
	if cfg.Policy.DefaultKeepAlive == 0 {
		cfg.Policy = scale.DefaultConfig
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Pool[E]{
		cfg: cfg, start: start, ctx: ctx, cancel: cancel,
		policy: scale.NewPolicy(cfg.Policy),
		bucket: scale.NewBucket(cfg.ScaleRate, cfg.ScaleWindow, cfg.Now()),
	}
}

// Acquire returns an environment for one invocation; cold reports that it
// was started for this request.
func (p *Pool[E]) Acquire(ctx context.Context) (env E, cold bool, err error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return env, false, ErrClosed
	}
	now := p.cfg.Now()
	for len(p.idle) > 0 {
		ie := p.idle[len(p.idle)-1] // most recently used: warmest
		p.idle = p.idle[:len(p.idle)-1]
		if isDead(ie.env) {
			p.total--
			continue
		}
		p.policy.Begin(now)
		p.mu.Unlock()
		return ie.env, false, nil
	}
	byRate := false
	switch {
	case p.total < p.cfg.MaxEnvs && p.starting >= p.cfg.MaxStarting:
		// Enough is starting: wait for the first environment to free up.
	case p.total < p.cfg.MaxEnvs && p.bucket.Take(now):
		p.total++
		p.starting++
		p.policy.Begin(now)
		p.mu.Unlock()
		return p.startEnv(ctx)
	case p.total < p.cfg.MaxEnvs:
		byRate = true // the slot is there, the scaling rate is not
	case !p.cfg.Wait:
		p.mu.Unlock()
		return env, false, ErrLimit
	}
	if len(p.waiters) >= p.cfg.MaxWaiters {
		p.mu.Unlock()
		if byRate {
			return env, false, ErrRate
		}
		return env, false, ErrLimit
	}
	w := &waiter[E]{ch: make(chan grant[E], 1), byRate: byRate}
	p.waiters = append(p.waiters, w)
	p.mu.Unlock()

	// Only a request that waits pays for a timer.
	if p.cfg.MaxWait > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.cfg.MaxWait)
		defer cancel()
	}
	select {
	case g := <-w.ch:
		return p.granted(ctx, g)
	case <-ctx.Done():
		p.mu.Lock()
		removed := p.removeWaiterLocked(w)
		p.mu.Unlock()
		if !removed {
			// A grant raced with the cancellation: pass it on.
			p.handBack(<-w.ch)
		}
		if w.byRate && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return env, false, ErrRate
		}
		return env, false, ctx.Err()
	}
}

func (p *Pool[E]) granted(ctx context.Context, g grant[E]) (E, bool, error) {
	switch {
	case g.err != nil:
		var zero E
		return zero, false, g.err
	case g.ok:
		return g.env, false, nil
	default:
		return p.startEnv(ctx)
	}
}

// handBack returns a grant nobody will use.
func (p *Pool[E]) handBack(g grant[E]) {
	switch {
	case g.ok:
		p.Release(g.env, true)
	case g.start:
		p.mu.Lock()
		p.total--
		p.starting--
		p.policy.End(p.cfg.Now())
		p.wakeLocked(p.cfg.Now())
		p.mu.Unlock()
	}
}

func (p *Pool[E]) startEnv(ctx context.Context) (E, bool, error) {
	env, err := p.start(ctx, false)
	p.mu.Lock()
	p.starting--
	now := p.cfg.Now()
	if err != nil {
		p.total--
		p.policy.End(now)
	}
	p.wakeLocked(now) // a start slot is free
	p.mu.Unlock()
	return env, true, err
}

// Release returns env after an invocation. A reusable environment goes to
// the next waiter or the idle list; any other is stopped.
func (p *Pool[E]) Release(env E, reusable bool) {
	p.mu.Lock()
	now := p.cfg.Now()
	if !reusable || p.closed || isDead(env) {
		p.total--
		p.policy.End(now)
		p.wakeLocked(now)
		p.mu.Unlock()
		env.Stop(shutdownReason(reusable))
		return
	}
	if len(p.waiters) > 0 {
		// Busy stays busy: the next request takes it over.
		w := p.waiters[0]
		p.waiters = p.waiters[1:]
		p.mu.Unlock()
		w.ch <- grant[E]{env: env, ok: true}
		return
	}
	p.policy.End(now)
	p.idle = append(p.idle, idleEnv[E]{env: env, since: now})
	p.mu.Unlock()
}

func shutdownReason(reusable bool) string {
	if reusable {
		return "spindown"
	}
	return "failure"
}

// wakeLocked lets waiters start environments in free slots, as far as the
// scaling rate allows.
func (p *Pool[E]) wakeLocked(now time.Time) {
	for len(p.waiters) > 0 && p.total < p.cfg.MaxEnvs && p.starting < p.cfg.MaxStarting && p.bucket.Take(now) {
		w := p.waiters[0]
		p.waiters = p.waiters[1:]
		p.total++
		p.starting++
		p.policy.Begin(now)
		w.ch <- grant[E]{start: true}
	}
}

func (p *Pool[E]) removeWaiterLocked(w *waiter[E]) bool {
	for i, x := range p.waiters {
		if x == w {
			p.waiters = append(p.waiters[:i], p.waiters[i+1:]...)
			return true
		}
	}
	return false
}

// Tick applies the policy at now: waiters start environments as the
// scaling rate refills, idle environments past their keep-alive stop, and
// environments are started ahead of traffic (pre-warm, provisioned
// concurrency). It returns how many environments it stopped.
func (p *Pool[E]) Tick(now time.Time) int {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return 0
	}
	p.wakeLocked(now)
	var stop []E
	alive := p.idle[:0]
	for _, ie := range p.idle {
		if isDead(ie.env) {
			p.total--
			continue
		}
		alive = append(alive, ie)
	}
	clear(p.idle[len(alive):])
	p.idle = alive
	d := p.policy.Decide(now, len(p.idle), p.total)
	if excess := len(p.idle) - d.KeepIdle; excess > 0 {
		for _, ie := range p.idle[:excess] { // the oldest go first
			stop = append(stop, ie.env)
		}
		p.idle = append(p.idle[:0], p.idle[excess:]...)
		p.total -= excess
	}
	starts := 0
	for starts < d.Start && p.total < p.cfg.MaxEnvs && p.starting < p.cfg.MaxStarting && p.bucket.Take(now) {
		p.total++
		p.starting++
		starts++
	}
	provisioned := p.cfg.Policy.Provisioned > 0
	p.wg.Add(starts)
	p.mu.Unlock()
	for range starts {
		go p.prestart(provisioned)
	}
	for _, env := range stop {
		env.Stop("spindown")
	}
	return len(stop)
}

// prestart starts an environment ahead of traffic.
func (p *Pool[E]) prestart(provisioned bool) {
	defer p.wg.Done()
	env, err := p.start(p.ctx, provisioned)
	p.mu.Lock()
	p.starting--
	if err != nil || p.closed {
		p.total--
		p.mu.Unlock()
		if err == nil {
			env.Stop("spindown")
		}
		return
	}
	now := p.cfg.Now()
	if len(p.waiters) > 0 {
		w := p.waiters[0]
		p.waiters = p.waiters[1:]
		p.policy.Begin(now)
		p.wakeLocked(now) // a start slot is free
		p.mu.Unlock()
		w.ch <- grant[E]{env: env, ok: true}
		return
	}
	p.idle = append(p.idle, idleEnv[E]{env: env, since: now})
	p.mu.Unlock()
}

// Stats is a snapshot of the pool.
type Stats struct {
	Idle, Total, Starting, Waiting int
	Provisioned                    int
	// KeepAlive is the policy's current keep-alive window.
	KeepAlive time.Duration
}

// Stats reports the pool's counts.
func (p *Pool[E]) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ka, _ := p.policy.Windows()
	return Stats{Idle: len(p.idle), Total: p.total, Starting: p.starting, Waiting: len(p.waiters), Provisioned: p.cfg.Policy.Provisioned, KeepAlive: ka}
}

// Close stops idle environments, fails waiters and waits for environments
// being started ahead of traffic; busy environments are stopped when
// released.
func (p *Pool[E]) Close() {
	p.mu.Lock()
	p.closed = true
	idle := p.idle
	p.idle = nil
	p.total -= len(idle)
	waiters := p.waiters
	p.waiters = nil
	p.mu.Unlock()
	p.cancel()
	for _, w := range waiters {
		w.ch <- grant[E]{err: ErrClosed}
	}
	for _, ie := range idle {
		ie.env.Stop("spindown")
	}
	p.wg.Wait()
}

func isDead(e Env) bool {
	select {
	case <-e.Exited():
		return true
	default:
		return false
	}
}

// SetLimits changes the pool's bounds; environments over a lowered bound
// are retired as they are released or stopped by Tick.
func (p *Pool[E]) SetLimits(maxEnvs int, wait bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cfg.MaxEnvs = maxEnvs
	p.cfg.Wait = wait
	p.wakeLocked(p.cfg.Now())
}

// SetProvisioned changes how many environments the pool keeps initialised
// whatever the traffic; Tick starts them.
func (p *Pool[E]) SetProvisioned(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cfg.Policy.Provisioned = n
	p.policy.SetProvisioned(n)
}

// IdleEnv is an idle environment and when it became idle.
type IdleEnv[E Env] struct {
	Env   E
	Since time.Time
}

// Idle lists the idle environments, oldest first.
func (p *Pool[E]) Idle() []IdleEnv[E] {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]IdleEnv[E], 0, len(p.idle))
	for _, ie := range p.idle {
		out = append(out, IdleEnv[E]{Env: ie.env, Since: ie.since})
	}
	return out
}

// Evict stops env if it is still idle, and reports whether it did.
func (p *Pool[E]) Evict(env E) bool {
	p.mu.Lock()
	for i, ie := range p.idle {
		if any(ie.env) == any(env) {
			p.idle = append(p.idle[:i], p.idle[i+1:]...)
			p.total--
			p.mu.Unlock()
			env.Stop("spindown")
			return true
		}
	}
	p.mu.Unlock()
	return false
}

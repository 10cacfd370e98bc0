// Package pool keeps the execution environments of one function version:
// idle ones ready for reuse, a count of busy and starting ones, and the
// requests waiting for one. It decides nothing about how an environment is
// made; the caller supplies Start.
//
// Concurrency: all bookkeeping is guarded by Pool.mu, which is never held
// while an environment starts, runs or stops.
package pool

import (
	"context"
	"errors"
	"sync"
	"time"
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
	// ErrClosed: the pool was closed (its function changed).
	ErrClosed = errors.New("pool closed")
)

// Config sets a pool's limits.
type Config struct {
	// MaxEnvs bounds the environments (busy, idle and starting together).
	MaxEnvs int
	// Wait lets requests over MaxEnvs queue for a free environment; when
	// false they get ErrLimit at once, as reserved concurrency does.
	Wait bool
	// MaxWaiters bounds the queue, and MaxWait how long each waits.
	MaxWaiters int
	MaxWait    time.Duration
}

// Pool holds one function version's environments.
type Pool[E Env] struct {
	cfg   Config
	start func(ctx context.Context) (E, error)

	mu      sync.Mutex // guards the fields below
	idle    []idleEnv[E]
	total   int // idle + busy + starting
	waiters []chan grant[E]
	closed  bool
}

type idleEnv[E Env] struct {
	env   E
	since time.Time
}

// grant is what a waiter receives: an environment, or leave to start one.
type grant[E Env] struct {
	env   E
	ok    bool // env is set
	start bool // a slot was freed: start a new environment
	err   error
}

// New returns an empty pool.
func New[E Env](cfg Config, start func(ctx context.Context) (E, error)) *Pool[E] {
	return &Pool[E]{cfg: cfg, start: start}
}

// Acquire returns an environment for one invocation; cold reports that it
// was started for this request.
func (p *Pool[E]) Acquire(ctx context.Context) (env E, cold bool, err error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return env, false, ErrClosed
	}
	for len(p.idle) > 0 {
		ie := p.idle[len(p.idle)-1] // most recently used: warmest
		p.idle = p.idle[:len(p.idle)-1]
		if isDead(ie.env) {
			p.total--
			continue
		}
		p.mu.Unlock()
		return ie.env, false, nil
	}
	if p.total < p.cfg.MaxEnvs {
		p.total++
		p.mu.Unlock()
		return p.startEnv(ctx)
	}
	if !p.cfg.Wait || len(p.waiters) >= p.cfg.MaxWaiters {
		p.mu.Unlock()
		return env, false, ErrLimit
	}
	ch := make(chan grant[E], 1)
	p.waiters = append(p.waiters, ch)
	p.mu.Unlock()

	// Only a request that waits pays for a timer.
	if p.cfg.MaxWait > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.cfg.MaxWait)
		defer cancel()
	}
	select {
	case g := <-ch:
		return p.granted(ctx, g)
	case <-ctx.Done():
		p.mu.Lock()
		removed := p.removeWaiterLocked(ch)
		p.mu.Unlock()
		if !removed {
			// A grant raced with the cancellation: pass it on.
			p.handBack(<-ch)
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
		p.wakeLocked()
		p.mu.Unlock()
	}
}

func (p *Pool[E]) startEnv(ctx context.Context) (E, bool, error) {
	env, err := p.start(ctx)
	if err != nil {
		p.mu.Lock()
		p.total--
		p.wakeLocked()
		p.mu.Unlock()
		return env, true, err
	}
	return env, true, nil
}

// Release returns env after an invocation. A reusable environment goes to
// the next waiter or the idle list; any other is stopped.
func (p *Pool[E]) Release(env E, reusable bool) {
	p.mu.Lock()
	if !reusable || p.closed || isDead(env) {
		p.total--
		p.wakeLocked()
		p.mu.Unlock()
		env.Stop(shutdownReason(reusable))
		return
	}
	if len(p.waiters) > 0 {
		ch := p.waiters[0]
		p.waiters = p.waiters[1:]
		p.mu.Unlock()
		ch <- grant[E]{env: env, ok: true}
		return
	}
	p.idle = append(p.idle, idleEnv[E]{env: env, since: time.Now()})
	p.mu.Unlock()
}

func shutdownReason(reusable bool) string {
	if reusable {
		return "spindown"
	}
	return "failure"
}

// wakeLocked lets the first waiter start an environment in a freed slot.
func (p *Pool[E]) wakeLocked() {
	if len(p.waiters) == 0 || p.total >= p.cfg.MaxEnvs {
		return
	}
	ch := p.waiters[0]
	p.waiters = p.waiters[1:]
	p.total++
	ch <- grant[E]{start: true}
}

func (p *Pool[E]) removeWaiterLocked(ch chan grant[E]) bool {
	for i, w := range p.waiters {
		if w == ch {
			p.waiters = append(p.waiters[:i], p.waiters[i+1:]...)
			return true
		}
	}
	return false
}

// Reap stops environments idle since before cutoff, and dead ones.
func (p *Pool[E]) Reap(cutoff time.Time) int {
	p.mu.Lock()
	var stop []E
	kept := p.idle[:0]
	for _, ie := range p.idle {
		if ie.since.Before(cutoff) || isDead(ie.env) {
			stop = append(stop, ie.env)
			continue
		}
		kept = append(kept, ie)
	}
	clear(p.idle[len(kept):])
	p.idle = kept
	p.total -= len(stop)
	p.mu.Unlock()
	for _, env := range stop {
		env.Stop("spindown")
	}
	return len(stop)
}

// Stats is a snapshot of the pool.
type Stats struct {
	Idle, Total, Waiting int
}

// Stats reports the pool's counts.
func (p *Pool[E]) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Stats{Idle: len(p.idle), Total: p.total, Waiting: len(p.waiters)}
}

// Close stops idle environments and fails waiters; busy environments are
// stopped when released.
func (p *Pool[E]) Close() {
	p.mu.Lock()
	p.closed = true
	idle := p.idle
	p.idle = nil
	p.total -= len(idle)
	waiters := p.waiters
	p.waiters = nil
	p.mu.Unlock()
	for _, w := range waiters {
		w <- grant[E]{err: ErrClosed}
	}
	for _, ie := range idle {
		ie.env.Stop("spindown")
	}
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
// are retired as they are released or reaped.
func (p *Pool[E]) SetLimits(maxEnvs int, wait bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cfg.MaxEnvs = maxEnvs
	p.cfg.Wait = wait
	for len(p.waiters) > 0 && p.total < p.cfg.MaxEnvs {
		p.wakeLocked()
	}
}

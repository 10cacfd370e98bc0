package pool

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeEnv is an environment the test can kill.
type fakeEnv struct {
	id      int
	exited  chan struct{}
	stopped atomic.Bool
	once    sync.Once
}

func (e *fakeEnv) Exited() <-chan struct{} { return e.exited }
func (e *fakeEnv) Stop(string)             { e.stopped.Store(true); e.die() }
func (e *fakeEnv) die()                    { e.once.Do(func() { close(e.exited) }) }

type starter struct {
	n   atomic.Int32
	err error
}

func (s *starter) start(context.Context, bool) (*fakeEnv, error) {
	if s.err != nil {
		return nil, s.err
	}
	return &fakeEnv{id: int(s.n.Add(1)), exited: make(chan struct{})}, nil
}

func TestReuseWarmest(t *testing.T) {
	st := &starter{}
	p := New(Config{MaxEnvs: 10, Wait: true, MaxWaiters: 10}, st.start)
	a, cold, err := p.Acquire(t.Context())
	if err != nil || !cold {
		t.Fatalf("first Acquire = %v, cold %v", err, cold)
	}
	b, _, _ := p.Acquire(t.Context())
	p.Release(a, true)
	p.Release(b, true)
	got, cold, _ := p.Acquire(t.Context())
	if cold || got != b {
		t.Errorf("Acquire = env %d cold %v; want the most recently released env %d warm", got.id, cold, b.id)
	}
	if s := p.Stats(); s.Total != 2 || s.Idle != 1 {
		t.Errorf("Stats = %+v; want 2 total, 1 idle", s)
	}
}

func TestDeadIdleEnvIsSkipped(t *testing.T) {
	st := &starter{}
	p := New(Config{MaxEnvs: 10}, st.start)
	a, _, _ := p.Acquire(t.Context())
	p.Release(a, true)
	a.die() // the process exits while idle
	b, cold, err := p.Acquire(t.Context())
	if err != nil || !cold || b == a {
		t.Errorf("Acquire after idle death = %v cold %v same %v; want a new env", err, cold, b == a)
	}
	if s := p.Stats(); s.Total != 1 {
		t.Errorf("Total = %d; want 1", s.Total)
	}
}

func TestHardLimitRefuses(t *testing.T) {
	p := New(Config{MaxEnvs: 1, Wait: false}, (&starter{}).start)
	p.Acquire(t.Context())
	if _, _, err := p.Acquire(t.Context()); !errors.Is(err, ErrLimit) {
		t.Errorf("Acquire over a hard limit = %v; want ErrLimit", err)
	}
	zero := New(Config{MaxEnvs: 0}, (&starter{}).start)
	if _, _, err := zero.Acquire(t.Context()); !errors.Is(err, ErrLimit) {
		t.Errorf("Acquire with limit 0 = %v; want ErrLimit", err)
	}
}

func TestWaitersGetReleasedEnvs(t *testing.T) {
	p := New(Config{MaxEnvs: 1, Wait: true, MaxWaiters: 1}, (&starter{}).start)
	a, _, _ := p.Acquire(t.Context())
	got := make(chan *fakeEnv)
	go func() {
		e, _, err := p.Acquire(t.Context())
		if err != nil {
			t.Error(err)
		}
		got <- e
	}()
	waitFor(t, func() bool { return p.Stats().Waiting == 1 })
	// The queue is full now.
	if _, _, err := p.Acquire(t.Context()); !errors.Is(err, ErrLimit) {
		t.Errorf("Acquire with a full queue = %v; want ErrLimit", err)
	}
	p.Release(a, true)
	if e := <-got; e != a {
		t.Errorf("waiter got env %d; want %d", e.id, a.id)
	}
}

func TestWaiterStartsAfterFailure(t *testing.T) {
	st := &starter{}
	p := New(Config{MaxEnvs: 1, Wait: true, MaxWaiters: 1}, st.start)
	a, _, _ := p.Acquire(t.Context())
	got := make(chan *fakeEnv)
	go func() {
		e, cold, err := p.Acquire(t.Context())
		if err != nil || !cold {
			t.Errorf("waiter: %v cold %v", err, cold)
		}
		got <- e
	}()
	waitFor(t, func() bool { return p.Stats().Waiting == 1 })
	p.Release(a, false) // crashed: its slot goes to the waiter
	if e := <-got; e == a || !a.stopped.Load() {
		t.Errorf("waiter got the crashed env, or it was not stopped")
	}
}

func TestWaitTimesOut(t *testing.T) {
	p := New(Config{MaxEnvs: 1, Wait: true, MaxWaiters: 5}, (&starter{}).start)
	a, _, _ := p.Acquire(t.Context())
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if _, _, err := p.Acquire(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Acquire = %v; want DeadlineExceeded", err)
	}
	if s := p.Stats(); s.Waiting != 0 {
		t.Errorf("Waiting = %d after timeout; want 0", s.Waiting)
	}
	p.Release(a, true)
	if s := p.Stats(); s.Idle != 1 {
		t.Errorf("Idle = %d; want 1", s.Idle)
	}
}

// clock is a fake time source for the pool.
type clock struct {
	mu  sync.Mutex // guards now
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

func TestTickKeepAliveAndClose(t *testing.T) {
	clk := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	p := New(Config{MaxEnvs: 5, Now: clk.Now}, (&starter{}).start)
	a, _, _ := p.Acquire(t.Context())
	b, _, _ := p.Acquire(t.Context())
	p.Release(a, true)
	if n := p.Tick(clk.add(11 * time.Minute)); n != 0 {
		t.Errorf("Tick while the function is busy stopped %d; want 0", n)
	}
	p.Release(b, true)
	if n := p.Tick(clk.add(time.Minute)); n != 0 {
		t.Errorf("Tick one minute after going idle stopped %d; want 0", n)
	}
	if n := p.Tick(clk.add(10 * time.Minute)); n != 2 || !a.stopped.Load() || !b.stopped.Load() {
		t.Errorf("Tick after the keep-alive stopped %d; want 2", n)
	}
	c, _, _ := p.Acquire(t.Context())
	p.Close()
	if _, _, err := p.Acquire(t.Context()); !errors.Is(err, ErrClosed) {
		t.Errorf("Acquire after Close = %v", err)
	}
	p.Release(c, true) // busy at Close: stopped on release
	if !c.stopped.Load() || p.Stats().Total != 0 {
		t.Errorf("busy env at close: stopped %v, total %d", c.stopped.Load(), p.Stats().Total)
	}
}

func TestScaleRateQueuesStarts(t *testing.T) {
	clk := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	p := New(Config{MaxEnvs: 10, Wait: true, MaxWaiters: 10, ScaleRate: 2, ScaleWindow: time.Second, Now: clk.Now}, (&starter{}).start)
	p.Acquire(t.Context())
	p.Acquire(t.Context())
	got := make(chan error, 1)
	go func() {
		_, cold, err := p.Acquire(t.Context())
		if err == nil && !cold {
			err = errors.New("not a fresh environment")
		}
		got <- err
	}()
	waitFor(t, func() bool { return p.Stats().Waiting == 1 })
	p.Tick(clk.add(100 * time.Millisecond)) // 0.2 tokens: still waiting
	if s := p.Stats(); s.Waiting != 1 {
		t.Fatalf("waiter started before the rate allowed: %+v", s)
	}
	p.Tick(clk.add(400 * time.Millisecond)) // a token: start
	if err := <-got; err != nil {
		t.Errorf("queued request: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if _, _, err := p.Acquire(ctx); !errors.Is(err, ErrRate) {
		t.Errorf("Acquire held back by the rate until its deadline = %v; want ErrRate", err)
	}
}

func TestProvisionedStartAhead(t *testing.T) {
	st := &starter{}
	var provisioned atomic.Int32
	start := func(ctx context.Context, prov bool) (*fakeEnv, error) {
		if prov {
			provisioned.Add(1)
		}
		return st.start(ctx, prov)
	}
	p := New(Config{MaxEnvs: 10}, start)
	p.SetProvisioned(2)
	p.Tick(time.Now())
	waitFor(t, func() bool { return p.Stats().Idle == 2 })
	if provisioned.Load() != 2 {
		t.Errorf("%d environments started as provisioned; want 2", provisioned.Load())
	}
	if _, cold, _ := p.Acquire(t.Context()); cold {
		t.Error("first request after provisioning was a cold start")
	}
	p.Close()
}

func TestStartFailureFreesSlot(t *testing.T) {
	st := &starter{err: errors.New("no bootstrap")}
	p := New(Config{MaxEnvs: 1}, st.start)
	for range 3 {
		if _, _, err := p.Acquire(t.Context()); err == nil || errors.Is(err, ErrLimit) {
			t.Fatalf("Acquire = %v; want the start error each time", err)
		}
	}
}

// waitFor polls cond, which the test cannot be told about otherwise; it
// bounds the wait rather than timing anything.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestMaxStartingQueuesRequests(t *testing.T) {
	release := make(chan struct{})
	var n atomic.Int32
	start := func(ctx context.Context, _ bool) (*fakeEnv, error) {
		<-release
		return &fakeEnv{id: int(n.Add(1)), exited: make(chan struct{})}, nil
	}
	p := New(Config{MaxEnvs: 10, Wait: true, MaxWaiters: 10, MaxStarting: 1}, start)
	got := make(chan *fakeEnv, 2)
	for range 2 {
		go func() {
			e, _, err := p.Acquire(t.Context())
			if err != nil {
				t.Error(err)
			}
			got <- e
		}()
	}
	waitFor(t, func() bool { s := p.Stats(); return s.Starting == 1 && s.Waiting == 1 })
	release <- struct{}{} // the first start ends; the waiter may start the next
	<-got
	waitFor(t, func() bool { s := p.Stats(); return s.Starting == 1 && s.Waiting == 0 })
	release <- struct{}{}
	if second := <-got; second.id != 2 {
		t.Errorf("the waiter got env %d; want the second started", second.id)
	}
	close(release)
	waitFor(t, func() bool { return p.Stats().Starting == 0 })
}

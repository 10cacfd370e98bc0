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

func (s *starter) start(context.Context) (*fakeEnv, error) {
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

func TestReapAndClose(t *testing.T) {
	p := New(Config{MaxEnvs: 5}, (&starter{}).start)
	a, _, _ := p.Acquire(t.Context())
	b, _, _ := p.Acquire(t.Context())
	p.Release(a, true)
	if n := p.Reap(time.Now().Add(-time.Hour)); n != 0 {
		t.Errorf("Reap of fresh envs stopped %d", n)
	}
	if n := p.Reap(time.Now().Add(time.Second)); n != 1 || !a.stopped.Load() {
		t.Errorf("Reap stopped %d; want 1 (the idle one)", n)
	}
	p.Close()
	if _, _, err := p.Acquire(t.Context()); !errors.Is(err, ErrClosed) {
		t.Errorf("Acquire after Close = %v", err)
	}
	p.Release(b, true) // busy at Close: stopped on release
	if !b.stopped.Load() || p.Stats().Total != 0 {
		t.Errorf("busy env at close: stopped %v, total %d", b.stopped.Load(), p.Stats().Total)
	}
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

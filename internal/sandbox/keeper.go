package sandbox

import (
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// migrationKeeper keeps cgroup migrations cheap while environments are
// being started.
//
// Moving a process into a cgroup takes the kernel's cgroup threadgroup
// lock for writing. That lock is a per-CPU rwsem whose writers first wait
// for an RCU grace period, unless another writer came shortly before: on
// this project's 2-vCPU VM an attach costs 12–15 ms after a quiet spell
// and about 50 µs when writers are at most ~10 ms apart. So after each
// environment start, and for warmWindow after the last one, the keeper
// moves lamina into the cgroup it is already in every tick (a no-op
// migration that keeps the lock in its writer-friendly mode); when starts
// stop, it stops. A burst of cold starts then pays the grace period once.
type migrationKeeper struct {
	procs  string // cgroup.procs of lamina's own cgroup
	self   []byte
	window time.Duration // how long it runs after the last start

	mu      sync.Mutex // guards until, running
	until   time.Time
	running bool
	stop    chan struct{}
	wg      sync.WaitGroup
}

const (
	keeperTick = 5 * time.Millisecond
	warmWindow = 2 * time.Second
)

// newMigrationKeeper returns a keeper for the memory hierarchy that parent
// (lamina's cgroup for environments) lives in.
func newMigrationKeeper(parent string) *migrationKeeper {
	return &migrationKeeper{
		procs:  filepath.Join(filepath.Dir(parent), "cgroup.procs"),
		self:   []byte(strconv.Itoa(os.Getpid())),
		window: warmWindow,
		stop:   make(chan struct{}),
	}
}

// starting notes an environment start: the keeper runs until warmWindow
// after the last one.
func (k *migrationKeeper) starting(now time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.until = now.Add(k.window)
	if k.running {
		return
	}
	k.running = true
	k.wg.Add(1)
	go k.run()
}

func (k *migrationKeeper) run() {
	defer k.wg.Done()
	t := time.NewTicker(keeperTick)
	defer t.Stop()
	for {
		os.WriteFile(k.procs, k.self, 0)
		select {
		case <-k.stop:
			return
		case now := <-t.C:
			k.mu.Lock()
			done := now.After(k.until)
			if done {
				k.running = false
			}
			k.mu.Unlock()
			if done {
				return
			}
		}
	}
}

// close stops the keeper and waits for it.
func (k *migrationKeeper) close() {
	close(k.stop)
	k.wg.Wait()
}

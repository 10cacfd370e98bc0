package sandbox

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The keeper writes while starts happen and stops by itself after its
// window; Close ends it early. (What it buys, cheap cgroup migrations, is
// the kernel's and is measured by the benchmark, not here.)
func TestMigrationKeeperRunsAfterStarts(t *testing.T) {
	dir := t.TempDir()
	k := newMigrationKeeper(filepath.Join(dir, "lamina-1"))
	k.window = 50 * time.Millisecond
	procs := filepath.Join(dir, "cgroup.procs")
	k.starting(time.Now())
	waitUntil(t, func() bool { _, err := os.Stat(procs); return err == nil })
	waitUntil(t, func() bool { k.mu.Lock(); defer k.mu.Unlock(); return !k.running })
	os.Remove(procs)
	k.starting(time.Now()) // starts again after stopping
	waitUntil(t, func() bool { _, err := os.Stat(procs); return err == nil })
	k.close()
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
	}
}

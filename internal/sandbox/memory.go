package sandbox

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// memoryLimit enforces an environment's memory size and reports its peak.
type memoryLimit interface {
	// attach puts the started process under the limit.
	attach(pid int) error
	// peakBytes is the most memory the environment has used so far.
	peakBytes() int64
	// release frees what the limit holds; the process has exited.
	release()
}

// cgroupV1 finds the memory cgroup (v1) this process runs in, and returns a
// parent directory lamina may create child groups in, or "" when it cannot.
func cgroupV1() string {
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 || parts[1] != "memory" {
			continue
		}
		dir := filepath.Join("/sys/fs/cgroup/memory", parts[2], fmt.Sprintf("lamina-%d", os.Getpid()))
		if err := os.Mkdir(dir, 0o755); err != nil && !os.IsExist(err) {
			return ""
		}
		if _, err := os.Stat(filepath.Join(dir, "memory.limit_in_bytes")); err != nil {
			os.Remove(dir)
			return ""
		}
		return dir
	}
	return ""
}

// cgroupLimit is a memory cgroup (v1) per environment: the kernel enforces
// the limit (the OOM killer ends the process) and records the peak.
type cgroupLimit struct {
	dir string
	pid int
}

func newCgroupLimit(parent, name string, limit int64) (*cgroupLimit, error) {
	dir := filepath.Join(parent, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create cgroup: %w", err)
	}
	c := &cgroupLimit{dir: dir}
	v := []byte(strconv.FormatInt(limit, 10))
	if err := os.WriteFile(filepath.Join(dir, "memory.limit_in_bytes"), v, 0); err != nil {
		c.release()
		return nil, fmt.Errorf("set memory limit: %w", err)
	}
	// Without swap accounting the file is missing; the limit above holds.
	os.WriteFile(filepath.Join(dir, "memory.memsw.limit_in_bytes"), v, 0)
	// The process joins just after it starts: bring along what it has
	// already touched (anonymous and file pages).
	os.WriteFile(filepath.Join(dir, "memory.move_charge_at_immigrate"), []byte("3"), 0)
	return c, nil
}

func (c *cgroupLimit) attach(pid int) error {
	c.pid = pid
	return os.WriteFile(filepath.Join(c.dir, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0)
}

// peakBytes is the group's peak, or the process's own peak resident set
// when that is higher (what it touched before joining is not counted).
func (c *cgroupLimit) peakBytes() int64 {
	hwm := hwmBytes(c.pid)
	data, err := os.ReadFile(filepath.Join(c.dir, "memory.max_usage_in_bytes"))
	if err != nil {
		return hwm
	}
	n, _ := strconv.ParseInt(string(bytes.TrimSpace(data)), 10, 64)
	return max(n, hwm)
}

func (c *cgroupLimit) release() {
	// The group empties a moment after the process is reaped.
	for range 50 {
		if err := os.Remove(c.dir); err == nil || os.IsNotExist(err) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// watchdog is the fallback where cgroups are not writable: it samples the
// process's resident memory and kills its group when over the limit.
type watchdog struct {
	limit int64
	pid   int
	stop  chan struct{}
	done  chan struct{}
	peak  atomic.Int64 // largest resident set sampled
}

func newWatchdog(limit int64) *watchdog {
	return &watchdog{limit: limit, stop: make(chan struct{}), done: make(chan struct{})}
}

const watchdogInterval = 50 * time.Millisecond

func (w *watchdog) attach(pid int) error {
	w.pid = pid
	go func() {
		defer close(w.done)
		t := time.NewTicker(watchdogInterval)
		defer t.Stop()
		for {
			select {
			case <-w.stop:
				return
			case <-t.C:
				rss := rssBytes(pid)
				if rss > w.peak.Load() {
					w.peak.Store(rss)
				}
				if rss > w.limit {
					syscall.Kill(-pid, syscall.SIGKILL)
				}
			}
		}
	}()
	return nil
}

// peakBytes is the process's own peak while it lives, else the largest
// sample taken.
func (w *watchdog) peakBytes() int64 { return max(hwmBytes(w.pid), w.peak.Load()) }

func (w *watchdog) release() {
	if w.pid == 0 {
		return
	}
	close(w.stop)
	<-w.done
}

// rssBytes reads the resident set size of pid from /proc.
func rssBytes(pid int) int64 {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		return 0
	}
	f := bytes.Fields(data)
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(string(f[1]), 10, 64)
	return pages * int64(os.Getpagesize())
}

// hwmBytes reads the peak resident set size (VmHWM) of pid from /proc.
func hwmBytes(pid int) int64 {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

var (
	_ memoryLimit = (*cgroupLimit)(nil)
	_ memoryLimit = (*watchdog)(nil)
)

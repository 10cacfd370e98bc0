// Package sandbox starts and stops execution environments: one OS process
// per environment running the function's bootstrap, with its own Runtime
// API endpoint, captured output and a memory limit (a memory cgroup where
// the machine lets lamina create one, else a sampling watchdog).
package sandbox

import "os"

// Host starts environments on this machine.
type Host struct {
	cgroupParent string // "" when cgroups are not usable
	keeper       *migrationKeeper
}

// NewHost probes what isolation the machine allows. With noCgroups it
// uses the watchdog even where cgroups would work.
func NewHost(noCgroups bool) *Host {
	if noCgroups {
		return &Host{}
	}
	h := &Host{cgroupParent: cgroupV1()}
	if h.cgroupParent != "" {
		h.keeper = newMigrationKeeper(h.cgroupParent)
	}
	return h
}

// MemoryEnforcement names how memory limits are enforced, for logs.
func (h *Host) MemoryEnforcement() string {
	if h.cgroupParent != "" {
		return "cgroup"
	}
	return "watchdog"
}

// Close stops the host's background work and removes its cgroup
// directory.
func (h *Host) Close() error {
	if h.keeper != nil {
		h.keeper.close()
	}
	if h.cgroupParent != "" {
		return os.Remove(h.cgroupParent)
	}
	return nil
}

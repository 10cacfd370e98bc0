package telemetry

import (
	"testing"
	"time"
)

// A nil *Metrics is metrics turned off: every call works and does nothing.
func TestNilMetricsRecordNothing(t *testing.T) {
	var m *Metrics
	m.Register()
	m.Throttled("fn", "$LATEST", "ReservedFunctionConcurrentInvocationLimitExceeded")
	m.Forget("fn")
	m.Async(func() int { return 1 }).EventAge(time.Second)
	f := m.Function("fn", "$LATEST")
	if f != nil {
		t.Fatalf("Function() of nil metrics = %v; want nil", f)
	}
	f.Begin()()
	f.Invoked(time.Millisecond, time.Millisecond, true, time.Millisecond, 128, 10, "Runtime.ExitError")
	f.EnvStarted("on-demand")
	f.EnvStopped("spindown")
}

package telemetry

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Function is one function version's metrics, resolved once so that an
// invocation only adds to counters it already holds.
type Function struct {
	m                 *Metrics
	name, version     string
	success, timeouts prometheus.Counter
	duration          prometheus.Observer
	initDuration      prometheus.Observer
	coldStarts        prometheus.Counter
	queueWait         prometheus.Observer
	billed            prometheus.Counter
	responseSize      prometheus.Observer
	concurrent        prometheus.Gauge

	mu     sync.Mutex // guards errors
	errors map[string]prometheus.Counter
}

// Function returns the metrics of one function version; nil, which
// records nothing, when metrics are off.
func (m *Metrics) Function(name, version string) *Function {
	if m == nil {
		return nil
	}
	return &Function{
		m: m, name: name, version: version,
		success:      m.invocations.WithLabelValues(name, version, OutcomeSuccess, ""),
		timeouts:     m.invocations.WithLabelValues(name, version, OutcomeTimeout, "Sandbox"),
		duration:     m.duration.WithLabelValues(name, version),
		initDuration: m.initDuration.WithLabelValues(name, version),
		coldStarts:   m.coldStarts.WithLabelValues(name, version),
		queueWait:    m.queueWait.WithLabelValues(name, version),
		billed:       m.billed.WithLabelValues(name, version),
		responseSize: m.responseSize.WithLabelValues(name, version),
		concurrent:   m.concurrent.WithLabelValues(name),
		errors:       map[string]prometheus.Counter{},
	}
}

// Begin notes an invocation starting to run; the returned func ends it.
func (f *Function) Begin() func() {
	if f == nil {
		return func() {}
	}
	f.concurrent.Inc()
	return f.concurrent.Dec
}

// Invoked records one finished invocation. errorType is "" on success.
func (f *Function) Invoked(queued, ran time.Duration, cold bool, initTime time.Duration, memoryMB, responseBytes int, errorType string) {
	if f == nil {
		return
	}
	f.queueWait.Observe(queued.Seconds())
	f.duration.Observe(ran.Seconds())
	if cold {
		f.coldStarts.Inc()
		f.initDuration.Observe(initTime.Seconds())
	}
	billed := (ran + initTime + time.Millisecond - 1).Truncate(time.Millisecond)
	f.billed.Add(billed.Seconds() * float64(memoryMB) / 1024)
	f.responseSize.Observe(float64(responseBytes))
	switch {
	case errorType == "":
		f.success.Inc()
	case errorType == "Sandbox.Timedout":
		f.timeouts.Inc()
	default:
		f.errorCounter(ErrorClass(errorType)).Inc()
	}
}

func (f *Function) errorCounter(class string) prometheus.Counter {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.errors[class]
	if !ok {
		c = f.m.invocations.WithLabelValues(f.name, f.version, OutcomeFunctionError, class)
		f.errors[class] = c
	}
	return c
}

// EnvStarted and EnvStopped count environment lifecycle events.
func (f *Function) EnvStarted(initType string) {
	if f == nil {
		return
	}
	f.m.envStarts.WithLabelValues(f.name, f.version, initType).Inc()
}

// EnvStopped counts an environment stopping for reason.
func (f *Function) EnvStopped(reason string) {
	if f == nil {
		return
	}
	f.m.envStops.WithLabelValues(f.name, f.version, reason).Inc()
}

// Package telemetry holds lamina's Prometheus metrics: one registry with
// the platform's own metrics, the Go runtime's and the process's, served
// on /metrics. Metric names follow Prometheus conventions (base units,
// _total, _seconds, _bytes); labels are bounded: a deployed function and
// version, an outcome or a reason from a fixed set, never a request.
//
// Concurrency: the collectors of client_golang are safe for concurrent
// use; the invocation path reaches pre-resolved children through
// Function, so it pays no label lookups.
package telemetry

import (
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is lamina's registry and metric families. A nil *Metrics is
// metrics turned off: every method works and records nothing.
type Metrics struct {
	reg *prometheus.Registry

	invocations  *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	initDuration *prometheus.HistogramVec
	coldStarts   *prometheus.CounterVec
	queueWait    *prometheus.HistogramVec
	billed       *prometheus.CounterVec
	responseSize *prometheus.HistogramVec
	throttles    *prometheus.CounterVec
	envStarts    *prometheus.CounterVec
	envStops     *prometheus.CounterVec
	concurrent   *prometheus.GaugeVec
}

// Outcomes of an invocation.
const (
	OutcomeSuccess       = "success"
	OutcomeFunctionError = "function_error"
	OutcomeTimeout       = "timeout"
	OutcomeThrottled     = "throttled"
)

var durationBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900}

// New returns the metrics, registered with the Go and process collectors.
func New() *Metrics {
	fv := []string{"function", "version"}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		invocations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lamina_invocations_total",
			Help: "Invocations by outcome (success, function_error, timeout, throttled); function errors carry their error class (Handler, Runtime, Function).",
		}, []string{"function", "version", "outcome", "error_class"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "lamina_invocation_duration_seconds", Help: "Time from handing the event to the runtime to its answer.", Buckets: durationBuckets,
		}, fv),
		initDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "lamina_init_duration_seconds", Help: "Environment start: process, runtime initialisation, first /next.", Buckets: durationBuckets,
		}, fv),
		coldStarts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lamina_cold_starts_total", Help: "Invocations that waited for a new environment.",
		}, fv),
		queueWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "lamina_queue_wait_seconds", Help: "Time from admission to having an environment, cold starts included.", Buckets: durationBuckets,
		}, fv),
		billed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lamina_billed_gb_seconds_total", Help: "GB-seconds Lambda would bill: memory size times billed duration (init included, 1 ms steps).",
		}, fv),
		responseSize: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "lamina_response_size_bytes", Help: "Size of function responses.", Buckets: prometheus.ExponentialBuckets(64, 4, 10),
		}, fv),
		throttles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lamina_throttles_total", Help: "429 answers by Lambda's Reason.",
		}, []string{"function", "reason"}),
		envStarts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lamina_environment_starts_total", Help: "Environments started, by initialisation type.",
		}, []string{"function", "version", "type"}),
		envStops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lamina_environment_stops_total", Help: "Environments stopped, by reason (spindown: idle past keep-alive or evicted; failure: crash, timeout, error).",
		}, []string{"function", "version", "reason"}),
		concurrent: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "lamina_concurrent_executions", Help: "Invocations running now.",
		}, []string{"function"}),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.invocations, m.duration, m.initDuration, m.coldStarts, m.queueWait, m.billed,
		m.responseSize, m.throttles, m.envStarts, m.envStops, m.concurrent,
	)
	return m
}

// Register adds collectors of other components (environment counts, the
// async queue).
func (m *Metrics) Register(cs ...prometheus.Collector) {
	if m != nil {
		m.reg.MustRegister(cs...)
	}
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Forget drops a deleted function's series, keeping labels bounded by
// what is deployed.
func (m *Metrics) Forget(function string) {
	if m == nil {
		return
	}
	l := prometheus.Labels{"function": function}
	for _, v := range []interface{ DeletePartialMatch(prometheus.Labels) int }{
		m.invocations, m.duration, m.initDuration, m.coldStarts, m.queueWait, m.billed,
		m.responseSize, m.throttles, m.envStarts, m.envStops, m.concurrent,
	} {
		v.DeletePartialMatch(l)
	}
}

// Throttled counts a 429 for function with Lambda's reason.
func (m *Metrics) Throttled(function, version, reason string) {
	if m == nil {
		return
	}
	m.throttles.WithLabelValues(function, reason).Inc()
	m.invocations.WithLabelValues(function, version, OutcomeThrottled, "").Inc()
}

// ErrorClass buckets a Lambda error type: Runtime.*, Function.* and
// Sandbox.* keep their prefix; anything else is the handler's own.
func ErrorClass(errorType string) string {
	prefix, _, ok := strings.Cut(errorType, ".")
	if ok && (prefix == "Runtime" || prefix == "Function" || prefix == "Sandbox") {
		return prefix
	}
	return "Handler"
}

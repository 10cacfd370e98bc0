package telemetry

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// EnvCount is one function version's environments at scrape time.
type EnvCount struct {
	Function, Version                 string
	Idle, Busy, Starting, Provisioned int
}

// envCollector reports environment counts when scraped, so that keeping
// them costs the invocation path nothing.
type envCollector struct {
	snapshot    func() []EnvCount
	envs        *prometheus.Desc
	provisioned *prometheus.Desc
}

// EnvCollector returns a collector of the counts snapshot reports.
func EnvCollector(snapshot func() []EnvCount) prometheus.Collector {
	return &envCollector{
		snapshot: snapshot,
		envs: prometheus.NewDesc("lamina_environments", "Execution environments by state (idle = warm and free).",
			[]string{"function", "version", "state"}, nil),
		provisioned: prometheus.NewDesc("lamina_provisioned_environments", "Provisioned concurrency requested for a version.",
			[]string{"function", "version"}, nil),
	}
}

func (c *envCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.envs
	ch <- c.provisioned
}

func (c *envCollector) Collect(ch chan<- prometheus.Metric) {
	for _, e := range c.snapshot() {
		for state, n := range map[string]int{"idle": e.Idle, "busy": e.Busy, "starting": e.Starting} {
			ch <- prometheus.MustNewConstMetric(c.envs, prometheus.GaugeValue, float64(n), e.Function, e.Version, state)
		}
		ch <- prometheus.MustNewConstMetric(c.provisioned, prometheus.GaugeValue, float64(e.Provisioned), e.Function, e.Version)
	}
}

// Async holds the asynchronous queue's metrics.
type Async struct {
	age prometheus.Observer
}

// Async registers the async queue's depth (read when scraped) and returns
// the recorder of event ages.
func (m *Metrics) Async(depth func() int) *Async {
	if m == nil {
		return nil
	}
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "lamina_async_queue_depth", Help: "Events waiting in the asynchronous queue.",
	}, func() float64 { return float64(depth()) }))
	h := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "lamina_async_event_age_seconds", Help: "Age of asynchronous events when an attempt starts.",
		Buckets: []float64{.01, .1, 1, 10, 60, 120, 300, 600, 1800, 3600, 21600},
	})
	m.reg.MustRegister(h)
	return &Async{age: h}
}

// EventAge records how old an event was when an attempt of it started.
func (a *Async) EventAge(d time.Duration) {
	if a != nil {
		a.age.Observe(d.Seconds())
	}
}

// DroppedLogLines counts the function log lines the log exporter did not
// ship: its queue was full or the receiver refused them.
func DroppedLogLines(n func() float64) prometheus.Collector {
	return prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "lamina_log_export_dropped_total", Help: "Function log lines not shipped: the export queue was full or the receiver refused them.",
	}, n)
}

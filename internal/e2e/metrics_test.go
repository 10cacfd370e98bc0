package e2e

import (
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape reads lamina's /metrics with Prometheus's own text parser.
func scrape(t *testing.T, endpoint string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(endpoint + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return families
}

// value finds the sample of family with the given labels: a counter's or
// gauge's value, a histogram's count.
func value(families map[string]*dto.MetricFamily, family string, labels map[string]string) float64 {
	f := families[family]
	if f == nil {
		return -1
	}
	for _, m := range f.Metric {
		match := true
		for k, v := range labels {
			found := false
			for _, lp := range m.Label {
				if lp.GetName() == k && lp.GetValue() == v {
					found = true
				}
			}
			match = match && found
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return -1
}

func TestMetrics(t *testing.T) {
	in := start(t, t.TempDir())
	c := in.client()
	deploy(t, c, "ok", "echo", withMemory(256))
	deploy(t, c, "bad", "error")
	deploy(t, c, "slow", "sleep", withTimeout(1))
	for range 3 {
		invoke(t, c, "ok", `{}`)
	}
	invoke(t, c, "bad", `{}`)
	invoke(t, c, "slow", `{"ms":1500}`)
	c.PutFunctionConcurrency(t.Context(), &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("bad"), ReservedConcurrentExecutions: aws.Int32(0)})
	c.Invoke(t.Context(), &lambda.InvokeInput{FunctionName: aws.String("bad")})

	f := scrape(t, in.endpoint)
	checks := []struct {
		family string
		labels map[string]string
		want   float64
	}{
		{"lamina_invocations_total", map[string]string{"function": "ok", "outcome": "success"}, 3},
		{"lamina_invocations_total", map[string]string{"function": "bad", "outcome": "function_error", "error_class": "Handler"}, 1},
		{"lamina_invocations_total", map[string]string{"function": "slow", "outcome": "timeout"}, 1},
		{"lamina_invocations_total", map[string]string{"function": "bad", "outcome": "throttled"}, 1},
		{"lamina_throttles_total", map[string]string{"function": "bad", "reason": "ReservedFunctionConcurrentInvocationLimitExceeded"}, 1},
		{"lamina_cold_starts_total", map[string]string{"function": "ok", "version": "$LATEST"}, 1},
		{"lamina_invocation_duration_seconds", map[string]string{"function": "ok"}, 3},
		{"lamina_init_duration_seconds", map[string]string{"function": "ok"}, 1},
		{"lamina_environments", map[string]string{"function": "ok", "state": "idle"}, 1},
		{"lamina_environment_starts_total", map[string]string{"function": "ok", "type": "on-demand"}, 1},
		{"lamina_environment_stops_total", map[string]string{"function": "slow", "reason": "failure"}, 1},
		{"lamina_concurrent_executions", map[string]string{"function": "ok"}, 0},
	}
	for _, ck := range checks {
		if got := value(f, ck.family, ck.labels); got != ck.want {
			t.Errorf("%s%v = %v; want %v", ck.family, ck.labels, got, ck.want)
		}
	}
	// 3 invocations of a 256 MB function bill at least 3 ms x 0.25 GB.
	if got := value(f, "lamina_billed_gb_seconds_total", map[string]string{"function": "ok"}); got < 0.00075 {
		t.Errorf("billed GB-s = %v", got)
	}
	for _, family := range []string{"go_goroutines", "process_resident_memory_bytes", "lamina_async_queue_depth"} {
		if f[family] == nil {
			t.Errorf("no %s", family)
		}
	}
	// A deleted function's series go with it.
	if _, err := c.DeleteFunction(t.Context(), &lambda.DeleteFunctionInput{FunctionName: aws.String("ok")}); err != nil {
		t.Fatal(err)
	}
	if got := value(scrape(t, in.endpoint), "lamina_invocations_total", map[string]string{"function": "ok"}); got != -1 {
		t.Errorf("deleted function still has invocation series (%v)", got)
	}
}

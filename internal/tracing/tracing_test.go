package tracing

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/trace"
)

func TestParseXRay(t *testing.T) {
	tests := []struct {
		in      string
		ok      bool
		trace   string
		parent  string
		sampled bool
	}{
		{"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1", true, "5759e988bd862e3fe1be46a994272793", "53995c3f42cd8ad8", true},
		{"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0", true, "5759e988bd862e3fe1be46a994272793", "53995c3f42cd8ad8", false},
		{"Parent=53995c3f42cd8ad8; Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=?;Lineage=a87bd80c:1", true, "5759e988bd862e3fe1be46a994272793", "53995c3f42cd8ad8", false},
		{"Root=1-5759e988-bd862e3fe1be46a994272793", false, "", "", false}, // no parent span
		{"Root=2-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8", false, "", "", false},
		{"Root=1-5759e988bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8", false, "", "", false},
		{"Root=1-00000000-000000000000000000000000;Parent=53995c3f42cd8ad8", false, "", "", false},
		{"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=xyz", false, "", "", false},
		{"", false, "", "", false},
	}
	for _, tt := range tests {
		sc, ok := ParseXRay(tt.in)
		if ok != tt.ok {
			t.Errorf("ParseXRay(%q) ok = %v; want %v", tt.in, ok, tt.ok)
			continue
		}
		if !ok {
			continue
		}
		if sc.TraceID().String() != tt.trace || sc.SpanID().String() != tt.parent || sc.IsSampled() != tt.sampled || !sc.IsRemote() {
			t.Errorf("ParseXRay(%q) = %s/%s sampled %v remote %v; want %s/%s sampled %v remote",
				tt.in, sc.TraceID(), sc.SpanID(), sc.IsSampled(), sc.IsRemote(), tt.trace, tt.parent, tt.sampled)
		}
	}
}

func FuzzParseXRay(f *testing.F) {
	f.Add("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
	f.Add("Root=1-;Parent=;Sampled=")
	f.Fuzz(func(t *testing.T, h string) {
		sc, ok := ParseXRay(h)
		if !ok {
			return
		}
		// What parses formats back to a header that parses the same.
		again, ok := ParseXRay(FormatXRay(sc))
		if !ok || again.TraceID() != sc.TraceID() || again.SpanID() != sc.SpanID() || again.IsSampled() != sc.IsSampled() {
			t.Fatalf("ParseXRay(FormatXRay(%v)) = %v, %v", sc, again, ok)
		}
	})
}

func TestStartServerContinuesTrace(t *testing.T) {
	const (
		tp   = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
		xray = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
	)
	tests := []struct {
		name   string
		header http.Header
		trace  string
	}{
		{"traceparent", http.Header{"Traceparent": {tp}}, "4bf92f3577b34da6a3ce929d0e0e4736"},
		{"x-ray", http.Header{"X-Amzn-Trace-Id": {xray}}, "5759e988bd862e3fe1be46a994272793"},
		{"traceparent wins", http.Header{"Traceparent": {tp}, "X-Amzn-Trace-Id": {xray}}, "4bf92f3577b34da6a3ce929d0e0e4736"},
	}
	var disabled *Provider // tracing off still continues the trace to functions
	for _, tt := range tests {
		r, _ := http.NewRequest("POST", "/", nil)
		r.Header = tt.header
		ctx, span := disabled.StartServer(r, "fn")
		if span.IsRecording() {
			t.Errorf("%s: a disabled provider records spans", tt.name)
		}
		h := FunctionHeader(ctx, r.Header.Get(XRayHeader))
		if want := "Root=1-" + tt.trace[:8] + "-" + tt.trace[8:] + ";"; !strings.HasPrefix(h, want) {
			t.Errorf("%s: function header %q; want it to start %q", tt.name, h, want)
		}
	}
}

func TestFunctionHeaderWithoutTrace(t *testing.T) {
	h := FunctionHeader(context.Background(), "")
	sc, ok := ParseXRay(h)
	if !ok || sc.IsSampled() {
		t.Errorf("FunctionHeader made %q; want a new unsampled X-Ray header", h)
	}
	if got := FunctionHeader(context.Background(), "Root=1-5759e988"); got != "Root=1-5759e988" {
		t.Errorf("FunctionHeader passed on %q; want the caller's header as received", got)
	}
	sc = trace.NewSpanContext(trace.SpanContextConfig{TraceID: [16]byte{1}, SpanID: [8]byte{2}})
	if got := FunctionHeader(trace.ContextWithSpanContext(context.Background(), sc), "ignored"); got != "Root=1-01000000-000000000000000000000000;Parent=0200000000000000;Sampled=0" {
		t.Errorf("FunctionHeader(span context) = %q", got)
	}
}

func TestNewFromEnvironment(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		enabled bool
		err     string
	}{
		{"nothing configured", nil, false, ""},
		{"endpoint", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, true, ""},
		{"traces endpoint, grpc", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, true, ""},
		{"exporter otlp", map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}, true, ""},
		{"exporter none", map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, false, ""},
		{"sdk disabled", map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, false, ""},
		{"zipkin", map[string]string{"OTEL_TRACES_EXPORTER": "zipkin"}, false, "otlp only"},
		{"http/json", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}, false, "use http/protobuf or grpc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"OTEL_SDK_DISABLED", "OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"} {
				t.Setenv(k, tt.env[k])
			}
			p, err := New(t.Context())
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("New() error = %v; want one saying %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer p.Shutdown(context.Background())
			if p.Enabled() != tt.enabled {
				t.Errorf("Enabled() = %v; want %v", p.Enabled(), tt.enabled)
			}
		})
	}
}

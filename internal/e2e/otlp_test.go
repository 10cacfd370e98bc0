package e2e

import (
	"compress/gzip"
	"context"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
)

// span is one exported span, flattened for assertions.
type span struct {
	TraceID, SpanID, Parent string
	Name                    string
	Kind                    tracepb.Span_SpanKind
	Attrs                   map[string]any
	Error                   bool
	Service                 string
	StartNano, EndNano      uint64
}

// record is one exported log record, flattened for assertions.
type record struct {
	TraceID, SpanID string
	Body            string
	Attrs           map[string]any
}

// collector is an OTLP receiver: what lamina's exporters send over
// OTLP/HTTP (protobuf) or OTLP/gRPC arrives here.
type collector struct {
	coltracepb.UnimplementedTraceServiceServer
	endpoint string
	logs     logService

	mu      sync.Mutex // guards spans and records
	spans   []span
	records []record
}

// logService is the collector's OTLP/gRPC logs service.
type logService struct {
	collogspb.UnimplementedLogsServiceServer
	c *collector
}

func (s *logService) Export(_ context.Context, req *collogspb.ExportLogsServiceRequest) (*collogspb.ExportLogsServiceResponse, error) {
	s.c.addLogs(req)
	return &collogspb.ExportLogsServiceResponse{}, nil
}

func (c *collector) addLogs(req *collogspb.ExportLogsServiceRequest) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rl := range req.ResourceLogs {
		for _, sl := range rl.ScopeLogs {
			for _, lr := range sl.LogRecords {
				c.records = append(c.records, record{
					TraceID: hex.EncodeToString(lr.TraceId), SpanID: hex.EncodeToString(lr.SpanId),
					Body: lr.Body.GetStringValue(), Attrs: attrs(lr.Attributes),
				})
			}
		}
	}
}

// logsOf returns the log records of one invocation.
func (c *collector) logsOf(requestID string) []record {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []record
	for _, r := range c.records {
		if r.Attrs["faas.invocation_id"] == requestID {
			out = append(out, r)
		}
	}
	return out
}

func (c *collector) add(req *coltracepb.ExportTraceServiceRequest) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range req.ResourceSpans {
		service := ""
		for _, kv := range rs.GetResource().GetAttributes() {
			if kv.Key == "service.name" {
				service = kv.Value.GetStringValue()
			}
		}
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				c.spans = append(c.spans, span{
					TraceID: hex.EncodeToString(s.TraceId), SpanID: hex.EncodeToString(s.SpanId),
					Parent: hex.EncodeToString(s.ParentSpanId), Name: s.Name, Kind: s.Kind,
					Attrs: attrs(s.Attributes), Error: s.GetStatus().GetCode() == tracepb.Status_STATUS_CODE_ERROR,
					Service: service, StartNano: s.StartTimeUnixNano, EndNano: s.EndTimeUnixNano,
				})
			}
		}
	}
}

func attrs(kvs []*commonpb.KeyValue) map[string]any {
	m := map[string]any{}
	for _, kv := range kvs {
		switch v := kv.Value.Value.(type) {
		case *commonpb.AnyValue_StringValue:
			m[kv.Key] = v.StringValue
		case *commonpb.AnyValue_BoolValue:
			m[kv.Key] = v.BoolValue
		case *commonpb.AnyValue_IntValue:
			m[kv.Key] = v.IntValue
		}
	}
	return m
}

// Export is the OTLP/gRPC trace service.
func (c *collector) Export(_ context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	c.add(req)
	return &coltracepb.ExportTraceServiceResponse{}, nil
}

// ServeHTTP is the OTLP/HTTP endpoint: POST /v1/traces and /v1/logs.
func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || (r.URL.Path != "/v1/traces" && r.URL.Path != "/v1/logs") {
		http.NotFound(w, r)
		return
	}
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	data, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	// The same request and response messages as the gRPC services.
	logsReq, tracesReq := &collogspb.ExportLogsServiceRequest{}, &coltracepb.ExportTraceServiceRequest{}
	var req, resp proto.Message = tracesReq, &coltracepb.ExportTraceServiceResponse{}
	if r.URL.Path == "/v1/logs" {
		req, resp = logsReq, &collogspb.ExportLogsServiceResponse{}
	}
	if err := proto.Unmarshal(data, req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c.add(tracesReq)
	c.addLogs(logsReq)
	out, _ := proto.Marshal(resp)
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.Write(out)
}

// startCollector listens on a free port for protocol "grpc" or
// "http/protobuf".
func startCollector(t *testing.T, protocol string) *collector {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &collector{endpoint: "http://" + ln.Addr().String()}
	c.logs.c = c
	if protocol == "grpc" {
		srv := grpc.NewServer()
		coltracepb.RegisterTraceServiceServer(srv, c)
		collogspb.RegisterLogsServiceServer(srv, &c.logs)
		go srv.Serve(ln)
		t.Cleanup(srv.Stop)
		return c
	}
	srv := &http.Server{Handler: c}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return c
}

// trace returns the spans of one trace.
func (c *collector) trace(traceID string) []span {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []span
	for _, s := range c.spans {
		if s.TraceID == traceID {
			out = append(out, s)
		}
	}
	return out
}

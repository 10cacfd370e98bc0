// Package logexport ships every function log line lamina keeps to a log
// system as OpenTelemetry log records over OTLP (HTTP or gRPC), configured
// by the standard OTEL_* variables and off unless an exporter is set. Any
// OTLP receiver takes them: an OpenTelemetry Collector, Grafana Alloy or
// Loki 3, VictoriaLogs.
//
// Shipping never blocks a function or an invocation: Ship hands the line
// to the exporter's own goroutine, which turns it into a record off the
// invocation path; records then wait in the SDK's bounded batch queue
// (OTEL_BLRP_MAX_QUEUE_SIZE, 2,048 by default). When the receiver cannot
// keep up, lines are dropped (and counted) rather than held without
// bound; lamina's own copy of the log is unaffected.
package logexport

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/lamina-dev/lamina/internal/logs"
	"github.com/lamina-dev/lamina/internal/otelenv"
)

// Exporter turns log lines into OTLP log records.
type Exporter struct {
	provider *sdklog.LoggerProvider
	logger   otellog.Logger
	desc     string
	done     chan struct{} // closed when it has emitted the last line
	dropped  atomic.Int64  // lines that found the queue full or closed

	mu     sync.RWMutex   // guards lines being closed
	lines  chan logs.Line // to the emitting goroutine
	closed bool
}

// queued bounds the lines waiting for the emitting goroutine.
const queued = 4096

// New configures the exporter from the environment: OTEL_LOGS_EXPORTER,
// OTEL_EXPORTER_OTLP_[LOGS_]ENDPOINT, _PROTOCOL, _HEADERS, _TIMEOUT,
// OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES and OTEL_BLRP_*. Without an
// exporter configured it returns nil, which ships nothing.
func New(ctx context.Context) (*Exporter, error) {
	protocol, err := otelenv.Exporter("logs")
	if protocol == "" || err != nil {
		return nil, err
	}
	var exp sdklog.Exporter
	if protocol == otelenv.GRPC {
		exp, err = otlploggrpc.New(ctx)
	} else {
		exp, err = otlploghttp.New(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("create otlp log exporter: %w", err)
	}
	res, err := otelenv.Resource(ctx)
	if err != nil {
		return nil, err
	}
	p := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewBatchProcessor(exp)), sdklog.WithResource(res))
	e := &Exporter{
		provider: p, logger: p.Logger("github.com/lamina-dev/lamina/function-logs"), desc: "otlp " + protocol,
		lines: make(chan logs.Line, queued), done: make(chan struct{}),
	}
	go e.loop()
	return e, nil
}

// Ship queues one line for export. It does not block: a line that finds
// the queue full is dropped and counted.
func (e *Exporter) Ship(l logs.Line) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.closed {
		e.dropped.Add(1)
		return
	}
	select {
	case e.lines <- l:
	default:
		e.dropped.Add(1)
	}
}

// Dropped is how many lines were not shipped because the queue was full.
func (e *Exporter) Dropped() int64 {
	if e == nil {
		return 0
	}
	return e.dropped.Load()
}

func (e *Exporter) loop() {
	defer close(e.done)
	for l := range e.lines {
		e.emit(l)
	}
}

// emit makes l a log record: its text as the body, its time, the
// function and request it belongs to as faas.name and faas.invocation_id,
// and the invocation's run span as its trace context when traced.
func (e *Exporter) emit(l logs.Line) {
	var r otellog.Record
	r.SetTimestamp(l.Time)
	r.SetBody(attribute.StringValue(l.Text))
	r.AddAttributes(semconv.FaaSName(l.Function))
	if l.RequestID != "" {
		r.AddAttributes(semconv.FaaSInvocationID(l.RequestID))
	}
	ctx := context.Background()
	if l.TraceID != "" {
		// The SDK links a record to the span in the context it is emitted with.
		tid, _ := trace.TraceIDFromHex(l.TraceID)
		sid, _ := trace.SpanIDFromHex(l.SpanID)
		ctx = trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}))
	}
	e.logger.Emit(ctx, r)
}

// String says where logs go ("off" for a nil exporter).
func (e *Exporter) String() string {
	if e == nil {
		return "off"
	}
	return e.desc
}

// Shutdown exports the lines still queued and stops the exporter; lines
// shipped after it are dropped.
func (e *Exporter) Shutdown(ctx context.Context) error {
	if e == nil {
		return nil
	}
	e.mu.Lock()
	if !e.closed {
		e.closed = true
		close(e.lines)
	}
	e.mu.Unlock()
	select {
	case <-e.done:
	case <-ctx.Done():
	}
	return e.provider.Shutdown(ctx)
}

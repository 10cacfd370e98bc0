// Package logexport ships every function log line lamina keeps to a log
// system as OpenTelemetry log records over OTLP (HTTP or gRPC), configured
// by the standard OTEL_* variables and off unless an exporter is set. Any
// OTLP receiver takes them: an OpenTelemetry Collector, Grafana Alloy or
// Loki 3, VictoriaLogs.
//
// Shipping never blocks a function or an invocation: Ship hands the line
// to the exporter's own goroutine, which turns it into a record off the
// invocation path and exports records in batches (OTEL_BLRP_SCHEDULE_DELAY
// and OTEL_BLRP_MAX_EXPORT_BATCH_SIZE). When the receiver cannot keep up
// or is gone, lines are dropped and counted (Dropped) rather than held
// without bound; lamina's own copy of the log is unaffected.
package logexport

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

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
	batch    *batcher      // used only by the exporter's goroutine
	done     chan struct{} // closed when it has emitted the last line
	dropped  atomic.Int64  // lines not shipped: queue full or closed, export failed

	mu     sync.RWMutex   // guards lines being closed
	lines  chan logs.Line // to the emitting goroutine
	closed bool
}

// queued bounds the lines waiting for the emitting goroutine.
const queued = 4096

// New configures the exporter from the environment: OTEL_LOGS_EXPORTER,
// OTEL_EXPORTER_OTLP_[LOGS_]ENDPOINT, _PROTOCOL, _HEADERS, _TIMEOUT,
// OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES and OTEL_BLRP_SCHEDULE_DELAY
// and _MAX_EXPORT_BATCH_SIZE. Without an exporter configured it returns
// nil, which ships nothing. Failed exports are logged to log.
func New(ctx context.Context, log *slog.Logger) (*Exporter, error) {
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
	e := &Exporter{desc: "otlp " + protocol, lines: make(chan logs.Line, queued), done: make(chan struct{})}
	e.batch = &batcher{exp: exp, max: batchSize(), dropped: &e.dropped, log: log}
	e.provider = sdklog.NewLoggerProvider(sdklog.WithProcessor(e.batch), sdklog.WithResource(res))
	e.logger = e.provider.Logger("github.com/lamina-dev/lamina/function-logs")
	go e.loop(batchDelay())
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

// Dropped is how many lines were not shipped: the queue was full or
// closed, or their export failed.
func (e *Exporter) Dropped() int64 {
	if e == nil {
		return 0
	}
	return e.dropped.Load()
}

// loop emits queued lines and exports a partial batch every delay. It
// ends once Shutdown closed the queue and the last line is emitted; the
// provider's shutdown exports what is left.
func (e *Exporter) loop(delay time.Duration) {
	defer close(e.done)
	tick := time.NewTicker(delay)
	defer tick.Stop()
	for {
		select {
		case l, ok := <-e.lines:
			if !ok {
				return
			}
			e.emit(l)
		case <-tick.C:
			e.batch.flush(context.Background())
		}
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
		return ctx.Err() // the loop still uses the processor
	}
	return e.provider.Shutdown(ctx)
}

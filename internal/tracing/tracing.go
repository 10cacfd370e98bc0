// Package tracing sets up OpenTelemetry tracing from the standard OTEL_*
// environment variables and carries trace context through lamina: W3C
// traceparent and Lambda's X-Ray header (X-Amzn-Trace-Id) from callers, and
// the X-Ray header to functions, so that a function calling another one
// through lamina keeps one trace.
//
// Tracing is off unless an OTLP exporter is configured. A nil or disabled
// *Provider is valid: it still continues incoming trace ids to functions,
// but records nothing.
package tracing

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/lamina-dev/lamina/internal/otelenv"
)

// Provider starts lamina's spans and exports them.
type Provider struct {
	tp     *sdktrace.TracerProvider
	tracer trace.Tracer
	desc   string // where spans go, for the startup log
}

// incoming reads trace context from callers. Later extractors win, so a
// W3C traceparent takes precedence over an X-Ray header.
var incoming = propagation.NewCompositeTextMapPropagator(XRay{}, propagation.TraceContext{})

// New configures tracing from the environment, as every OpenTelemetry SDK
// does: OTEL_SDK_DISABLED, OTEL_TRACES_EXPORTER (otlp or none),
// OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT, _PROTOCOL (http/protobuf or grpc),
// _HEADERS, _TIMEOUT, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
// OTEL_TRACES_SAMPLER[_ARG] and OTEL_BSP_*. With no exporter configured it
// returns a disabled provider.
func New(ctx context.Context) (*Provider, error) {
	p := &Provider{}
	protocol, err := otelenv.Exporter("traces")
	if protocol == "" || err != nil {
		return p, err
	}
	var exp sdktrace.SpanExporter
	if protocol == otelenv.GRPC {
		exp, err = otlptracegrpc.New(ctx)
	} else {
		exp, err = otlptracehttp.New(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("create otlp trace exporter: %w", err)
	}
	res, err := otelenv.Resource(ctx)
	if err != nil {
		return nil, err
	}
	p.tp = sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	p.tracer = p.tp.Tracer("github.com/lamina-dev/lamina")
	p.desc = "otlp " + protocol
	return p, nil
}

// Enabled reports whether spans are recorded and exported.
func (p *Provider) Enabled() bool { return p != nil && p.tp != nil }

// String says where spans go ("off" when disabled).
func (p *Provider) String() string {
	if !p.Enabled() {
		return "off"
	}
	return p.desc
}

// Shutdown exports the spans still buffered and stops the exporter.
func (p *Provider) Shutdown(ctx context.Context) error {
	if !p.Enabled() {
		return nil
	}
	return p.tp.Shutdown(ctx)
}

// Start starts a span as a child of the span in ctx. Disabled, it returns
// ctx and the span already in it, which records nothing.
func (p *Provider) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	if !p.Enabled() {
		return ctx, trace.SpanFromContext(ctx)
	}
	return p.tracer.Start(ctx, name, opts...)
}

// Span records a span that already happened, from start to end, as a child
// of the span in ctx, and returns it for attributes; the caller ends it
// with trace.WithTimestamp(end).
func (p *Provider) Span(ctx context.Context, name string, start time.Time, attrs ...attribute.KeyValue) trace.Span {
	_, span := p.Start(ctx, name, trace.WithTimestamp(start), trace.WithAttributes(attrs...))
	return span
}

// StartServer continues the trace of an incoming request, if it carries
// one, and starts the server span of the invocation it asks for, named
// after the function as the FaaS conventions ask.
func (p *Provider) StartServer(r *http.Request, function string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	ctx := incoming.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
	return p.Start(ctx, function, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...))
}

package invoke

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/lamina-dev/lamina/internal/awserr"
	"github.com/lamina-dev/lamina/internal/catalog"
)

// An invocation's trace: the front end (Invoke API, function URL, route,
// or the async queue here) starts the server span named after the
// function; the service adds the FaaS attributes to it and records its
// children: "queue" (admission to having an environment), "init" (the
// environment this invocation started) and "run" (the function's work).
// The function gets the run span's context as its X-Ray trace header, so
// an invocation it makes through lamina becomes the run span's child.

// traceInvocation adds what is known before the run to the server span.
func (s *Service) traceInvocation(span trace.Span, fn *catalog.Function, requestID string) {
	span.SetAttributes(
		semconv.FaaSInvocationID(requestID),
		semconv.FaaSName(fn.Name),
		semconv.FaaSVersion(fn.VersionName()),
		semconv.CloudResourceID(catalog.ARN(s.cfg.Region, s.cfg.AccountID, fn.Name, fn.VersionName())),
	)
}

// traceOutcome marks the server span with how the invocation ended.
func traceOutcome(span trace.Span, resp *Response, err error) {
	var ae *awserr.Error
	switch {
	case errors.As(err, &ae):
		typ := ae.Type
		if ae.Reason != "" {
			typ = ae.Reason
		}
		span.SetAttributes(semconv.ErrorTypeKey.String(typ))
		span.SetStatus(codes.Error, ae.Message)
	case err != nil:
		span.SetStatus(codes.Error, err.Error())
	case resp != nil && resp.FunctionError != "":
		typ := resp.errorType
		if typ == "" {
			typ = errorTypeOf(resp.Payload)
		}
		span.SetAttributes(semconv.ErrorTypeKey.String(typ))
		span.SetStatus(codes.Error, typ)
	}
}

// traceWait records the queue span, and the init span when this
// invocation started its environment.
func (s *Service) traceWait(ctx context.Context, admitted, acquired time.Time, initStart time.Time, initTime time.Duration, err error) {
	q := s.cfg.Tracing.Span(ctx, "queue", admitted)
	if err != nil {
		q.SetStatus(codes.Error, err.Error())
	}
	q.End(trace.WithTimestamp(acquired))
	if initTime > 0 {
		in := s.cfg.Tracing.Span(ctx, "init", initStart, semconv.FaaSColdstart(true))
		var ie *initError
		if errors.As(err, &ie) {
			in.SetStatus(codes.Error, ie.fe.Type)
		}
		in.End(trace.WithTimestamp(initStart.Add(initTime)))
	}
}

// traceRun starts the run span.
func (s *Service) traceRun(ctx context.Context, start time.Time, cold bool) trace.Span {
	_, span := s.cfg.Tracing.Start(ctx, "run", trace.WithTimestamp(start),
		trace.WithAttributes(semconv.FaaSColdstart(cold)))
	return span
}

// endRun ends the run span with the function's outcome.
func endRun(span trace.Span, resp *Response, end time.Time) {
	if resp.errorType != "" {
		span.SetAttributes(semconv.ErrorTypeKey.String(resp.errorType))
		span.SetStatus(codes.Error, resp.errorType)
	}
	span.SetAttributes(attribute.Int("lamina.response.size", len(resp.Payload)))
	span.End(trace.WithTimestamp(end))
}

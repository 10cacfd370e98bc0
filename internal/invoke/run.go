package invoke

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/lamina-dev/lamina/internal/awserr"
	"github.com/lamina-dev/lamina/internal/catalog"
	"github.com/lamina-dev/lamina/internal/pool"
	"github.com/lamina-dev/lamina/internal/runtimeapi"
	"github.com/lamina-dev/lamina/internal/tracing"
)

// Invoke handles one Invoke API call.
func (s *Service) Invoke(ctx context.Context, req Request) (resp *Response, err error) {
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		defer func() { traceOutcome(span, resp, err) }()
	}
	fn, err := s.resolve(req)
	if err != nil {
		return nil, err
	}
	switch req.Type {
	case TypeDryRun:
		return &Response{Status: http.StatusNoContent, RequestID: uuid.NewString(), ExecutedVersion: fn.VersionName()}, nil
	case TypeEvent:
		return s.enqueue(ctx, fn, req)
	}
	if len(req.Payload) > MaxSyncPayload {
		return nil, awserr.TooLarge("Request must be smaller than %d bytes for the InvokeFunction operation", MaxSyncPayload)
	}
	if err := checkPayload(req.Payload); err != nil {
		return nil, err
	}
	id := req.RequestID
	if id == "" {
		id = uuid.NewString()
	}
	return s.run(ctx, fn, req, id)
}

// resolve finds the version an invocation runs. An alias with routing
// sends each invocation to its additional version with that version's
// weight as probability.
func (s *Service) resolve(req Request) (*catalog.Function, error) {
	fn, alias, ok := s.catalog.Resolve(req.Function, req.Qualifier)
	if !ok {
		return nil, awserr.NotFound("Function not found: %s", catalog.ARN(s.cfg.Region, s.cfg.AccountID, req.Function, req.Qualifier))
	}
	if alias != nil {
		for v, w := range alias.Weights {
			if rand.Float64() < w {
				if other, ok := s.catalog.Version(req.Function, v); ok {
					return &other, nil
				}
			}
		}
	}
	return &fn, nil
}

func checkPayload(p []byte) error {
	if len(p) > 0 && !json.Valid(p) {
		return awserr.InvalidContent("Could not parse request body into json: Could not parse payload into json: Unexpected character: was expecting a valid JSON value")
	}
	return nil
}

// run executes one synchronous invocation with the given request id.
func (s *Service) run(ctx context.Context, fn *catalog.Function, req Request, requestID string) (*Response, error) {
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		s.traceInvocation(span, fn, requestID)
	}
	if r := fn.ReservedConcurrency; r != nil {
		// Reserved concurrency caps the function across its versions.
		n := s.inflight(fn.Name)
		if n.Add(1) > int64(*r) {
			n.Add(-1)
			return nil, s.throttle(fn, awserr.ReasonReservedConcurrentLimit)
		}
		defer n.Add(-1)
	} else {
		limit := int64(s.cfg.AccountConcurrency) - s.reserved.Load()
		if s.unreserved.Add(1) > limit {
			s.unreserved.Add(-1)
			return nil, s.throttle(fn, awserr.ReasonConcurrentLimit)
		}
		defer s.unreserved.Add(-1)
	}
	p := s.poolFor(fn)
	fn = p.fn.Load()
	payload := req.Payload
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	inv := &runtimeapi.Invocation{
		RequestID:     requestID,
		Payload:       payload,
		ContentType:   "application/json",
		FunctionARN:   catalog.ARN(s.cfg.Region, s.cfg.AccountID, fn.Name, req.Qualifier),
		TraceID:       tracing.FunctionHeader(ctx, req.TraceID),
		ClientContext: req.ClientContext,
	}
	if req.Stream != nil {
		inv.Stream = func(ct string) io.Writer {
			if ct == "" {
				ct = "application/json"
			}
			return req.Stream(StreamStart{RequestID: requestID, ExecutedVersion: fn.VersionName(), ContentType: ct})
		}
	}
	// An environment that died before taking the event is replaced once.
	for attempt := 0; ; attempt++ {
		resp, err := s.runOnce(ctx, p, fn, inv, req.LogTail)
		if errors.Is(err, runtimeapi.ErrNotDelivered) && attempt == 0 {
			continue
		}
		return resp, err
	}
}

func (s *Service) runOnce(ctx context.Context, p *fnPool, fn *catalog.Function, inv *runtimeapi.Invocation, tail bool) (*Response, error) {
	admitted := time.Now()
	e, cold, err := p.pool.Acquire(ctx)
	acquired := time.Now()
	traced := trace.SpanFromContext(ctx).IsRecording()
	if traced {
		var initStart time.Time
		var initTime time.Duration
		var ie *initError
		switch {
		case errors.As(err, &ie):
			initStart, initTime = admitted, ie.initTime
		case err == nil && cold:
			initStart, initTime = e.started, e.initTime
		}
		s.traceWait(ctx, admitted, acquired, initStart, initTime, err)
	}
	if err != nil {
		return s.acquireFailed(ctx, fn, inv, tail, err)
	}
	queued := acquired.Sub(admitted)
	done := p.m.Begin()
	defer done()
	start := time.Now()
	var runSpan trace.Span
	if traced {
		trace.SpanFromContext(ctx).SetAttributes(semconv.FaaSColdstart(cold))
		runSpan = s.traceRun(ctx, start, cold)
		inv.TraceID = tracing.FormatXRay(runSpan.SpanContext())
		s.traced.Store(inv.RequestID, runSpan.SpanContext())
		defer s.traced.Delete(inv.RequestID)
	}
	s.logStart(fn, inv.RequestID)
	timeout := time.Duration(fn.Timeout) * time.Second
	inv.Deadline = start.Add(timeout)
	rctx, cancel := context.WithDeadline(ctx, inv.Deadline)
	out, err := e.Invoke(rctx, inv)
	timedOut := err != nil && errors.Is(rctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
	cancel()
	end := time.Now()
	elapsed := end.Sub(start)
	e.Finish()

	resp := &Response{Status: http.StatusOK, RequestID: inv.RequestID, ExecutedVersion: fn.VersionName()}
	reusable := true
	switch {
	case errors.Is(err, runtimeapi.ErrNotDelivered):
		p.pool.Release(e, false)
		if runSpan != nil {
			runSpan.SetStatus(codes.Error, "environment died before taking the event")
			runSpan.End(trace.WithTimestamp(end))
		}
		return nil, err
	case timedOut:
		reusable = false
		secs := fmt.Sprintf("%.2f", timeout.Seconds())
		s.logTimeout(fn, inv.RequestID, secs)
		setFunctionError(resp, &runtimeapi.FunctionError{Type: "Sandbox.Timedout", Message: fmt.Sprintf("RequestId: %s Error: Task timed out after %s seconds", inv.RequestID, secs)})
	case err != nil:
		reusable = false
		var fe *runtimeapi.FunctionError
		if !errors.As(err, &fe) {
			// The caller went away: end the environment, there is no one to answer.
			p.pool.Release(e, false)
			if runSpan != nil {
				runSpan.SetStatus(codes.Error, err.Error())
				runSpan.End(trace.WithTimestamp(end))
			}
			return nil, err
		}
		setFunctionError(resp, fe)
	case out.Err != nil:
		setFunctionError(resp, out.Err)
	default:
		resp.Payload = out.Payload
		resp.ContentType = out.ContentType
	}
	resp.Streamed = out.Streamed
	if resp.FunctionError != "" {
		resp.errorType = errorTypeOf(resp.Payload)
	}
	if runSpan != nil {
		endRun(runSpan, resp, end)
	}
	var initTime time.Duration
	if cold {
		initTime = e.initTime
	}
	status := statusSuccess
	switch {
	case timedOut:
		status = statusTimeout
	case resp.FunctionError != "":
		status = statusError
	}
	s.logEnd(fn, inv.RequestID, status, elapsed, initTime, e.MaxMemoryUsedMB(), len(resp.Payload))
	p.m.Invoked(queued, elapsed, cold, initTime, fn.MemorySize, len(resp.Payload), resp.errorType)
	resp.Timing = Timing{Wait: queued, Init: initTime, Run: elapsed}
	p.pool.Release(e, reusable)
	if tail {
		resp.LogResult = base64.StdEncoding.EncodeToString(s.logs.Tail(fn.Name, inv.RequestID, tailBytes))
	}
	return resp, nil
}

// acquireFailed answers an invocation that got no environment: an init
// failure is the function's error, as in Lambda; the limits are 429s.
func (s *Service) acquireFailed(ctx context.Context, fn *catalog.Function, inv *runtimeapi.Invocation, tail bool, err error) (*Response, error) {
	var ie *initError
	switch {
	case errors.As(err, &ie):
		s.logStart(fn, inv.RequestID)
		s.logInitError(fn, inv.RequestID, ie.fe.Type, ie.fe.Message, ie.initTime)
		s.logEnd(fn, inv.RequestID, statusError, 0, ie.initTime, 0, 0)
		s.poolFor(fn).m.Invoked(0, 0, true, ie.initTime, fn.MemorySize, 0, ie.fe.Type)
		resp := &Response{Status: http.StatusOK, RequestID: inv.RequestID, ExecutedVersion: fn.VersionName()}
		setFunctionError(resp, ie.fe)
		if tail {
			resp.LogResult = base64.StdEncoding.EncodeToString(s.logs.Tail(fn.Name, inv.RequestID, tailBytes))
		}
		return resp, nil
	case errors.Is(err, errNodeFull):
		return nil, s.throttle(fn, awserr.ReasonConcurrentLimit)
	case errors.Is(err, pool.ErrRate) && fn.ReservedConcurrency != nil:
		return nil, s.throttle(fn, awserr.ReasonReservedRateLimit)
	case errors.Is(err, pool.ErrRate):
		return nil, s.throttle(fn, awserr.ReasonRateLimit)
	case errors.Is(err, pool.ErrLimit) && fn.ReservedConcurrency != nil:
		return nil, s.throttle(fn, awserr.ReasonReservedConcurrentLimit)
	case errors.Is(err, pool.ErrLimit), ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded):
		return nil, s.throttle(fn, awserr.ReasonConcurrentLimit)
	case errors.Is(err, pool.ErrClosed):
		// The function changed or went away while we waited.
		current, ok := s.catalog.Version(fn.Name, fn.Version)
		if !ok {
			return nil, awserr.NotFound("Function not found: %s", catalog.ARN(s.cfg.Region, s.cfg.AccountID, fn.Name, fn.Version))
		}
		p := s.poolFor(&current)
		return s.runOnce(ctx, p, p.fn.Load(), inv, tail)
	}
	return nil, err
}

// throttle counts a 429 and returns it.
func (s *Service) throttle(fn *catalog.Function, reason string) error {
	s.metrics.Throttled(fn.Name, fn.VersionName(), reason)
	return awserr.TooManyRequests(reason, "Rate Exceeded.")
}

// errorTypeOf reads errorType from a function error body.
func errorTypeOf(body []byte) string {
	var fe struct {
		Type string `json:"errorType"`
	}
	if json.Unmarshal(body, &fe) != nil || fe.Type == "" {
		return "Runtime.Unknown"
	}
	return fe.Type
}

func setFunctionError(resp *Response, fe *runtimeapi.FunctionError) {
	resp.FunctionError = "Unhandled"
	resp.Payload = fe.JSON()
	resp.ContentType = "application/json"
}

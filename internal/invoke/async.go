package invoke

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/lamina-dev/lamina/internal/awserr"
	"github.com/lamina-dev/lamina/internal/catalog"
	"github.com/lamina-dev/lamina/internal/telemetry"
)

// Lambda's retry policy for events: two retries after a function error,
// and events older than six hours are dropped.
const (
	maxEventRetries = 2
	maxEventAge     = 6 * time.Hour
	maxThrottleWait = 5 * time.Minute
)

// event is one queued asynchronous invocation.
type event struct {
	requestID string
	function  string
	req       Request
	enqueued  time.Time
	attempts  int               // function errors so far
	backoff   time.Duration     // current wait after throttles
	parent    trace.SpanContext // the span that accepted it, if traced
}

// asyncQueue holds Event invocations in memory and runs them with Lambda's
// retries. Durable queues replace it in a later stage.
type asyncQueue struct {
	svc   *Service
	cfg   Config
	queue chan *event
	// held counts the payload bytes of accepted events not yet finished,
	// queued or waiting to retry; it is bounded by Config.AsyncQueueBytes.
	held atomic.Int64

	mu     sync.Mutex // guards timers
	timers map[*time.Timer]struct{}

	metrics *telemetry.Async
}

func newAsyncQueue(s *Service, cfg Config) *asyncQueue {
	return &asyncQueue{svc: s, cfg: cfg, queue: make(chan *event, cfg.AsyncQueue), timers: map[*time.Timer]struct{}{}}
}

// enqueue accepts an Event invocation.
func (s *Service) enqueue(ctx context.Context, fn *catalog.Function, req Request) (*Response, error) {
	if len(req.Payload) > MaxAsyncPayload {
		return nil, awserr.TooLarge("Request must be smaller than %d bytes for the InvokeAsync operation", MaxAsyncPayload)
	}
	if err := checkPayload(req.Payload); err != nil {
		return nil, err
	}
	ev := &event{requestID: uuid.NewString(), function: fn.Name, req: req, enqueued: time.Now()}
	ev.req.LogTail = false
	ev.parent = trace.SpanContextFromContext(ctx)
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.SetAttributes(semconv.FaaSInvocationID(ev.requestID))
	}
	size := int64(len(req.Payload))
	if s.async.held.Add(size) > s.cfg.AsyncQueueBytes {
		s.async.held.Add(-size)
		return nil, awserr.TooManyRequests(awserr.ReasonConcurrentLimit, "The asynchronous event queue is full.")
	}
	select {
	case s.async.queue <- ev:
	default:
		s.async.held.Add(-size)
		return nil, awserr.TooManyRequests(awserr.ReasonConcurrentLimit, "The asynchronous event queue is full.")
	}
	return &Response{Status: http.StatusAccepted, RequestID: ev.requestID, ExecutedVersion: fn.VersionName()}, nil
}

func (q *asyncQueue) start(ctx context.Context, wg *sync.WaitGroup) {
	for range q.cfg.AsyncWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case ev := <-q.queue:
					q.process(ctx, ev)
				}
			}
		}()
	}
}

// process runs one attempt of ev and either finishes it or schedules the
// next attempt.
func (q *asyncQueue) process(ctx context.Context, ev *event) {
	if !q.attempt(ctx, ev) {
		q.held.Add(-int64(len(ev.req.Payload)))
	}
}

// attempt runs ev once and reports whether it was scheduled again.
func (q *asyncQueue) attempt(ctx context.Context, ev *event) bool {
	log := q.svc.log.With("function", ev.function, "requestId", ev.requestID)
	if time.Since(ev.enqueued) > maxEventAge {
		log.Warn("dropping event: maximum event age exceeded", "attempts", ev.attempts)
		return false
	}
	q.metrics.EventAge(time.Since(ev.enqueued))
	// An alias is resolved at each attempt, as Lambda does.
	fn, err := q.svc.resolve(ev.req)
	if err != nil {
		log.Warn("dropping event: function, version or alias was deleted")
		return false
	}
	// Each attempt is a span of the trace that accepted the event.
	actx, span := q.svc.cfg.Tracing.Start(trace.ContextWithSpanContext(ctx, ev.parent), fn.Name,
		trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(semconv.FaaSTriggerOther, attribute.Int("lamina.async.attempt", ev.attempts+1)))
	resp, err := q.svc.run(actx, fn, ev.req, ev.requestID)
	if span.IsRecording() {
		traceOutcome(span, resp, err)
		span.End()
	}
	switch {
	case ctx.Err() != nil:
		return false
	case err != nil:
		// Throttles and platform errors wait and retry, with back-off.
		ev.backoff = min(max(2*ev.backoff, time.Second), maxThrottleWait)
		q.later(ev, ev.backoff)
		return true
	case resp.FunctionError != "":
		ev.attempts++
		if ev.attempts > maxEventRetries {
			log.Warn("dropping event: retries exhausted", "attempts", ev.attempts, "error", string(resp.Payload))
			return false
		}
		q.later(ev, q.cfg.AsyncRetryDelay*time.Duration(ev.attempts))
		return true
	}
	return false
}

// later requeues ev after d.
func (q *asyncQueue) later(ev *event, d time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		q.mu.Lock()
		_, live := q.timers[t]
		delete(q.timers, t)
		q.mu.Unlock()
		if !live {
			return
		}
		select {
		case q.queue <- ev:
		default:
			q.later(ev, time.Second)
		}
	})
	q.timers[t] = struct{}{}
}

// stopTimers cancels pending retries; their events are lost with the
// in-memory queue, which is why durable queues come next.
func (q *asyncQueue) stopTimers() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for t := range q.timers {
		t.Stop()
	}
	clear(q.timers)
}

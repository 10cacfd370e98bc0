package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/lamina-dev/lamina/internal/awserr"
	"github.com/lamina-dev/lamina/internal/invoke"
)

// maxClientContext is Lambda's bound on X-Amz-Client-Context, in bytes of
// its base64 form.
const maxClientContext = 3583

// timingHeader reports where an invocation's time went, in microseconds:
// waiting for an environment (init included), its init, the run, and
// lamina's own share of the request. `lamina invoke --trace` prints it.
const timingHeader = "X-Lamina-Timing"

// traceHeader names the trace an invocation was recorded in, when tracing
// is on, so a caller can look it up in its tracing backend.
const traceHeader = "X-Lamina-Trace-Id"

func (h *Handler) invoke(w http.ResponseWriter, r *http.Request) error {
	begin := time.Now()
	req, err := h.invokeRequest(w, r)
	if err != nil {
		return err
	}
	ctx, span := h.startInvoke(r, req)
	defer span.End()
	resp, err := h.invoker.Invoke(ctx, req)
	if err != nil {
		if r.Context().Err() != nil {
			return nil // the caller is gone
		}
		return err
	}
	hd := w.Header()
	hd["X-Amzn-Requestid"] = []string{resp.RequestID}
	hd["X-Amz-Executed-Version"] = []string{resp.ExecutedVersion}
	if resp.FunctionError != "" {
		hd["X-Amz-Function-Error"] = []string{resp.FunctionError}
	}
	if resp.LogResult != "" {
		hd["X-Amz-Log-Result"] = []string{resp.LogResult}
	}
	if sc := span.SpanContext(); span.IsRecording() {
		hd[traceHeader] = []string{sc.TraceID().String()}
	}
	if t := resp.Timing; t.Run > 0 {
		platform := time.Since(begin) - t.Wait - t.Run
		hd[timingHeader] = []string{fmt.Sprintf("wait=%d,init=%d,run=%d,platform=%d",
			t.Wait.Microseconds(), t.Init.Microseconds(), t.Run.Microseconds(), platform.Microseconds())}
	}
	if resp.Status == http.StatusOK {
		ct := resp.ContentType
		if ct == "" {
			ct = "application/json"
		}
		hd["Content-Type"] = []string{ct}
		hd["Content-Length"] = []string{strconv.Itoa(len(resp.Payload))}
	}
	w.WriteHeader(resp.Status)
	w.Write(resp.Payload)
	return nil
}

func (h *Handler) invokeRequest(w http.ResponseWriter, r *http.Request) (invoke.Request, error) {
	name, q, err := parseName(r.PathValue("name"))
	if err != nil {
		return invoke.Request{}, err
	}
	if q, err = qualifierOf(q, r.URL.Query().Get("Qualifier")); err != nil {
		return invoke.Request{}, err
	}
	req := invoke.Request{
		Function:    name,
		Qualifier:   q,
		Type:        r.Header.Get("X-Amz-Invocation-Type"),
		ContentType: r.Header.Get("Content-Type"),
		TraceID:     r.Header.Get("X-Amzn-Trace-Id"),
	}
	switch req.Type {
	case "":
		req.Type = invoke.TypeRequestResponse
	case invoke.TypeRequestResponse, invoke.TypeEvent, invoke.TypeDryRun:
	default:
		return req, awserr.InvalidParameter("1 validation error detected: Value '%s' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]", req.Type)
	}
	switch lt := r.Header.Get("X-Amz-Log-Type"); lt {
	case "", "None":
	case "Tail":
		req.LogTail = req.Type == invoke.TypeRequestResponse
	default:
		return req, awserr.InvalidParameter("1 validation error detected: Value '%s' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None, Tail]", lt)
	}
	if cc := r.Header.Get("X-Amz-Client-Context"); cc != "" {
		if len(cc) > maxClientContext {
			return req, awserr.InvalidParameter("Client context must be at most %d bytes", maxClientContext)
		}
		raw, err := base64.StdEncoding.DecodeString(cc)
		if err != nil || !json.Valid(raw) {
			return req, awserr.InvalidParameter("Client context must be a valid Base64-encoded JSON object.")
		}
		req.ClientContext = string(raw)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, invoke.MaxSyncPayload))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return req, awserr.TooLarge("Request must be smaller than %d bytes for the InvokeFunction operation", invoke.MaxSyncPayload)
	}
	if err != nil {
		return req, awserr.InvalidContent("read request body: %v", err)
	}
	req.Payload = body
	return req, nil
}

// startInvoke starts the invocation's server span, continuing the
// caller's trace (traceparent, or X-Amzn-Trace-Id as the AWS SDKs send it
// from inside a function).
func (h *Handler) startInvoke(r *http.Request, req invoke.Request) (context.Context, trace.Span) {
	return h.cfg.Tracing.StartServer(r, req.Function, semconv.FaaSTriggerOther,
		attribute.String("lamina.invocation_type", req.Type))
}

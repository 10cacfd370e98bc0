package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/lamina-dev/lamina/internal/awserr"
	"github.com/lamina-dev/lamina/internal/catalog"
	"github.com/lamina-dev/lamina/internal/invoke"
	"github.com/lamina-dev/lamina/internal/tracing"
)

// Invoker runs invocations.
type Invoker interface {
	Invoke(ctx context.Context, req invoke.Request) (*invoke.Response, error)
}

// URLs finds function URL configs.
type URLs interface {
	URLByID(id string) (catalog.URLConfig, bool)
}

// Handler serves function URLs.
type Handler struct {
	urls    URLs
	invoker Invoker
	tracing *tracing.Provider
	log     *slog.Logger
	now     func() time.Time
}

// New returns a handler; tr may be nil.
func New(urls URLs, invoker Invoker, tr *tracing.Provider, log *slog.Logger) *Handler {
	return &Handler{urls: urls, invoker: invoker, tracing: tr, log: log, now: time.Now}
}

// PathPrefix is where function URLs are served on lamina's listener.
const PathPrefix = "/lambda-url/"

// Target reports whether r is for a function URL, and which: either its
// Host is <url-id>.lambda-url.<anything> (the function then sees the whole
// path), or its path is /lambda-url/<url-id>/<path> (it sees /<path>).
func Target(r *http.Request) (id, rawPath string, ok bool) {
	if label, rest, found := strings.Cut(r.Host, "."); found && strings.HasPrefix(rest, "lambda-url.") {
		return label, r.URL.EscapedPath(), true
	}
	p := r.URL.EscapedPath()
	if !strings.HasPrefix(p, PathPrefix) {
		return "", "", false
	}
	id, rest, _ := strings.Cut(p[len(PathPrefix):], "/")
	if id == "" {
		return "", "", false
	}
	return id, "/" + rest, true
}

// MaxRequestBytes is the largest event a function URL passes on, as for
// synchronous invokes.
const MaxRequestBytes = invoke.MaxSyncPayload

// ServeURL answers a request for the function URL id.
func (h *Handler) ServeURL(w http.ResponseWriter, r *http.Request, id, rawPath string) {
	u, ok := h.urls.URLByID(id)
	if !ok {
		message(w, http.StatusForbidden, "Forbidden")
		return
	}
	if u.AuthType != catalog.AuthNone {
		// Request signing is not implemented: refuse rather than let
		// unauthenticated callers through.
		message(w, http.StatusForbidden, "Forbidden")
		return
	}
	if u.Cors != nil && isPreflight(r) {
		preflight(w, r, u.Cors)
		return
	}
	h.forward(w, r, rawPath, target{
		function: u.Function, qualifier: u.Qualifier, apiID: u.ID, routeKey: "$default", cors: u.Cors,
		stream: u.InvokeMode == catalog.InvokeStream, fail: urlErrors,
	})
}

// target is what a request runs, and how its failures are answered.
type target struct {
	function, qualifier string
	apiID               string
	routeKey            string
	pathParameters      map[string]string
	cors                *catalog.Cors
	stream              bool
	fail                func(w http.ResponseWriter, f failure)
}

// failure is a request the function could not answer.
type failure int

const (
	failTooLarge failure = iota
	failThrottled
	failGone
	failFunction
	failTimeout
	failPlatform
)

// urlErrors answers failures as Lambda function URLs do.
func urlErrors(w http.ResponseWriter, f failure) {
	switch f {
	case failTooLarge:
		message(w, http.StatusRequestEntityTooLarge, "Request must be smaller than 6291456 bytes for the InvokeFunction operation")
	case failThrottled:
		message(w, http.StatusTooManyRequests, "Rate Exceeded.")
	case failGone:
		message(w, http.StatusForbidden, "Forbidden")
	case failFunction:
		message(w, http.StatusBadGateway, "Internal Server Error")
	case failTimeout:
		message(w, http.StatusGatewayTimeout, "Endpoint request timed out")
	default:
		message(w, http.StatusInternalServerError, "Internal Server Error")
	}
}

// forward turns r into an event for t, invokes the function and writes
// its answer.
func (h *Handler) forward(w http.ResponseWriter, r *http.Request, rawPath string, t target) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxRequestBytes+1))
	if err != nil {
		t.fail(w, failPlatform)
		return
	}
	if len(body) > MaxRequestBytes {
		t.fail(w, failTooLarge)
		return
	}
	now := h.now()
	requestID := uuid.NewString()
	attrs := []attribute.KeyValue{semconv.FaaSTriggerHTTP, semconv.HTTPRequestMethodKey.String(r.Method), semconv.URLPath(rawPath)}
	if t.routeKey != "" {
		attrs = append(attrs, semconv.HTTPRoute(t.routeKey))
	}
	ctx, span := h.tracing.StartServer(r, t.function, attrs...)
	if span.IsRecording() {
		sw := &statusWriter{ResponseWriter: w}
		w = sw
		defer func() { endHTTPSpan(span, sw.code) }()
	}
	r = r.WithContext(ctx)
	trace := tracing.FunctionHeader(ctx, r.Header.Get(tracing.XRayHeader))
	ev := newEvent(r, body, rawPath, t.apiID, requestID, trace, now)
	ev.RouteKey, ev.RequestContext.RouteKey = t.routeKey, t.routeKey
	ev.PathParameters = t.pathParameters
	payload, _ := json.Marshal(ev)
	if len(payload) > MaxRequestBytes {
		t.fail(w, failTooLarge)
		return
	}
	w.Header().Set("X-Amzn-Requestid", requestID)
	w.Header().Set("X-Amzn-Trace-Id", trace)
	var cors func(http.Header)
	if t.cors != nil {
		cors = func(hd http.Header) { addCORS(hd, r, t.cors) }
		cors(w.Header())
	}
	req := invoke.Request{
		Function: t.function, Qualifier: t.qualifier, Type: invoke.TypeRequestResponse,
		Payload: payload, ContentType: "application/json", TraceID: trace, RequestID: requestID,
	}
	if t.stream {
		h.stream(w, r, req, t, cors)
		return
	}
	resp, err := h.invoker.Invoke(r.Context(), req)
	if err != nil {
		h.invokeFailed(w, r, t, err)
		return
	}
	if resp.FunctionError != "" {
		t.fail(w, functionFailure(resp.Payload))
		return
	}
	res, out, err := decodeResult(resp.Payload)
	if err != nil {
		t.fail(w, failFunction)
		return
	}
	writeResult(w, res, out, cors)
}

// functionFailure classes a function error: a timeout, or any other.
func functionFailure(payload []byte) failure {
	var fe struct {
		Type string `json:"errorType"`
	}
	json.Unmarshal(payload, &fe)
	if fe.Type == "Sandbox.Timedout" {
		return failTimeout
	}
	return failFunction
}

func (h *Handler) invokeFailed(w http.ResponseWriter, r *http.Request, t target, err error) {
	var ae *awserr.Error
	switch {
	case r.Context().Err() != nil:
		return // the caller is gone
	case errors.As(err, &ae) && ae.Status == http.StatusTooManyRequests:
		t.fail(w, failThrottled)
	case errors.As(err, &ae) && ae.Status == http.StatusNotFound:
		t.fail(w, failGone)
	default:
		h.log.Error("gateway invoke failed", "function", t.function, "err", err)
		t.fail(w, failPlatform)
	}
}

// message writes Lambda's error body for function URLs.
func message(w http.ResponseWriter, status int, msg string) {
	body, _ := json.Marshal(map[string]string{"Message": msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

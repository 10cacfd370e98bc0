package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/lamina-dev/lamina/internal/awserr"
	"github.com/lamina-dev/lamina/internal/catalog"
	"github.com/lamina-dev/lamina/internal/invoke"
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
	log     *slog.Logger
	now     func() time.Time
}

// New returns a handler.
func New(urls URLs, invoker Invoker, log *slog.Logger) *Handler {
	return &Handler{urls: urls, invoker: invoker, log: log, now: time.Now}
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
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxRequestBytes+1))
	if err != nil {
		message(w, http.StatusBadRequest, "Could not read the request body")
		return
	}
	if len(body) > MaxRequestBytes {
		message(w, http.StatusRequestEntityTooLarge, "Request must be smaller than 6291456 bytes for the InvokeFunction operation")
		return
	}
	now := h.now()
	requestID := uuid.NewString()
	trace := traceHeader(r, now, rand.Uint64)
	payload, _ := json.Marshal(newEvent(r, body, rawPath, u.ID, requestID, trace, now))
	if len(payload) > MaxRequestBytes {
		message(w, http.StatusRequestEntityTooLarge, "Request must be smaller than 6291456 bytes for the InvokeFunction operation")
		return
	}
	resp, err := h.invoker.Invoke(r.Context(), invoke.Request{
		Function: u.Function, Qualifier: u.Qualifier, Type: invoke.TypeRequestResponse,
		Payload: payload, ContentType: "application/json", TraceID: trace, RequestID: requestID,
	})
	w.Header().Set("X-Amzn-Requestid", requestID)
	w.Header().Set("X-Amzn-Trace-Id", trace)
	if err != nil {
		h.invokeFailed(w, r, err)
		return
	}
	var cors func(http.Header)
	if u.Cors != nil {
		cors = func(h http.Header) { addCORS(h, r, u.Cors) }
		cors(w.Header())
	}
	if resp.FunctionError != "" {
		functionFailed(w, resp.Payload)
		return
	}
	res, out, err := decodeResult(resp.Payload)
	if err != nil {
		message(w, http.StatusBadGateway, "Internal Server Error")
		return
	}
	writeResult(w, res, out, cors)
}

// functionFailed answers a function error: 504 for a timeout, else 502.
func functionFailed(w http.ResponseWriter, payload []byte) {
	var fe struct {
		Type string `json:"errorType"`
	}
	json.Unmarshal(payload, &fe)
	if fe.Type == "Sandbox.Timedout" {
		message(w, http.StatusGatewayTimeout, "Endpoint request timed out")
		return
	}
	message(w, http.StatusBadGateway, "Internal Server Error")
}

func (h *Handler) invokeFailed(w http.ResponseWriter, r *http.Request, err error) {
	var ae *awserr.Error
	switch {
	case r.Context().Err() != nil:
		return // the caller is gone
	case errors.As(err, &ae) && ae.Status == http.StatusTooManyRequests:
		message(w, http.StatusTooManyRequests, "Rate Exceeded.")
	case errors.As(err, &ae) && ae.Status == http.StatusNotFound:
		message(w, http.StatusForbidden, "Forbidden")
	default:
		h.log.Error("function url invoke failed", "err", err)
		message(w, http.StatusInternalServerError, "Internal Server Error")
	}
}

// message writes Lambda's error body for function URLs.
func message(w http.ResponseWriter, status int, msg string) {
	body, _ := json.Marshal(map[string]string{"Message": msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

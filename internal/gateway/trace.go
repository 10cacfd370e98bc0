package gateway

import (
	"net/http"

	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// statusWriter remembers the status code written, for the server span.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController flush the streamed responses.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// endHTTPSpan ends a function URL's or route's server span with the status
// it answered; 5xx are errors of the server span, 4xx are the client's.
func endHTTPSpan(span trace.Span, code int) {
	if code != 0 {
		span.SetAttributes(semconv.HTTPResponseStatusCode(code))
	}
	if code >= 500 {
		span.SetStatus(codes.Error, http.StatusText(code))
	}
	span.End()
}

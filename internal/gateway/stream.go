package gateway

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/lamina-dev/lamina/internal/invoke"
)

// httpIntegration is the content type of a streamed HTTP response: a JSON
// prelude (status, headers, cookies), eight NUL bytes, then the body.
const httpIntegration = "application/vnd.awslambda.http-integration-response"

// maxPrelude bounds the prelude of a streamed HTTP response.
const maxPrelude = 1 << 20

var preludeEnd = make([]byte, 8)

// streamWriter turns a function's streamed response into an HTTP response,
// flushing every write so the client sees bytes while the function runs.
type streamWriter struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	cors    func(http.Header)
	integr  bool         // the body starts with a prelude
	prelude bytes.Buffer // prelude bytes so far
	started bool         // status and headers are written
	failed  bool         // the prelude was invalid
	gone    bool         // the client went away; the rest is discarded
}

func (s *streamWriter) Write(p []byte) (int, error) {
	n := len(p)
	if s.failed || s.gone {
		// Keep taking the function's bytes, so it finishes normally.
		return n, nil
	}
	if s.integr && !s.started {
		s.prelude.Write(p)
		i := bytes.Index(s.prelude.Bytes(), preludeEnd)
		if i < 0 {
			if s.prelude.Len() > maxPrelude {
				s.failed = true
			}
			return n, nil
		}
		var res result
		if err := json.Unmarshal(s.prelude.Bytes()[:i], &res); err != nil || res.StatusCode < 100 || res.StatusCode > 599 {
			s.failed = true
			return n, nil
		}
		rest := s.prelude.Bytes()[i+len(preludeEnd):]
		s.start(&res)
		p = rest
	} else if !s.started {
		s.start(&result{StatusCode: http.StatusOK})
	}
	if len(p) > 0 {
		if _, err := s.w.Write(p); err != nil {
			s.gone = true
			return n, nil
		}
	}
	if s.rc.Flush() != nil {
		s.gone = true
	}
	return n, nil
}

func (s *streamWriter) start(res *result) {
	h := s.w.Header()
	for k, v := range res.Headers {
		if !hopHeaders[strings.ToLower(k)] {
			h.Set(k, v)
		}
	}
	for _, c := range res.Cookies {
		h.Add("Set-Cookie", c)
	}
	if s.cors != nil {
		s.cors(h)
	}
	s.started = true
	s.w.WriteHeader(res.StatusCode)
}

// stream invokes with a streamed response and relays it.
func (h *Handler) stream(w http.ResponseWriter, r *http.Request, req invoke.Request, t target, cors func(http.Header)) {
	sw := &streamWriter{w: w, rc: http.NewResponseController(w), cors: cors}
	req.Stream = func(st invoke.StreamStart) io.Writer {
		sw.integr = st.ContentType == httpIntegration
		if !sw.integr {
			w.Header().Set("Content-Type", st.ContentType)
		}
		return sw
	}
	resp, err := h.invoker.Invoke(r.Context(), req)
	switch {
	case sw.started && (err != nil || resp.FunctionError != ""):
		// Too late for an error status: cut the response short, so the
		// client sees it end abnormally rather than complete.
		panic(http.ErrAbortHandler)
	case sw.started:
		return
	case err != nil:
		h.invokeFailed(w, r, t, err)
	case resp.FunctionError != "":
		t.fail(w, functionFailure(resp.Payload))
	case sw.failed || sw.integr:
		t.fail(w, failFunction) // a prelude without its end, or invalid
	case !resp.Streamed:
		t.fail(w, failPlatform)
	default:
		// An empty streamed body.
		if cors != nil {
			cors(w.Header())
		}
		w.Header().Set("Content-Length", strconv.Itoa(0))
		w.WriteHeader(http.StatusOK)
	}
}

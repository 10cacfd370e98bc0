package runtimeapi

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

const (
	pathNext      = "/2018-06-01/runtime/invocation/next"
	pathInvPrefix = "/2018-06-01/runtime/invocation/"
	pathInitError = "/2018-06-01/runtime/init/error"
	pathRegister  = "/2020-01-01/extension/register"
	pathEventNext = "/2020-01-01/extension/event/next"
)

// serve answers one request read from c. It reports parked when the
// request was a GET /next that now waits for an invocation: c then
// belongs to the held list and the caller must stop reading it.
func (s *Server) serve(c *conn, req *http.Request) (parked bool) {
	path := req.URL.Path
	method := req.Method
	switch {
	case path == pathNext:
		if method != http.MethodGet {
			break
		}
		return s.next(c)
	case strings.HasPrefix(path, pathInvPrefix):
		id, action, ok := strings.Cut(path[len(pathInvPrefix):], "/")
		if !ok || method != http.MethodPost || strings.Contains(action, "/") {
			break
		}
		switch action {
		case "response":
			s.response(c, req, id)
			return false
		case "error":
			s.invocationError(c, req, id)
			return false
		}
	case path == pathInitError && method == http.MethodPost:
		s.initError(c, req)
		return false
	case path == pathRegister && method == http.MethodPost:
		s.registerExtension(c, req)
		return false
	case path == pathEventNext && method == http.MethodGet:
		s.nextEvent(c, req)
		return false
	}
	writeError(c, http.StatusNotFound, "NotFound", "no such endpoint: "+method+" "+path)
	return false
}

func (s *Server) next(c *conn) bool {
	s.mu.Lock()
	busy := s.current != nil
	s.mu.Unlock()
	if busy {
		writeError(c, http.StatusForbidden, "InvalidStateTransition", "the current invocation has not been answered")
		return false
	}
	select {
	case <-s.closed:
		writeError(c, http.StatusInternalServerError, "Runtime.Closed", "the environment is shutting down")
		return false
	default:
	}
	s.park(c)
	return true
}

// end checks that id is the invocation in flight and ends it, writing the
// Runtime API error itself when it is not.
func (s *Server) end(c *conn, id string) *Invocation {
	s.mu.Lock()
	inv := s.current
	ok := inv != nil && inv.RequestID == id
	stale := !ok && id != "" && id == s.lastDone
	if ok {
		s.current = nil
		s.lastDone = id
	}
	s.mu.Unlock()
	switch {
	case stale:
		writeError(c, http.StatusForbidden, "InvalidStateTransition", "invocation "+id+" was already answered")
	case !ok:
		writeError(c, http.StatusBadRequest, "InvalidRequestID", "unknown or stale request id "+id)
	}
	if !ok {
		return nil
	}
	return inv
}

func (s *Server) response(c *conn, req *http.Request, id string) {
	if mode := req.Header.Get(hResponseMode); mode != "" && mode != "streaming" {
		writeError(c, http.StatusBadRequest, "InvalidFunctionResponseMode", "unknown response mode "+strconv.Quote(mode))
		return
	}
	var stream func(string) io.Writer
	s.mu.Lock()
	if cur := s.current; cur != nil && cur.RequestID == id {
		stream = cur.Stream
	}
	s.mu.Unlock()
	if stream != nil {
		s.streamResponse(c, req, id, stream)
		return
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, MaxResponseBytes+responseSlack+1))
	inv := s.end(c, id)
	if inv == nil {
		return
	}
	var out Outcome
	switch {
	case err != nil:
		out.Err = &FunctionError{Type: "Runtime.TruncatedResponse", Message: "the runtime's response was cut off: " + err.Error()}
		writeError(c, http.StatusBadRequest, "Runtime.TruncatedResponse", err.Error())
	case len(body) > MaxResponseBytes+responseSlack:
		out.Err = &FunctionError{
			Type:    "Function.ResponseSizeTooLarge",
			Message: fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", MaxResponseBytes+responseSlack),
		}
		writeError(c, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "response over the 6 MB limit")
	case req.Trailer.Get(hErrorType) != "":
		out.Err = trailerError(req.Trailer)
		writeAccepted(c)
	default:
		out = Outcome{Payload: body, ContentType: req.Header.Get("Content-Type")}
		writeAccepted(c)
	}
	s.deliver(c, inv, out)
}

// streamResponse copies the runtime's response to the invocation's
// stream as it arrives: each chunk the runtime sends is written on at once.
func (s *Server) streamResponse(c *conn, req *http.Request, id string, stream func(string) io.Writer) {
	w := stream(req.Header.Get("Content-Type"))
	n, err := io.CopyBuffer(w, io.LimitReader(req.Body, MaxStreamBytes+1), make([]byte, 32<<10))
	inv := s.end(c, id)
	if inv == nil {
		return
	}
	out := Outcome{Streamed: true, ContentType: req.Header.Get("Content-Type")}
	switch {
	case err != nil:
		out.Err = &FunctionError{Type: "Runtime.TruncatedResponse", Message: "the runtime's response was cut off: " + err.Error()}
		writeError(c, http.StatusBadRequest, "Runtime.TruncatedResponse", err.Error())
	case n > MaxStreamBytes:
		out.Err = &FunctionError{
			Type:    "Function.ResponseSizeTooLarge",
			Message: fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", MaxStreamBytes),
		}
		writeError(c, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "streamed response over the 200 MB limit")
	case req.Trailer.Get(hErrorType) != "":
		out.Err = trailerError(req.Trailer)
		writeAccepted(c)
	default:
		writeAccepted(c)
	}
	s.deliver(c, inv, out)
}

// trailerError reads a mid-stream error reported in trailers, as
// aws-lambda-go does when reading its response fails.
func trailerError(t http.Header) *FunctionError {
	fe := &FunctionError{Type: t.Get(hErrorType)}
	if raw, err := base64.StdEncoding.DecodeString(t.Get(hErrorBody)); err == nil && json.Valid(raw) {
		fe.Body = raw
	}
	return fe
}

func (s *Server) invocationError(c *conn, req *http.Request, id string) {
	fe := readFunctionError(req)
	inv := s.end(c, id)
	if inv == nil {
		return
	}
	writeAccepted(c)
	s.deliver(c, inv, Outcome{Err: fe})
}

func (s *Server) initError(c *conn, req *http.Request) {
	fe := readFunctionError(req)
	select {
	case <-s.ready:
		writeError(c, http.StatusForbidden, "InvalidStateTransition", "init/error is only allowed during init")
		return
	default:
	}
	s.mu.Lock()
	s.initErr = fe
	s.mu.Unlock()
	writeAccepted(c)
}

// readFunctionError builds the error from the body when it is error JSON,
// else from the Lambda-Runtime-Function-Error-Type header. The stack trace
// is passed through unchecked: runtimes disagree on its shape.
func readFunctionError(r *http.Request) *FunctionError {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxErrorBytes))
	fe := &FunctionError{Type: r.Header.Get(hErrorType)}
	var parsed struct {
		Type    string `json:"errorType"`
		Message string `json:"errorMessage"`
	}
	if json.Unmarshal(body, &parsed) == nil && (parsed.Type != "" || parsed.Message != "") {
		fe.Body = body
		fe.Message = parsed.Message
		if parsed.Type != "" {
			fe.Type = parsed.Type
		}
	} else if len(body) > 0 {
		fe.Message = string(body)
	}
	if fe.Type == "" {
		fe.Type = "Runtime.Unknown"
	}
	return fe
}

var accepted = []byte(`{"status":"OK"}`)

func writeAccepted(c *conn) { c.reply(http.StatusAccepted, "application/json", accepted) }

func writeError(c *conn, status int, typ, msg string) {
	body, _ := json.Marshal(map[string]string{"errorType": typ, "errorMessage": msg})
	c.reply(status, "application/json", body)
}

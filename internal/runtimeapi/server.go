package runtimeapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync"
)

// Config names the function an environment runs, for the Extensions API.
type Config struct {
	FunctionName    string
	FunctionVersion string
	Handler         string
}

// Server is the Runtime API endpoint of one execution environment.
type Server struct {
	cfg         Config
	ln          net.Listener
	srv         *http.Server
	invocations chan *Invocation
	ready       chan struct{}
	readyOnce   sync.Once
	closed      chan struct{}
	closeOnce   sync.Once
	served      chan struct{}

	mu       sync.Mutex // guards the fields below
	current  *Invocation
	lastDone string
	initErr  *FunctionError
	exts     map[string]*extension
}

// New returns a server for one environment; Start makes it listen.
func New(cfg Config) *Server {
	return &Server{
		cfg:         cfg,
		invocations: make(chan *Invocation),
		ready:       make(chan struct{}),
		closed:      make(chan struct{}),
		served:      make(chan struct{}),
		exts:        map[string]*extension{},
	}
}

// Start listens on a free loopback port and serves until Close.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen runtime api: %w", err)
	}
	s.ln = ln
	// No read timeouts: the only client is the environment's own runtime,
	// which long-polls by design, and per-request deadlines cost timer
	// work on every invocation.
	s.srv = &http.Server{Handler: s.routes()}
	go func() {
		defer close(s.served)
		s.srv.Serve(ln)
	}()
	return nil
}

// Addr is the value for AWS_LAMBDA_RUNTIME_API.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Ready is closed when the runtime first asks for an invocation, which ends
// its initialisation.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// InitError returns the error the runtime posted to /runtime/init/error.
func (s *Server) InitError() *FunctionError {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.initErr
}

// HasExtensions reports whether any extension registered, in which case
// the runtime is owed SIGTERM before SIGKILL.
func (s *Server) HasExtensions() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.exts) > 0
}

// Abort makes every pending and future call fail: the process behind the
// environment is gone.
func (s *Server) Abort() {
	s.closeOnce.Do(func() { close(s.closed) })
}

// Close aborts and stops serving.
func (s *Server) Close() error {
	s.Abort()
	if s.srv == nil {
		return nil
	}
	err := s.srv.Close()
	<-s.served
	return err
}

// Run hands inv to the runtime and waits for its outcome. It returns
// ErrNotDelivered when the runtime never took the invocation, ErrClosed
// when the environment died while running it, and ctx's error when ctx
// ends first (the caller then treats it as a timeout).
func (s *Server) Run(ctx context.Context, inv *Invocation) (Outcome, error) {
	inv.done = make(chan Outcome, 1)
	select {
	case s.invocations <- inv:
	case <-s.closed:
		return Outcome{}, ErrNotDelivered
	case <-ctx.Done():
		return Outcome{}, ctx.Err()
	}
	s.notifyInvoke(inv)
	select {
	case out := <-inv.done:
		return out, nil
	case <-ctx.Done():
		return Outcome{}, ctx.Err()
	case <-s.closed:
		select {
		case out := <-inv.done:
			return out, nil
		default:
			return Outcome{}, ErrClosed
		}
	}
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", s.next)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", s.response)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", s.invocationError)
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", s.initError)
	mux.HandleFunc("POST /2020-01-01/extension/register", s.registerExtension)
	mux.HandleFunc("GET /2020-01-01/extension/event/next", s.nextEvent)
	return mux
}

func (s *Server) next(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	busy := s.current != nil
	s.mu.Unlock()
	if busy {
		writeError(w, http.StatusForbidden, "InvalidStateTransition", "the current invocation has not been answered")
		return
	}
	s.readyOnce.Do(func() { close(s.ready) })
	var inv *Invocation
	select {
	case inv = <-s.invocations:
	case <-s.closed:
		writeError(w, http.StatusInternalServerError, "Runtime.Closed", "the environment is shutting down")
		return
	case <-r.Context().Done():
		return
	}
	s.mu.Lock()
	s.current = inv
	s.mu.Unlock()
	h := w.Header()
	h["Lambda-Runtime-Aws-Request-Id"] = []string{inv.RequestID}
	h["Lambda-Runtime-Deadline-Ms"] = []string{strconv.FormatInt(inv.Deadline.UnixMilli(), 10)}
	h["Lambda-Runtime-Invoked-Function-Arn"] = []string{inv.FunctionARN}
	setIf(h, hTraceID, inv.TraceID)
	setIf(h, hClientContext, inv.ClientContext)
	setIf(h, hCognitoIdentity, inv.CognitoIdentity)
	ct := inv.ContentType
	if ct == "" {
		ct = "application/json"
	}
	h["Content-Type"] = []string{ct}
	h["Content-Length"] = []string{strconv.Itoa(len(inv.Payload))}
	w.WriteHeader(http.StatusOK)
	w.Write(inv.Payload)
}

func setIf(h http.Header, k, v string) {
	if v != "" {
		h[k] = []string{v}
	}
}

// take checks that id is the invocation in flight and ends it, writing the
// Runtime API error itself when it is not.
func (s *Server) take(w http.ResponseWriter, id string) *Invocation {
	s.mu.Lock()
	defer s.mu.Unlock()
	inv := s.current
	if inv == nil || inv.RequestID != id {
		if id != "" && id == s.lastDone {
			writeError(w, http.StatusForbidden, "InvalidStateTransition", "invocation "+id+" was already answered")
		} else {
			writeError(w, http.StatusBadRequest, "InvalidRequestID", "unknown or stale request id "+id)
		}
		return nil
	}
	s.current = nil
	s.lastDone = id
	return inv
}

func (s *Server) response(w http.ResponseWriter, r *http.Request) {
	if mode := r.Header.Get(hResponseMode); mode != "" && mode != "streaming" {
		writeError(w, http.StatusBadRequest, "InvalidFunctionResponseMode", "unknown response mode "+strconv.Quote(mode))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxResponseBytes+responseSlack+1))
	inv := s.take(w, r.PathValue("id"))
	if inv == nil {
		return
	}
	switch {
	case err != nil:
		inv.done <- Outcome{Err: &FunctionError{Type: "Runtime.TruncatedResponse", Message: "the runtime's response was cut off: " + err.Error()}}
		writeError(w, http.StatusBadRequest, "Runtime.TruncatedResponse", err.Error())
	case len(body) > MaxResponseBytes+responseSlack:
		inv.done <- Outcome{Err: &FunctionError{
			Type:    "Function.ResponseSizeTooLarge",
			Message: fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", MaxResponseBytes+responseSlack),
		}}
		writeError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "response over the 6 MB limit")
	case r.Trailer.Get(hErrorType) != "":
		inv.done <- Outcome{Err: trailerError(r.Trailer)}
		writeAccepted(w)
	default:
		inv.done <- Outcome{Payload: body, ContentType: r.Header.Get("Content-Type")}
		// Let the invocation answer its caller before this handler writes
		// the runtime's 202: the caller is the one waiting.
		runtime.Gosched()
		writeAccepted(w)
	}
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

func (s *Server) invocationError(w http.ResponseWriter, r *http.Request) {
	fe := readFunctionError(r)
	inv := s.take(w, r.PathValue("id"))
	if inv == nil {
		return
	}
	inv.done <- Outcome{Err: fe}
	writeAccepted(w)
}

func (s *Server) initError(w http.ResponseWriter, r *http.Request) {
	fe := readFunctionError(r)
	select {
	case <-s.ready:
		writeError(w, http.StatusForbidden, "InvalidStateTransition", "init/error is only allowed during init")
		return
	default:
	}
	s.mu.Lock()
	s.initErr = fe
	s.mu.Unlock()
	writeAccepted(w)
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

func writeAccepted(w http.ResponseWriter) {
	w.Header()["Content-Type"] = []string{"application/json"}
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, `{"status":"OK"}`)
}

func writeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"errorType": typ, "errorMessage": msg})
}

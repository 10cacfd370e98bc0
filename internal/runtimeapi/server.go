package runtimeapi

import (
	"errors"
	"fmt"
	"net"
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
	cfg       Config
	ln        net.Listener
	ready     chan struct{}
	readyOnce sync.Once
	closed    chan struct{}
	closeOnce sync.Once
	parked    chan struct{} // a token whenever a connection joins held
	wg        sync.WaitGroup

	mu       sync.Mutex // guards the fields below
	held     []*conn    // connections no goroutine reads: waiting in GET /next
	reading  *conn      // the connection Run is reading, to interrupt
	conns    map[*conn]struct{}
	current  *Invocation
	lastDone string
	initErr  *FunctionError
	exts     map[string]*extension
}

// New returns a server for one environment; Start makes it listen.
func New(cfg Config) *Server {
	return &Server{
		cfg:    cfg,
		ready:  make(chan struct{}),
		closed: make(chan struct{}),
		parked: make(chan struct{}, 1),
		conns:  map[*conn]struct{}{},
		exts:   map[string]*extension{},
	}
}

// Start listens on a free loopback port and serves until Close.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen runtime api: %w", err)
	}
	s.ln = ln
	s.wg.Add(1)
	go s.accept()
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
	s.closeOnce.Do(func() {
		close(s.closed)
		s.mu.Lock()
		if s.reading != nil {
			s.reading.interrupt()
		}
		s.mu.Unlock()
	})
}

// Close aborts, closes every connection and waits for the server's
// goroutines.
func (s *Server) Close() error {
	s.Abort()
	if s.ln == nil {
		return nil
	}
	err := s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		c := newConn(nc)
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go s.serveConn(c)
	}
}

// serveConn reads requests from c until one parks it (a GET /next waiting
// for an invocation: c then belongs to held) or the connection ends.
func (s *Server) serveConn(c *conn) {
	defer s.wg.Done()
	for {
		req, err := c.read()
		if err != nil {
			s.drop(c)
			return
		}
		if s.serve(c, req) {
			return
		}
		if !c.finish(req) {
			s.drop(c)
			return
		}
	}
}

// resume hands c back to a reader of its own once Run is done with it.
func (s *Server) resume(c *conn) {
	s.wg.Add(1)
	go s.serveConn(c)
}

func (s *Server) drop(c *conn) {
	c.close()
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// park makes c, which holds an unanswered GET /next, available to Run.
func (s *Server) park(c *conn) {
	s.readyOnce.Do(func() { close(s.ready) })
	s.mu.Lock()
	s.held = append(s.held, c)
	s.mu.Unlock()
	select {
	case s.parked <- struct{}{}:
	default:
	}
}

package runtimeapi

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// Run hands inv to the runtime and waits for its outcome. It returns
// ErrNotDelivered when the runtime never took the invocation, ErrClosed
// when the environment died while running it, and ctx's error when ctx
// ends first (the caller then treats it as a timeout).
//
// Run does the connection work itself rather than through the server's
// goroutines: it answers the runtime's waiting GET /next and reads the
// runtime's reply from the same connection, so a warm invocation costs no
// goroutine hand-offs inside the platform.
func (s *Server) Run(ctx context.Context, inv *Invocation) (Outcome, error) {
	inv.done = make(chan Outcome, 1)
	for {
		c, err := s.take(ctx)
		if err != nil {
			return Outcome{}, err
		}
		out, err, retry := s.converse(ctx, c, inv)
		if !retry {
			return out, err
		}
	}
}

// take waits for a connection with an unanswered GET /next.
func (s *Server) take(ctx context.Context) (*conn, error) {
	for {
		s.mu.Lock()
		if n := len(s.held); n > 0 {
			c := s.held[n-1]
			s.held = s.held[:n-1]
			s.mu.Unlock()
			return c, nil
		}
		s.mu.Unlock()
		select {
		case <-s.parked:
		case <-s.closed:
			return nil, ErrNotDelivered
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// converse delivers inv on c and reads what the runtime sends back until
// inv has an outcome. retry reports that c failed before inv was
// delivered, so another connection may take it.
func (s *Server) converse(ctx context.Context, c *conn, inv *Invocation) (out Outcome, err error, retry bool) {
	select {
	case <-s.closed:
		s.drop(c)
		return Outcome{}, ErrNotDelivered, false
	default:
	}
	s.mu.Lock()
	s.current = inv
	s.reading = c
	s.mu.Unlock()
	stopped := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(stopped)
		c.interrupt()
	})
	// release ends the read and leaves c fit for another reader.
	released := false
	release := func() {
		released = true
		if !stop() {
			<-stopped
			c.nc.SetReadDeadline(time.Time{})
		}
		s.mu.Lock()
		s.reading = nil
		s.mu.Unlock()
	}
	defer func() {
		if !released {
			release()
		}
	}()

	s.notifyInvoke(inv)
	if err := c.reply(http.StatusOK, inv.contentType(), inv.Payload, inv.headers()...); err != nil {
		s.mu.Lock()
		s.current = nil
		s.mu.Unlock()
		s.drop(c)
		return Outcome{}, nil, true
	}
	for {
		req, rerr := c.read()
		if rerr != nil {
			s.drop(c)
			return s.await(ctx, inv)
		}
		parked := s.serve(c, req)
		var out Outcome
		answered := false
		select {
		case out = <-inv.done:
			answered = true
			if out.Err != nil && out.Err.Type == "Runtime.TruncatedResponse" && ctx.Err() != nil {
				// The deadline cut the reply short: a timeout.
				s.drop(c)
				return Outcome{Streamed: out.Streamed}, ctx.Err(), false
			}
		default:
		}
		switch {
		case parked:
			// A GET /next after the reply came elsewhere: c waits in held.
			release()
			return s.await(ctx, inv)
		case !c.finish(req):
			s.drop(c)
			if answered {
				return out, nil, false
			}
			return s.await(ctx, inv)
		case answered:
			release()
			s.resume(c)
			return out, nil, false
		}
	}
}

// await waits for an outcome that must now come over another connection.
func (s *Server) await(ctx context.Context, inv *Invocation) (Outcome, error, bool) {
	select {
	case out := <-inv.done:
		return out, nil, false
	case <-ctx.Done():
		return Outcome{}, ctx.Err(), false
	case <-s.closed:
		select {
		case out := <-inv.done:
			return out, nil, false
		default:
			return Outcome{}, ErrClosed, false
		}
	}
}

// deliver ends inv with out. A reply that came over another connection
// than the one Run reads interrupts that read.
func (s *Server) deliver(from *conn, inv *Invocation, out Outcome) {
	inv.done <- out
	s.mu.Lock()
	if s.reading != nil && s.reading != from {
		s.reading.interrupt()
	}
	s.mu.Unlock()
}

func (inv *Invocation) contentType() string {
	if inv.ContentType == "" {
		return "application/json"
	}
	return inv.ContentType
}

// headers are the GET /next response headers; empty values are skipped.
func (inv *Invocation) headers() []string {
	return []string{
		hRequestID, inv.RequestID,
		hDeadline, strconv.FormatInt(inv.Deadline.UnixMilli(), 10),
		hFunctionARN, inv.FunctionARN,
		hTraceID, inv.TraceID,
		hClientContext, inv.ClientContext,
		hCognitoIdentity, inv.CognitoIdentity,
	}
}

// Package logs keeps each function's log lines in memory, bounded per
// function by count, bytes and age, lets readers query and follow them, and
// hands every line to an optional sink that ships it elsewhere (Loki).
package logs

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"
)

// Line is one line of a function's log.
type Line struct {
	Time      time.Time `json:"time"`
	Function  string    `json:"function"`
	RequestID string    `json:"requestId,omitempty"`
	Text      string    `json:"message"`
	// TraceID and SpanID (hex) are the invocation's run span, when traced.
	TraceID string `json:"traceId,omitempty"`
	SpanID  string `json:"spanId,omitempty"`
}

// Options bound a Store and say where else lines go.
type Options struct {
	MaxLines int           // per function; DefaultMaxLines when 0
	MaxBytes int           // of text per function; DefaultMaxBytes when 0
	MaxAge   time.Duration // older lines are dropped; 0 keeps them
	Echo     io.Writer     // when set, every line is also written here
	// Ship, when set, receives every line; it must not block.
	Ship func(Line)
	Now  func() time.Time // time.Now when nil
}

// Store holds recent lines for every function.
type Store struct {
	maxLines int
	maxBytes int
	maxAge   time.Duration
	echo     io.Writer
	ship     func(Line)
	now      func() time.Time

	mu    sync.Mutex // guards funcs
	funcs map[string]*ring

	echoMu sync.Mutex // serialises writes to echo
}

// ring is one function's lines, oldest first from start, and followers.
type ring struct {
	mu    sync.Mutex // guards the fields below
	lines []Line
	start int // lines[:start] are dropped and wait to be compacted away
	bytes int // text bytes of lines[start:]
	subs  map[chan Line]struct{}
}

// Default bounds per function: a function that writes without pause
// cannot exhaust lamina's memory.
const (
	DefaultMaxLines = 10000
	DefaultMaxBytes = 8 << 20
)

// New returns a store keeping, per function, the newest lines within the
// bounds of o, dropping the oldest first.
func New(o Options) *Store {
	s := &Store{maxLines: o.MaxLines, maxBytes: o.MaxBytes, maxAge: o.MaxAge, echo: o.Echo, ship: o.Ship, now: o.Now, funcs: map[string]*ring{}}
	if s.maxLines <= 0 {
		s.maxLines = DefaultMaxLines
	}
	if s.maxBytes <= 0 {
		s.maxBytes = DefaultMaxBytes
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

func (s *Store) ring(fn string) *ring {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.funcs[fn]
	if r == nil {
		r = &ring{subs: map[chan Line]struct{}{}}
		s.funcs[fn] = r
	}
	return r
}

// Append adds a line; text is copied.
func (s *Store) Append(fn, requestID string, text []byte) {
	s.AppendTraced(fn, requestID, "", "", text)
}

// AppendTraced adds a line of a traced invocation: traceID and spanID
// (hex) name the span it belongs to.
func (s *Store) AppendTraced(fn, requestID, traceID, spanID string, text []byte) {
	l := Line{Time: s.now().UTC(), Function: fn, RequestID: requestID, Text: string(text), TraceID: traceID, SpanID: spanID}
	r := s.ring(fn)
	r.mu.Lock()
	s.expireLocked(r, l.Time)
	r.appendLocked(l, s.maxLines, s.maxBytes)
	for ch := range r.subs {
		select {
		case ch <- l:
		default: // a follower that cannot keep up misses lines
		}
	}
	r.mu.Unlock()
	if s.ship != nil {
		s.ship(l)
	}
	if s.echo != nil {
		s.echoMu.Lock()
		fmt.Fprintf(s.echo, "[%s] %s\n", fn, l.Text)
		s.echoMu.Unlock()
	}
}

// Filter selects lines.
type Filter struct {
	Since     time.Time
	RequestID string
}

func (f Filter) match(l Line) bool {
	return !l.Time.Before(f.Since) && (f.RequestID == "" || l.RequestID == f.RequestID)
}

// Query returns the kept lines of fn that match f, oldest first.
func (s *Store) Query(fn string, f Filter) []Line {
	r := s.ring(fn)
	r.mu.Lock()
	defer r.mu.Unlock()
	s.expireLocked(r, s.now())
	return r.collectLocked(f)
}

// expireLocked drops the lines older than the maximum age. Lines expire
// when their function next writes or is read.
func (s *Store) expireLocked(r *ring, now time.Time) {
	if s.maxAge <= 0 {
		return
	}
	cutoff := now.Add(-s.maxAge)
	for r.start < len(r.lines) && r.lines[r.start].Time.Before(cutoff) {
		r.dropFirstLocked()
	}
}

func (r *ring) dropFirstLocked() {
	r.bytes -= len(r.lines[r.start].Text)
	r.lines[r.start] = Line{}
	r.start++
}

func (r *ring) appendLocked(l Line, maxLines, maxBytes int) {
	r.lines = append(r.lines, l)
	r.bytes += len(l.Text)
	for len(r.lines)-r.start > maxLines || (r.bytes > maxBytes && len(r.lines)-r.start > 1) {
		r.dropFirstLocked()
	}
	// Compact once the dropped prefix is half the slice: amortised O(1).
	if r.start > len(r.lines)/2 {
		n := copy(r.lines, r.lines[r.start:])
		clear(r.lines[n:])
		r.lines = r.lines[:n]
		r.start = 0
	}
}

func (r *ring) collectLocked(f Filter) []Line {
	var out []Line
	for _, l := range r.lines[r.start:] {
		if f.match(l) {
			out = append(out, l)
		}
	}
	return out
}

// Follow returns the kept lines matching f and a channel of the lines that
// follow, until ctx ends.
func (s *Store) Follow(ctx context.Context, fn string, f Filter) ([]Line, <-chan Line) {
	r := s.ring(fn)
	ch := make(chan Line, 1024)
	r.mu.Lock()
	s.expireLocked(r, s.now())
	past := r.collectLocked(f)
	r.subs[ch] = struct{}{}
	r.mu.Unlock()
	out := make(chan Line)
	go func() {
		defer close(out)
		defer func() {
			r.mu.Lock()
			delete(r.subs, ch)
			r.mu.Unlock()
		}()
		for {
			select {
			case l := <-ch:
				if !f.match(l) {
					continue
				}
				select {
				case out <- l:
				case <-ctx.Done():
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return past, out
}

// Tail returns the last maxBytes of the log of one request, as Lambda's
// X-Amz-Log-Result carries it.
func (s *Store) Tail(fn, requestID string, maxBytes int) []byte {
	var buf []byte
	for _, l := range s.Query(fn, Filter{RequestID: requestID}) {
		buf = append(buf, l.Text...)
		buf = append(buf, '\n')
	}
	if len(buf) > maxBytes {
		buf = buf[len(buf)-maxBytes:]
	}
	return buf
}

// Drop forgets a deleted function's lines.
func (s *Store) Drop(fn string) {
	s.mu.Lock()
	delete(s.funcs, fn)
	s.mu.Unlock()
}

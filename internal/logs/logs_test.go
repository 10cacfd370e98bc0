package logs

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestRetentionKeepsNewestLines(t *testing.T) {
	s := New(Options{MaxLines: 3})
	for i := range 5 {
		s.Append("fn", "req", []byte(fmt.Sprintf("line %d", i)))
	}
	got := s.Query("fn", Filter{})
	if len(got) != 3 || got[0].Text != "line 2" || got[2].Text != "line 4" {
		t.Errorf("Query = %+v; want lines 2..4", got)
	}
	if other := s.Query("other", Filter{}); len(other) != 0 {
		t.Errorf("another function has %d lines", len(other))
	}
}

func TestFilterAndTail(t *testing.T) {
	s := New(Options{MaxLines: 100})
	s.Append("fn", "a", []byte("first a"))
	s.Append("fn", "b", []byte("only b"))
	s.Append("fn", "a", []byte(strings.Repeat("x", 10)))
	if got := s.Query("fn", Filter{RequestID: "b"}); len(got) != 1 || got[0].Text != "only b" {
		t.Errorf("RequestID filter = %+v", got)
	}
	if got := s.Query("fn", Filter{Since: time.Now().Add(time.Hour)}); len(got) != 0 {
		t.Errorf("Since in the future = %+v", got)
	}
	if got := string(s.Tail("fn", "a", 1000)); got != "first a\nxxxxxxxxxx\n" {
		t.Errorf("Tail = %q", got)
	}
	if got := string(s.Tail("fn", "a", 5)); got != "xxxx\n" {
		t.Errorf("Tail cut to 5 bytes = %q", got)
	}
}

func TestFollowSeesPastAndNewLines(t *testing.T) {
	s := New(Options{MaxLines: 100})
	s.Append("fn", "a", []byte("before"))
	ctx, cancel := context.WithCancel(t.Context())
	past, next := s.Follow(ctx, "fn", Filter{RequestID: "a"})
	if len(past) != 1 || past[0].Text != "before" {
		t.Fatalf("past = %+v", past)
	}
	s.Append("fn", "b", []byte("other request"))
	s.Append("fn", "a", []byte("after"))
	if l := <-next; l.Text != "after" {
		t.Errorf("followed line = %q; want the filtered new line", l.Text)
	}
	cancel()
	for range next { // closes once the follower notices
	}
}

func TestEcho(t *testing.T) {
	var buf bytes.Buffer
	s := New(Options{MaxLines: 10, Echo: &buf})
	s.Append("fn", "a", []byte("hello"))
	if buf.String() != "[fn] hello\n" {
		t.Errorf("echo = %q", buf.String())
	}
	s.Drop("fn")
	if got := s.Query("fn", Filter{}); len(got) != 0 {
		t.Errorf("after Drop: %+v", got)
	}
}

func TestRetentionBoundsBytes(t *testing.T) {
	s := New(Options{MaxLines: 1000, MaxBytes: 100})
	for i := range 50 {
		s.Append("fn", "req", []byte(fmt.Sprintf("%09d", i))) // 9 bytes each
	}
	got := s.Query("fn", Filter{})
	total := 0
	for _, l := range got {
		total += len(l.Text)
	}
	if total > 100 || len(got) != 11 || got[len(got)-1].Text != "000000049" {
		t.Errorf("kept %d lines, %d bytes, last %q; want the newest 11 lines within 100 bytes", len(got), total, got[len(got)-1].Text)
	}
	// One line over the budget is still kept, alone.
	s.Append("fn", "req", []byte(strings.Repeat("x", 500)))
	if got := s.Query("fn", Filter{}); len(got) != 1 || len(got[0].Text) != 500 {
		t.Errorf("after a huge line: %d lines", len(got))
	}
}

func TestRetentionByAge(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	var shipped []Line
	s := New(Options{MaxAge: time.Hour, Now: func() time.Time { return now }, Ship: func(l Line) { shipped = append(shipped, l) }})
	s.Append("fn", "a", []byte("old"))
	now = now.Add(40 * time.Minute)
	s.Append("fn", "b", []byte("newer"))
	past, next := s.Follow(t.Context(), "fn", Filter{})
	if len(past) != 2 {
		t.Fatalf("at 40m: %d lines; want both", len(past))
	}
	now = now.Add(30 * time.Minute) // "old" is 70m old, "newer" 30m
	got := s.Query("fn", Filter{})
	if len(got) != 1 || got[0].Text != "newer" {
		t.Errorf("Query at 70m = %+v; want only the line younger than an hour", got)
	}
	if past, _ := s.Follow(t.Context(), "fn", Filter{}); len(past) != 1 {
		t.Errorf("Follow at 70m replays %d lines; want 1", len(past))
	}
	// Expired lines free their bytes for new ones.
	s.Append("fn", "c", []byte("new"))
	if r := s.ring("fn"); r.bytes != len("newer")+len("new") {
		t.Errorf("ring holds %d bytes; want %d", r.bytes, len("newer")+len("new"))
	}
	if l := <-next; l.Text != "new" {
		t.Errorf("follower got %q; want the new line", l.Text)
	}
	if len(shipped) != 3 || shipped[2].RequestID != "c" || !shipped[2].Time.Equal(now) {
		t.Errorf("shipped %+v; want every line with its request id and time", shipped)
	}
}

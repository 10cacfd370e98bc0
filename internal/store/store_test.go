package store

import (
	"bytes"
	"errors"
	"testing"
)

// TestPersistsAcrossReopen runs the real embedded nats-server twice on
// one directory.
func TestPersistsAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(t.Context(), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("z"), 3<<20) // spans many object chunks
	if err := s.PutRecord(t.Context(), "fn.a", []byte(`{"name":"a"}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.PutRecord(t.Context(), "fn.gone", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRecord(t.Context(), "fn.gone"); err != nil {
		t.Fatal(err)
	}
	if err := s.PutBlob(t.Context(), "abc", big); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(t.Context(), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	recs, err := s.Records(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || string(recs["fn.a"]) != `{"name":"a"}` {
		t.Errorf("Records after reopen = %q", recs)
	}
	got, err := s.Blob(t.Context(), "abc")
	if err != nil || !bytes.Equal(got, big) {
		t.Errorf("Blob after reopen: %d bytes, %v", len(got), err)
	}
	if err := s.DeleteBlob(t.Context(), "abc"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Blob(t.Context(), "abc"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Blob after delete = %v; want ErrNotFound", err)
	}
	if err := s.DeleteBlob(t.Context(), "abc"); err != nil {
		t.Errorf("deleting a missing blob = %v", err)
	}
}

package invoke

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/lamina-dev/lamina/internal/awserr"
	"github.com/lamina-dev/lamina/internal/catalog"
	"github.com/lamina-dev/lamina/internal/logs"
	"github.com/lamina-dev/lamina/internal/sandbox"
	"github.com/lamina-dev/lamina/internal/store/storetest"
)

// TestAsyncQueueBoundsBytes fills the event queue (no workers run, so
// nothing drains it) and checks that what exceeds its byte budget is
// refused with a throttle rather than held.
func TestAsyncQueueBoundsBytes(t *testing.T) {
	cat := catalog.New(storetest.NewMem(), nil)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("bootstrap")
	w.Write([]byte("x"))
	zw.Close()
	if _, err := cat.Create(t.Context(), catalog.Function{Name: "f", Runtime: "provided.al2023"}, buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	s := New(Config{DataDir: t.TempDir(), AsyncQueueBytes: 2 << 20}, cat, sandbox.NewHost(true),
		logs.New(logs.Options{MaxLines: 10}), slog.New(slog.NewTextHandler(io.Discard, nil)))
	payload := []byte(`"` + strings.Repeat("a", 900<<10) + `"`)
	for i := range 2 {
		resp, err := s.Invoke(t.Context(), Request{Function: "f", Type: TypeEvent, Payload: payload})
		if err != nil || resp.Status != http.StatusAccepted {
			t.Fatalf("event %d: %v, %+v", i, err, resp)
		}
	}
	_, err := s.Invoke(t.Context(), Request{Function: "f", Type: TypeEvent, Payload: payload})
	var ae *awserr.Error
	if !errors.As(err, &ae) || ae.Status != http.StatusTooManyRequests {
		t.Errorf("third event = %v; want a 429", err)
	}
	// A small event still fits.
	if _, err := s.Invoke(t.Context(), Request{Function: "f", Type: TypeEvent, Payload: []byte(`{}`)}); err != nil {
		t.Errorf("small event: %v", err)
	}
}

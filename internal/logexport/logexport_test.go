package logexport

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	"google.golang.org/protobuf/proto"

	"github.com/lamina-dev/lamina/internal/logs"
)

func TestShipsLinesAsRecords(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req collogspb.ExportLogsServiceRequest
		if r.URL.Path != "/v1/logs" || proto.Unmarshal(body, &req) != nil {
			http.Error(w, "bad export", http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for _, rl := range req.ResourceLogs {
			for _, sl := range rl.ScopeLogs {
				for _, lr := range sl.LogRecords {
					attrs := map[string]string{}
					for _, kv := range lr.Attributes {
						attrs[kv.Key] = kv.Value.GetStringValue()
					}
					got = append(got, time.Unix(0, int64(lr.TimeUnixNano)).UTC().Format(time.RFC3339)+" "+
						attrs["faas.name"]+" "+attrs["faas.invocation_id"]+" "+lr.Body.GetStringValue())
				}
			}
		}
	}))
	defer srv.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", srv.URL+"/v1/logs")
	e, err := New(t.Context(), slog.New(slog.DiscardHandler))
	if err != nil || e == nil {
		t.Fatalf("New() = %v, %v; want an exporter", e, err)
	}
	at := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	e.Ship(logs.Line{Time: at, Function: "fn", RequestID: "r1", Text: "START RequestId: r1"})
	e.Ship(logs.Line{Time: at, Function: "fn", RequestID: "r1", Text: "hello"})
	e.Ship(logs.Line{Time: at, Function: "other", Text: "outside an invocation"})
	if err := e.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	e.Ship(logs.Line{Time: at, Function: "fn", Text: "too late"})
	want := []string{
		"2026-11-26T12:00:00Z fn r1 START RequestId: r1",
		"2026-11-26T12:00:00Z fn r1 hello",
		"2026-11-26T12:00:00Z other  outside an invocation",
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != len(want) {
		t.Fatalf("receiver got %q; want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("record %d = %q; want %q", i, got[i], want[i])
		}
	}
	if e.Dropped() != 1 {
		t.Errorf("Dropped() = %d; want 1, the line shipped after Shutdown", e.Dropped())
	}
}

func TestOffWithoutEndpoint(t *testing.T) {
	for _, k := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "OTEL_LOGS_EXPORTER"} {
		t.Setenv(k, "")
	}
	e, err := New(t.Context(), slog.New(slog.DiscardHandler))
	if e != nil || err != nil || e.String() != "off" || e.Shutdown(t.Context()) != nil {
		t.Errorf("New() = %v, %v; want nil, which is off", e, err)
	}
}

// A receiver that refuses the lines loses them: they are counted, and the
// failure is logged once.
func TestRefusedLinesAreCounted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusBadRequest)
	}))
	defer srv.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", srv.URL+"/v1/logs")
	var logged strings.Builder
	e, err := New(t.Context(), slog.New(slog.NewTextHandler(&logged, nil)))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		e.Ship(logs.Line{Time: time.Now(), Function: "fn", Text: fmt.Sprint("line ", i)})
	}
	e.Shutdown(t.Context())
	if e.Dropped() != 3 {
		t.Errorf("Dropped() = %d; want the 3 refused lines", e.Dropped())
	}
	if n := strings.Count(logged.String(), "shipping function logs failed"); n != 1 {
		t.Errorf("logged the failure %d times; want once:\n%s", n, logged.String())
	}
}

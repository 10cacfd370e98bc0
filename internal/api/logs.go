package api

import (
	"bufio"
	"encoding/json"
	"net/http"
	"time"

	"github.com/lamina-dev/lamina/internal/awserr"
	"github.com/lamina-dev/lamina/internal/logs"
)

// functionLogs serves a function's log lines as JSON, one per line:
// ?since=<duration or RFC 3339>, ?requestId=, and ?follow=true to keep the
// response open and stream new lines.
func (h *Handler) functionLogs(w http.ResponseWriter, r *http.Request) error {
	name, _, err := parseName(r.PathValue("name"))
	if err != nil {
		return err
	}
	if _, ok := h.catalog.Get(name); !ok {
		return awserr.NotFound("Function not found: %s", name)
	}
	q := r.URL.Query()
	f := logs.Filter{RequestID: q.Get("requestId")}
	if s := q.Get("since"); s != "" {
		since, err := parseSince(s, time.Now())
		if err != nil {
			return awserr.InvalidParameter("since must be a duration such as 10m or an RFC 3339 time: %q", s)
		}
		f.Since = since
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	if q.Get("follow") != "true" {
		for _, l := range h.logs.Query(name, f) {
			enc.Encode(l)
		}
		bw.Flush()
		return nil
	}
	past, next := h.logs.Follow(r.Context(), name, f)
	for _, l := range past {
		enc.Encode(l)
	}
	bw.Flush()
	rc := http.NewResponseController(w)
	rc.Flush()
	for l := range next {
		enc.Encode(l)
		if bw.Flush() != nil || rc.Flush() != nil {
			return nil
		}
	}
	return nil
}

func parseSince(s string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	return time.Parse(time.RFC3339, s)
}

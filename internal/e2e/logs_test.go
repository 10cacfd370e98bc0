package e2e

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

type logLine struct {
	Time      time.Time `json:"time"`
	RequestID string    `json:"requestId"`
	Message   string    `json:"message"`
}

// getLogs reads a function's kept log lines through lamina's logs API.
func getLogs(t *testing.T, in *instance, fn string, q url.Values) []logLine {
	t.Helper()
	resp, err := http.Get(in.endpoint + "/lamina/v1/functions/" + fn + "/logs?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("logs of %s: status %d", fn, resp.StatusCode)
	}
	var out []logLine
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		var l logLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		out = append(out, l)
	}
	return out
}

// queryLogs returns the function's log text, one message a line.
func queryLogs(t *testing.T, in *instance, fn, requestID string) string {
	t.Helper()
	q := url.Values{}
	if requestID != "" {
		q.Set("requestId", requestID)
	}
	var b strings.Builder
	for _, l := range getLogs(t, in, fn, q) {
		b.WriteString(l.Message)
		b.WriteByte('\n')
	}
	return b.String()
}

// waitLog follows the function's log until a line contains want.
func waitLog(t *testing.T, in *instance, fn, want string) {
	t.Helper()
	waitLogCount(t, in, fn, want, 1)
}

// waitLogCount follows the function's log until n lines contain want.
func waitLogCount(t *testing.T, in *instance, fn, want string, n int) {
	t.Helper()
	ctx := within(t, 30*time.Second)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, in.endpoint+"/lamina/v1/functions/"+fn+"/logs?follow=true", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	seen := 0
	for sc.Scan() {
		var l logLine
		json.Unmarshal(sc.Bytes(), &l)
		if strings.Contains(l.Message, want) {
			if seen++; seen == n {
				return
			}
		}
	}
	t.Fatalf("saw %d of %d log lines with %q in %s", seen, n, want, fn)
}

package e2e

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
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

// TestCLILogFilters reads a function's log through the real CLI with
// --request-id and --since, on a lamina that keeps 8 lines per function.
func TestCLILogFilters(t *testing.T) {
	in := start(t, t.TempDir(), "--log-max-lines", "8")
	c := in.client()
	deploy(t, c, "filtered", "log")
	outA := invoke(t, c, "filtered", `{"lines":1,"text":"first"}`) // 5 lines with START, END, REPORT
	idA, _ := awsmiddleware.GetRequestIDMetadata(outA.ResultMetadata)
	kept := getLogs(t, in, "filtered", nil)
	between := kept[len(kept)-1].Time.Add(time.Nanosecond)
	outB := invoke(t, c, "filtered", `{"lines":1,"text":"second"}`) // 5 more: A's first 2 are dropped
	idB, _ := awsmiddleware.GetRequestIDMetadata(outB.ResultMetadata)

	lines := func(args ...string) []string {
		t.Helper()
		out, errOut, code := in.lamina(t, "", append([]string{"logs", "filtered"}, args...)...)
		if code != 0 {
			t.Fatalf("lamina logs %v: exit %d\n%s", args, code, errOut)
		}
		var msgs []string
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			_, msg, _ := strings.Cut(l, " ") // after the timestamp
			msgs = append(msgs, msg)
		}
		return msgs
	}
	all := lines()
	if len(all) != 8 || !strings.HasPrefix(all[0], "no newline at the end") || !strings.HasPrefix(all[7], "REPORT RequestId: "+idB) {
		t.Errorf("logs kept %d lines:\n%s\nwant the newest 8, from A's last line to B's REPORT", len(all), strings.Join(all, "\n"))
	}
	if a := lines("--request-id", idA); len(a) != 3 || a[1] != "END RequestId: "+idA {
		t.Errorf("--request-id A: %q; want A's 3 lines still kept", a)
	}
	b := lines("--since", between.Format(time.RFC3339Nano))
	if len(b) != 5 || b[0] != "START RequestId: "+idB+" Version: $LATEST" || b[1] != "line 0 second" {
		t.Errorf("--since between the calls: %q; want B's 5 lines", b)
	}
	if got := lines("--since", "1h", "--request-id", idB); !slices.Equal(got, b) {
		t.Errorf("--since 1h --request-id B: %q; want %q", got, b)
	}
}

package e2e

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"testing"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
)

// victoriaLogs runs a real VictoriaLogs server, a log database that takes
// OpenTelemetry logs over OTLP/HTTP, and returns its base URL. .ci/run
// builds it from the Go module proxy and names it in LAMINA_VICTORIALOGS.
func victoriaLogs(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("LAMINA_VICTORIALOGS")
	if bin == "" {
		bin, _ = exec.LookPath("victoria-logs")
	}
	if bin == "" {
		if os.Getenv("LAMINA_REQUIRE_VICTORIALOGS") != "" {
			t.Fatal("VictoriaLogs is required (LAMINA_REQUIRE_VICTORIALOGS is set) but LAMINA_VICTORIALOGS names no binary")
		}
		t.Skip("VictoriaLogs is not installed: go install github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs@v1.52.1 and set LAMINA_VICTORIALOGS")
	}
	cmd := exec.CommandContext(t.Context(), bin, "-storageDataPath="+t.TempDir(), "-httpListenAddr=127.0.0.1:0", "-loggerLevel=INFO")
	out, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = cmd.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	started := regexp.MustCompile(`started server at (http://\S+?)/?$`)
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := started.FindStringSubmatch(sc.Text()); m != nil {
				ready <- m[1]
			}
		}
	}()
	select {
	case u := <-ready:
		return u
	case <-time.After(30 * time.Second):
		t.Fatal("VictoriaLogs did not start within 30s")
		return ""
	}
}

// TestLogsShippedToVictoriaLogs ships a function's log over OTLP to a real
// log database and reads it back with its query language: every line of
// the invocation, in order, with the function and request it belongs to.
func TestLogsShippedToVictoriaLogs(t *testing.T) {
	vl := victoriaLogs(t)
	in := startEnv(t, t.TempDir(), []string{
		"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT=" + vl + "/insert/opentelemetry/v1/logs",
		"OTEL_BLRP_SCHEDULE_DELAY=50",
	})
	waitLogContains(t, in, `log_export="otlp http/protobuf"`)
	c := in.client()
	deploy(t, c, "shipper", "log")
	out := invoke(t, c, "shipper", `{"lines":3,"text":"shipped"}`)
	requestID, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	in.stop() // flushes the records still queued

	// Make what VictoriaLogs buffered searchable, then ask for the request.
	resp, err := http.Get(vl + "/internal/force_flush")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	q := url.Values{"query": {`faas.invocation_id:"` + requestID + `" | sort by (_time)`}}
	resp, err = http.Get(vl + "/select/logsql/query?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("query = %d %s", resp.StatusCode, body)
	}
	var got []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		var rec map[string]string
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("VictoriaLogs answered %q: %v", sc.Text(), err)
		}
		if rec["faas.name"] != "shipper" || rec["service.name"] != "lamina" {
			t.Errorf("record %v: want faas.name shipper, service.name lamina", rec)
		}
		got = append(got, rec["_msg"])
	}
	want := []string{"START RequestId: " + requestID + " Version: $LATEST", "line 0 shipped", "line 1 shipped", "line 2 shipped", "no newline at the end", "END RequestId: " + requestID}
	if len(got) != len(want)+1 || !slices.Equal(got[:len(want)], want) || !regexp.MustCompile(`^REPORT RequestId: \S+\tDuration: `).MatchString(got[len(want)]) {
		t.Errorf("VictoriaLogs holds for the request:\n%q\nwant:\n%q and REPORT", got, want)
	}
}

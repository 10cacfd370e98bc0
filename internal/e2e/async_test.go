package e2e

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

func TestEventInvocationRunsAndRetries(t *testing.T) {
	in := start(t, t.TempDir()) // retries after 100ms, 200ms
	c := in.client()
	ctx := t.Context()

	deploy(t, c, "async-ok", "log")
	out, err := c.Invoke(ctx, &lambda.InvokeInput{
		FunctionName: aws.String("async-ok"), InvocationType: types.InvocationTypeEvent,
		Payload: []byte(`{"lines":1,"text":"from-an-event"}`),
	})
	if err != nil || out.StatusCode != 202 || len(out.Payload) != 0 {
		t.Fatalf("Event invoke = %v, %v; want 202 and no body", out, err)
	}
	waitLog(t, in, "async-ok", "from-an-event")

	// A failing event runs once and is retried twice, then dropped.
	deploy(t, c, "async-fail", "error")
	if _, err := c.Invoke(ctx, &lambda.InvokeInput{
		FunctionName: aws.String("async-fail"), InvocationType: types.InvocationTypeEvent, Payload: []byte(`{}`),
	}); err != nil {
		t.Fatal(err)
	}
	waitLogCount(t, in, "async-fail", "END RequestId", 3)
	waitLogContains(t, in, "dropping event: retries exhausted")
	logs := queryLogs(t, in, "async-fail", "")
	if n := strings.Count(logs, "START RequestId"); n != 3 {
		t.Errorf("%d attempts; want 3 (1 + 2 retries):\n%s", n, logs)
	}
	// Every attempt carries the same request id, as Lambda's retries do.
	ids := map[string]bool{}
	for _, l := range getLogs(t, in, "async-fail", nil) {
		ids[l.RequestID] = true
	}
	if len(ids) != 1 {
		t.Errorf("attempts used %d request ids; want 1", len(ids))
	}
}

func TestLogTail(t *testing.T) {
	in := start(t, t.TempDir())
	c := in.client()
	deploy(t, c, "tail", "log")
	out, err := c.Invoke(t.Context(), &lambda.InvokeInput{
		FunctionName: aws.String("tail"), LogType: types.LogTypeTail, Payload: []byte(`{"lines":3,"text":"hello"}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
	if err != nil {
		t.Fatalf("LogResult is not base64: %v", err)
	}
	tail := string(raw)
	id := requestIDOf(out)
	for _, want := range []string{
		"START RequestId: " + id + " Version: $LATEST\n",
		"line 0 hello\nline 1 hello\nline 2 hello\nno newline at the end\n",
		"END RequestId: " + id + "\n",
		"REPORT RequestId: " + id + "\tDuration: ",
		"\tMemory Size: 128 MB\tMax Memory Used: ",
		"\tInit Duration: ",
	} {
		if !strings.Contains(tail, want) {
			t.Errorf("tail lacks %q:\n%s", want, tail)
		}
	}
	// A warm invocation reports no Init Duration, and a big log is cut to
	// its last 4 KB.
	out, err = c.Invoke(t.Context(), &lambda.InvokeInput{
		FunctionName: aws.String("tail"), LogType: types.LogTypeTail, Payload: []byte(`{"lines":500,"text":"padding"}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ = base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
	if len(raw) != 4096 || strings.Contains(string(raw), "Init Duration") || !strings.Contains(string(raw), "REPORT RequestId: "+requestIDOf(out)) {
		t.Errorf("warm tail: %d bytes, ends %q", len(raw), raw[max(0, len(raw)-200):])
	}
}

// waitLogContains waits for lamina's own log to contain want.
func waitLogContains(t *testing.T, in *instance, want string) {
	t.Helper()
	if !in.stderr.waitFor(want, within(t, 30*time.Second)) {
		t.Fatalf("lamina never logged %q:\n%s", want, in.stderr)
	}
}

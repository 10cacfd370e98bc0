package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

func TestStatePersistsAcrossRestart(t *testing.T) {
	data := t.TempDir()
	in := start(t, data)
	c := in.client()
	deploy(t, c, "durable", "echo", withEnv(map[string]string{"KEPT": "yes"}), withMemory(320))
	if _, err := c.PutFunctionConcurrency(t.Context(), &lambda.PutFunctionConcurrencyInput{
		FunctionName: aws.String("durable"), ReservedConcurrentExecutions: aws.Int32(3),
	}); err != nil {
		t.Fatal(err)
	}
	before, err := c.GetFunction(t.Context(), &lambda.GetFunctionInput{FunctionName: aws.String("durable")})
	if err != nil {
		t.Fatal(err)
	}
	in.stop()

	in = start(t, data)
	c = in.client()
	after, err := c.GetFunction(t.Context(), &lambda.GetFunctionInput{FunctionName: aws.String("durable")})
	if err != nil {
		t.Fatalf("GetFunction after restart: %v", err)
	}
	b, a := before.Configuration, after.Configuration
	if aws.ToString(a.CodeSha256) != aws.ToString(b.CodeSha256) || aws.ToString(a.RevisionId) != aws.ToString(b.RevisionId) ||
		aws.ToInt32(a.MemorySize) != 320 || a.Environment.Variables["KEPT"] != "yes" ||
		after.Concurrency == nil || aws.ToInt32(after.Concurrency.ReservedConcurrentExecutions) != 3 {
		t.Errorf("after restart: %+v %+v; before: %+v", a, after.Concurrency, b)
	}
	// The code came back too: remove the unpacked copy so it must be
	// fetched from the store again.
	os.RemoveAll(filepath.Join(data, "code"))
	if out := invoke(t, c, "durable", `{"still":"here"}`); string(out.Payload) != `{"still":"here"}` {
		t.Errorf("invoke after restart = %s %s", aws.ToString(out.FunctionError), out.Payload)
	}
}

// TestShutdownSignalsExtensions checks the Extensions API path that
// aws-lambda-go's WithEnableSIGTERM uses: the runtime registers an
// extension, so it gets SIGTERM, and time to act on it, before SIGKILL.
func TestShutdownSignalsExtensions(t *testing.T) {
	in := start(t, t.TempDir())
	c := in.client()
	marker := filepath.Join(t.TempDir(), "marker")
	deploy(t, c, "graceful", "sigterm", withEnv(map[string]string{"MARKER_FILE": marker}))
	if out := invoke(t, c, "graceful", `{"a":1}`); string(out.Payload) != `{"a":1}` {
		t.Fatalf("invoke = %s", out.Payload)
	}
	// Deleting the function stops its environments.
	if _, err := c.DeleteFunction(t.Context(), &lambda.DeleteFunctionInput{FunctionName: aws.String("graceful")}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(marker)
	if err != nil || string(data) != "sigterm" {
		t.Errorf("marker = %q, %v; want the SIGTERM handler to have run", data, err)
	}
}

func TestMemoryLimitEnforced(t *testing.T) {
	for _, mode := range []string{"auto", "watchdog"} {
		t.Run(mode, func(t *testing.T) {
			var args []string
			if mode == "watchdog" {
				args = append(args, "--no-cgroups")
			}
			testMemoryLimit(t, start(t, t.TempDir(), args...))
		})
	}
}

func testMemoryLimit(t *testing.T, in *instance) {
	c := in.client()
	deploy(t, c, "hungry", "memory", withMemory(128), withTimeout(20))
	out := invoke(t, c, "hungry", `{"mb":16}`)
	if out.FunctionError != nil {
		t.Fatalf("16 MB in a 128 MB function failed: %s", out.Payload)
	}
	out = invoke(t, c, "hungry", `{"mb":400}`)
	if aws.ToString(out.FunctionError) != "Unhandled" || !strings.Contains(string(out.Payload), "Runtime.ExitError") ||
		!strings.Contains(string(out.Payload), "signal: killed") {
		t.Errorf("400 MB in a 128 MB function = %s %s; want Runtime.ExitError, signal: killed", aws.ToString(out.FunctionError), out.Payload)
	}
	// Max Memory Used is reported and bounded by the memory size.
	logs := queryLogs(t, in, "hungry", "")
	if !strings.Contains(logs, "Max Memory Used: ") || strings.Contains(logs, "Max Memory Used: 0 MB") {
		t.Errorf("REPORT lines lack a memory figure:\n%s", logs)
	}
}

// TestIdleEnvironmentsAreReaped checks keep-alive: an idle environment is
// stopped after --keep-alive and the next invocation starts a new one.
func TestIdleEnvironmentsAreReaped(t *testing.T) {
	in := start(t, t.TempDir(), "--keep-alive", "300ms", "--log-level", "debug")
	c := in.client()
	deploy(t, c, "reaped", "counter")
	first := invoke(t, c, "reaped", `{}`)
	waitLogContains(t, in, "reason=spindown")
	second := invoke(t, c, "reaped", `{}`)
	var a, b struct {
		Count int `json:"count"`
		Pid   int `json:"pid"`
	}
	json.Unmarshal(first.Payload, &a)
	json.Unmarshal(second.Payload, &b)
	if b.Count != 1 || a.Pid == b.Pid {
		t.Errorf("after reaping: %+v then %+v; want a fresh environment", a, b)
	}
}

// TestOrphanedOutputDoesNotHang checks that a child process that escaped
// the environment's process group, still holding its output pipe, does not
// keep a timed-out environment (and the invocation waiting on it) alive.
func TestOrphanedOutputDoesNotHang(t *testing.T) {
	in := start(t, t.TempDir())
	c := in.client()
	deploy(t, c, "orphan", "orphan", withTimeout(1))
	ctx := within(t, 20*time.Second)
	out, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("orphan"), Payload: []byte(`{"ms":3000}`)})
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	if !strings.Contains(string(out.Payload), "Sandbox.Timedout") {
		t.Errorf("first invoke = %s; want a timeout", out.Payload)
	}
	out, err = c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("orphan"), Payload: []byte(`{"ms":1}`)})
	if err != nil || string(out.Payload) != `"orphaned"` {
		t.Errorf("invoke after the timeout = %s, %v", out.Payload, err)
	}
}

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// lamina runs the lamina CLI against in and returns stdout, stderr and the
// exit code.
func (in *instance) lamina(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.CommandContext(within(t, 2*time.Minute), laminaBin, args...)
	cmd.Env = append(os.Environ(), "LAMINA_ENDPOINT="+in.endpoint)
	cmd.Stdin = strings.NewReader(stdin)
	return run(t, cmd)
}

// run runs cmd and returns its stdout, stderr and exit code; a command
// that cannot run at all fails the test.
func run(t *testing.T, cmd *exec.Cmd) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%v: %v", cmd.Args, err)
	}
	return out.String(), errb.String(), code
}

func TestCLI(t *testing.T) {
	in := start(t, t.TempDir())

	// Deploy a Go package: lamina builds it for Lambda.
	out, errOut, code := in.lamina(t, "", "deploy", "hello", "../../examples/hello", "--memory", "256", "--env", "STAGE=test")
	if code != 0 || !strings.Contains(out, "deployed hello") {
		t.Fatalf("deploy from Go package: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = in.lamina(t, "", "invoke", "hello", `{"name":"cli"}`)
	if code != 0 || !strings.Contains(out, `"message":"Hello, cli!"`) {
		t.Errorf("invoke: exit %d\n%s%s", code, out, errOut)
	}
	// The payload from stdin, and the log tail on request.
	out, errOut, code = in.lamina(t, `{"name":"stdin"}`, "invoke", "hello", "-", "--log")
	if code != 0 || !strings.Contains(out, "Hello, stdin!") || !strings.Contains(errOut, "greeting stdin") || !strings.Contains(errOut, "REPORT RequestId") {
		t.Errorf("invoke from stdin with --log: exit %d\n%s%s", code, out, errOut)
	}

	// Deploy a zip and a directory holding a bootstrap.
	if out, errOut, code = in.lamina(t, "", "deploy", "fromzip", fnZipPath, "--handler", "error"); code != 0 {
		t.Fatalf("deploy zip: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = in.lamina(t, "", "invoke", "fromzip")
	if code != 1 || !strings.Contains(errOut, "Unhandled function error") || !strings.Contains(errOut, "something went wrong") {
		t.Errorf("invoke of a failing function: exit %d\n%s%s", code, out, errOut)
	}
	if out, errOut, code = in.lamina(t, "", "deploy", "fromdir", filepath.Join(buildDir, "fn"), "--handler", "echo", "--timeout", "9"); code != 0 {
		t.Fatalf("deploy dir: exit %d\n%s%s", code, out, errOut)
	}
	// Redeploying updates code and settings.
	if out, errOut, code = in.lamina(t, "", "deploy", "fromdir", filepath.Join(buildDir, "fn"), "--timeout", "11"); code != 0 {
		t.Fatalf("redeploy: exit %d\n%s%s", code, out, errOut)
	}

	out, _, code = in.lamina(t, "", "ls")
	if code != 0 || !strings.Contains(out, "NAME") {
		t.Fatalf("ls: exit %d\n%s", code, out)
	}
	for _, want := range []string{"hello  ", "256 MB", "fromzip", "fromdir", "11 s"} {
		if !strings.Contains(out, want) {
			t.Errorf("ls lacks %q:\n%s", want, out)
		}
	}

	out, _, code = in.lamina(t, "", "logs", "hello")
	if code != 0 || !strings.Contains(out, "greeting cli") || !strings.Contains(out, "START RequestId") {
		t.Errorf("logs: exit %d\n%s", code, out)
	}
	out, _, _ = in.lamina(t, "", "logs", "hello", "--json", "--since", "1h")
	var line map[string]any
	if err := json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &line); err != nil || line["requestId"] == nil {
		t.Errorf("logs --json first line %q: %v", out, err)
	}

	if out, errOut, code = in.lamina(t, "", "rm", "fromzip"); code != 0 || !strings.Contains(out, "deleted fromzip") {
		t.Errorf("rm: exit %d\n%s%s", code, out, errOut)
	}
	_, errOut, code = in.lamina(t, "", "invoke", "fromzip")
	if code != 1 || !strings.Contains(errOut, "ResourceNotFoundException") {
		t.Errorf("invoke after rm: exit %d\n%s", code, errOut)
	}
}

func TestCLIFollowLogs(t *testing.T) {
	in := start(t, t.TempDir())
	deploy(t, in.client(), "followed", "log")
	ctx, cancel := context.WithCancel(within(t, time.Minute))
	defer cancel()
	cmd := exec.CommandContext(ctx, laminaBin, "logs", "-f", "followed", "--endpoint", in.endpoint)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		cmd.Wait()
	}()
	// The follower is connected once lamina answers with headers; invoke
	// repeatedly until the line shows, so no sleep guesses the moment.
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	c := in.client()
	invoke(t, c, "followed", `{"lines":1,"text":"followed-line"}`)
	for l := range lines {
		if strings.Contains(l, "followed-line") {
			return
		}
	}
	t.Error("lamina logs -f ended without showing the line")
}

func TestCLIUsage(t *testing.T) {
	in := start(t, t.TempDir())
	for _, cmd := range []string{"serve", "deploy", "invoke", "ls", "rm", "logs"} {
		_, errOut, code := in.lamina(t, "", cmd, "--help")
		if code != 0 || !strings.Contains(errOut, "Usage: lamina "+cmd) {
			t.Errorf("%s --help: exit %d\n%s", cmd, code, errOut)
		}
	}
	if _, errOut, code := in.lamina(t, "", "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown command: exit %d\n%s", code, errOut)
	}
	if _, errOut, code := in.lamina(t, "", "invoke"); code != 2 || !strings.Contains(errOut, "expected 1 argument") {
		t.Errorf("invoke without name: exit %d\n%s", code, errOut)
	}
	_, errOut, code := in.lamina(t, "", "ls", "--endpoint", "http://127.0.0.1:1")
	if code != 1 || !strings.Contains(errOut, "is lamina running?") {
		t.Errorf("ls against nothing: exit %d\n%s", code, errOut)
	}
}

// TestServeDeploysExample runs the README's first command: lamina serve
// with --deploy of the example function, then the README's curl.
func TestServeDeploysExample(t *testing.T) {
	in := start(t, t.TempDir(), "--deploy", "hello=../../examples/hello")
	if !in.stderr.waitFor("lamina: deployed hello", within(t, 2*time.Minute)) {
		t.Fatalf("hello was not deployed:\n%s", in.stderr)
	}
	resp, err := http.Post(in.endpoint+"/2015-03-31/functions/hello/invocations", "application/json", strings.NewReader(`{"name":"you"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct{ Message, RequestID string }
	json.NewDecoder(resp.Body).Decode(&got)
	if resp.StatusCode != 200 || got.Message != "Hello, you!" || got.RequestID != resp.Header.Get("X-Amzn-Requestid") {
		t.Errorf("invoke = %d %+v (request id header %q)", resp.StatusCode, got, resp.Header.Get("X-Amzn-Requestid"))
	}
}

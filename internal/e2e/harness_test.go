package e2e

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"
)

// Built once for the whole package by TestMain.
var (
	laminaBin   string // the lamina binary
	fnZip       []byte // testdata/fn as a Lambda zip
	fnBootstrap []byte // its bootstrap
	fnZipPath   string
	buildDir    string
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := func() int {
		if testing.Short() {
			return m.Run() // every test here skips in -short mode
		}
		var err error
		buildDir, err = os.MkdirTemp("", "lamina-e2e-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(buildDir)
		if err := build(); err != nil {
			fmt.Fprintln(os.Stderr, "build:", err)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

func build() error {
	laminaBin = filepath.Join(buildDir, "lamina")
	args := []string{"build", "-o", laminaBin}
	if raceEnabled {
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, "../../cmd/lamina")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build lamina: %v\n%s", err, out)
	}
	bootstrap := filepath.Join(buildDir, "fn", "bootstrap")
	cmd = exec.Command("go", "build", "-tags", "lambda.norpc", "-o", bootstrap, "./testdata/fn")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build fn: %v\n%s", err, out)
	}
	data, err := os.ReadFile(bootstrap)
	if err != nil {
		return err
	}
	fnBootstrap = data
	fnZip = zipOf(map[string][]byte{"bootstrap": data})
	fnZipPath = filepath.Join(buildDir, "fn.zip")
	return os.WriteFile(fnZipPath, fnZip, 0o644)
}

// zipOf makes a zip whose files are all executable.
func zipOf(files map[string][]byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range files {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		h.SetMode(0o755)
		w, _ := zw.CreateHeader(h)
		w.Write(data)
	}
	zw.Close()
	return buf.Bytes()
}

// instance is a running lamina process.
type instance struct {
	t        *testing.T
	cmd      *exec.Cmd
	addr     string
	endpoint string
	dataDir  string
	stderr   *syncBuffer
	exited   chan struct{}
}

var addrRE = regexp.MustCompile(`msg="lamina serving" addr=(\S+)`)

// start runs lamina on a free port with dataDir and waits until it serves.
func start(t *testing.T, dataDir string, args ...string) *instance {
	t.Helper()
	return startEnv(t, dataDir, nil, args...)
}

// startEnv is start with extra environment variables for lamina.
func startEnv(t *testing.T, dataDir string, env []string, args ...string) *instance {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	all := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dataDir, "--echo-logs=false", "--async-retry-delay", "100ms"}, args...)
	cmd := exec.Command(laminaBin, all...)
	cmd.Env = append(os.Environ(), env...)
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	in := &instance{t: t, cmd: cmd, dataDir: dataDir, stderr: &syncBuffer{}, exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		pw.Close()
		close(in.exited)
	}()
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			in.stderr.WriteLine(line)
			if m := addrRE.FindStringSubmatch(line); m != nil {
				ready <- m[1]
			}
		}
	}()
	select {
	case in.addr = <-ready:
	case <-in.exited:
		t.Fatalf("lamina exited before serving:\n%s", in.stderr)
	case <-time.After(60 * time.Second):
		in.stop()
		t.Fatalf("lamina not serving after 60s:\n%s", in.stderr)
	}
	in.endpoint = "http://" + in.addr
	t.Cleanup(in.stop)
	return in
}

// stop sends SIGTERM and waits for a clean exit.
func (in *instance) stop() {
	select {
	case <-in.exited:
		return
	default:
	}
	in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-in.exited:
	case <-time.After(20 * time.Second):
		in.cmd.Process.Kill()
		<-in.exited
		in.t.Errorf("lamina did not stop on SIGTERM:\n%s", in.stderr)
	}
	if in.cmd.ProcessState != nil && !in.cmd.ProcessState.Success() {
		in.t.Errorf("lamina exited with %v:\n%s", in.cmd.ProcessState, in.stderr)
	}
}

// client is an SDK client as an application would configure it: static
// keys, a region and the endpoint.
func (in *instance) client() *lambda.Client {
	return lambda.New(lambda.Options{
		BaseEndpoint: aws.String(in.endpoint),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		// Tests check single answers; retries would hide them.
		RetryMaxAttempts: 1,
	})
}

// deploy creates a function running testdata/fn with the given handler.
func deploy(t *testing.T, c *lambda.Client, name, handler string, opts ...func(*lambda.CreateFunctionInput)) {
	t.Helper()
	in := &lambda.CreateFunctionInput{
		FunctionName: aws.String(name),
		Runtime:      types.RuntimeProvidedal2023,
		Role:         aws.String("arn:aws:iam::123456789012:role/test"),
		Handler:      aws.String(handler),
		Code:         &types.FunctionCode{ZipFile: fnZip},
	}
	for _, o := range opts {
		o(in)
	}
	if _, err := c.CreateFunction(t.Context(), in); err != nil {
		t.Fatalf("CreateFunction(%s): %v", name, err)
	}
}

func withTimeout(s int32) func(*lambda.CreateFunctionInput) {
	return func(in *lambda.CreateFunctionInput) { in.Timeout = aws.Int32(s) }
}

func withEnv(vars map[string]string) func(*lambda.CreateFunctionInput) {
	return func(in *lambda.CreateFunctionInput) { in.Environment = &types.Environment{Variables: vars} }
}

func withMemory(mb int32) func(*lambda.CreateFunctionInput) {
	return func(in *lambda.CreateFunctionInput) { in.MemorySize = aws.Int32(mb) }
}

// invoke calls the function synchronously and fails the test on an API
// error.
func invoke(t *testing.T, c *lambda.Client, name, payload string) *lambda.InvokeOutput {
	t.Helper()
	out, err := c.Invoke(t.Context(), &lambda.InvokeInput{FunctionName: aws.String(name), Payload: []byte(payload)})
	if err != nil {
		t.Fatalf("Invoke(%s): %v", name, err)
	}
	return out
}

// apiError returns the error code and HTTP status of an SDK error.
func apiError(t *testing.T, err error) (string, int) {
	t.Helper()
	if err == nil {
		t.Fatal("got no error, want an API error")
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want an API error", err)
	}
	status := 0
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	return ae.ErrorCode(), status
}

// syncBuffer collects lamina's stderr, for failure messages and for tests
// that wait on what lamina logs.
type syncBuffer struct {
	mu      sync.Mutex // guards lines and changed
	lines   []string
	changed chan struct{} // closed and replaced on each new line
}

func (b *syncBuffer) WriteLine(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lines = append(b.lines, s)
	if b.changed != nil {
		close(b.changed)
		b.changed = nil
	}
}

// waitFor reports whether a line containing want arrives before ctx ends.
func (b *syncBuffer) waitFor(want string, ctx context.Context) bool {
	for {
		b.mu.Lock()
		for _, l := range b.lines {
			if strings.Contains(l, want) {
				b.mu.Unlock()
				return true
			}
		}
		if b.changed == nil {
			b.changed = make(chan struct{})
		}
		ch := b.changed
		b.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return false
		}
	}
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.lines, "\n")
}

// within bounds a test step that waits on lamina.
func within(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

func contains(b []byte, s string) bool { return bytes.Contains(b, []byte(s)) }

// Package bench measures lamina against a baseline in the same run: warm
// invoke latency and throughput through the Invoke API next to a raw Go
// HTTP server doing the same JSON work, and cold starts of fresh
// environments.
package bench

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lamina-dev/lamina/internal/bench/work"
	"github.com/lamina-dev/lamina/internal/server"
)

// Options sizes the runs.
type Options struct {
	Serial   int           // serial calls per side
	Clients  int           // concurrent clients for throughput
	Duration time.Duration // per throughput run
	Cold     int           // fresh functions for cold starts
	// NoCgroups runs lamina with the sampling memory watchdog instead of
	// memory cgroups.
	NoCgroups bool
	// Endpoint, when set, benchmarks a lamina already running there
	// instead of one started in this process.
	Endpoint string
	// TraceSampler is OTEL_TRACES_SAMPLER for the observability run
	// (always_on when empty).
	TraceSampler string
}

// Run performs the benchmark and writes a report to w.
func Run(ctx context.Context, opts Options, w io.Writer) error {
	if opts.TraceSampler == "" {
		opts.TraceSampler = "always_on"
	}
	tmp, err := os.MkdirTemp("", "lamina-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	zipFile, err := buildFunction(ctx, tmp)
	if err != nil {
		return err
	}

	raw, stopRaw, err := startRaw()
	if err != nil {
		return err
	}
	defer stopRaw()

	endpoint := strings.TrimRight(opts.Endpoint, "/")
	if endpoint == "" {
		srv := server.New(server.Config{
			Addr: "127.0.0.1:0", DataDir: filepath.Join(tmp, "data"), NoCgroups: opts.NoCgroups,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		})
		if err := srv.Start(ctx); err != nil {
			return err
		}
		defer srv.Close(context.WithoutCancel(ctx))
		endpoint = "http://" + srv.Addr()
	}
	c := lambda.New(lambda.Options{BaseEndpoint: aws.String(endpoint), Region: "us-east-1", Credentials: aws.AnonymousCredentials{}})
	// Functions are named for this run, so an external lamina can be
	// benchmarked repeatedly; they are deleted at the end.
	prefix := fmt.Sprintf("bench-%d", time.Now().UnixNano()%1e9)
	var created []string
	defer func() {
		for _, name := range created {
			c.DeleteFunction(context.WithoutCancel(ctx), &lambda.DeleteFunctionInput{FunctionName: aws.String(name)})
		}
	}()
	deployFn := func(name string) error {
		if err := create(ctx, c, name, "bootstrap", zipFile); err != nil {
			return err
		}
		created = append(created, name)
		return nil
	}
	if err := deployFn(prefix); err != nil {
		return err
	}

	payload := []byte(work.Payload)
	conns := 4 * max(opts.Clients, 1)
	rawT := target{name: "raw", url: raw, client: newClient(conns)}
	lamT := target{name: "lamina", url: endpoint + "/2015-03-31/functions/" + prefix + "/invocations", client: newClient(conns)}

	enforcement := "in-process lamina, memory cgroups where writable"
	switch {
	case opts.Endpoint != "":
		enforcement = "lamina at " + opts.Endpoint
	case opts.NoCgroups:
		enforcement = "in-process lamina, memory watchdog (--no-cgroups)"
	}
	fmt.Fprintf(w, "lamina benchmark — %s; %s\n\n", machine(), enforcement)
	aloneT, stopAlone, err := functionAlone(ctx, tmp)
	if err != nil {
		return err
	}
	defer stopAlone()
	urlT, err := functionURL(ctx, c, prefix+"-url", zipFile, conns)
	if err != nil {
		return err
	}
	created = append(created, prefix+"-url")
	all := []target{rawT, lamT, aloneT, urlT}
	if _, err := serial(ctx, all, payload, 200); err != nil { // warm up
		return err
	}
	lat, err := serial(ctx, all, payload, opts.Serial)
	if err != nil {
		return err
	}
	rs, ls, fs, ut := summarize(lat[0]), summarize(lat[1]), summarize(lat[2]), summarize(lat[3])
	fmt.Fprintf(w, "Warm invoke, serial (%d calls each, alternating)\n", opts.Serial)
	fmt.Fprintf(w, "  %-22s %10s %10s %10s\n", "", "p50", "p99", "p99.9")
	fmt.Fprintf(w, "  %-22s %8.0fµs %8.0fµs %8.0fµs\n", "raw Go HTTP server", us(rs.P50), us(rs.P99), us(rs.P999))
	fmt.Fprintf(w, "  %-22s %8.0fµs %8.0fµs %8.0fµs\n", "lamina Invoke API", us(ls.P50), us(ls.P99), us(ls.P999))
	fmt.Fprintf(w, "  %-22s %8.0fµs %8.0fµs\n", "added by lamina", us(ls.P50-rs.P50), us(ls.P99-rs.P99))
	fmt.Fprintf(w, "  %-22s %8.0fµs %8.0fµs %8.0fµs   (the function through its Runtime API only)\n",
		"function alone", us(fs.P50), us(fs.P99), us(fs.P999))
	fmt.Fprintf(w, "  %-22s %8.0fµs %8.0fµs %8.0fµs   (POST to a function URL, payload 2.0 both ways)\n",
		"lamina function URL", us(ut.P50), us(ut.P99), us(ut.P999))
	fmt.Fprintf(w, "  %-22s %8.0fµs %8.0fµs\n\n", "added by the URL", us(ut.P50-rs.P50), us(ut.P99-rs.P99))

	var share float64
	for i, clients := range []int{opts.Clients, 4 * opts.Clients} {
		sh, err := throughputPhase(ctx, w, rawT, lamT, payload, clients, opts.Duration)
		if err != nil {
			return err
		}
		if i == 0 {
			share = sh
		}
	}

	obsOverhead, err := telemetryOverhead(ctx, w, tmp, zipFile, payload, opts.Serial, opts.Clients, opts.Duration, opts.TraceSampler)
	if err != nil {
		return err
	}

	cold, err := coldStarts(ctx, deployFn, endpoint, prefix, opts.Cold)
	if err != nil {
		return err
	}
	cs := summarize(cold)
	fmt.Fprintf(w, "Cold start, first invoke of %d fresh functions (request → response)\n", opts.Cold)
	fmt.Fprintf(w, "  p50 %.2f ms   p99 %.2f ms   max %.2f ms\n", ms(cs.P50), ms(cs.P99), ms(cs.Max))
	rate, err := coldStartRate(ctx, deployFn, endpoint, prefix, 100, 8)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  cold starts per second, 8 at a time over 100 fresh functions: %.0f/s\n\n", rate)

	fmt.Fprintf(w, "Burst from zero: n concurrent requests to a fresh function that waits 50 ms\n")
	fmt.Fprintf(w, "  %-8s %8s %10s %10s %12s\n", "n", "errors", "p50", "p99", "all answered")
	burstOK := true
	for _, n := range []int{100, 500} {
		name := fmt.Sprintf("%s-burst-%d", prefix, n)
		if err := create(ctx, c, name, "sleep", zipFile); err != nil {
			return err
		}
		created = append(created, name)
		bt := target{name: name, url: endpoint + "/2015-03-31/functions/" + name + "/invocations", client: newClient(n)}
		lat, errs, all := burst(ctx, bt, payload, n)
		bs := summarize(lat)
		fmt.Fprintf(w, "  %-8d %8d %8.1fms %8.1fms %10.1fms\n", n, len(errs), ms(bs.P50), ms(bs.P99), ms(all))
		if n == 100 {
			burstOK = len(errs) == 0 && bs.P99 <= 100*time.Millisecond
		}
	}
	fmt.Fprintln(w)

	stepName := prefix + "-step"
	if err := create(ctx, c, stepName, "sleep", zipFile); err != nil {
		return err
	}
	created = append(created, stepName)
	stepT := target{name: stepName, url: endpoint + "/2015-03-31/functions/" + stepName + "/invocations", client: newClient(1000)}
	step := stepLoad(ctx, stepT, payload, 100, 3*time.Second)
	printStep(w, 100, 3*time.Second, step)

	replayCold, replayMem := traceReplay(w, 1, 500)

	idleMB, err := footprint(ctx, w, tmp, zipFile)
	if err != nil {
		return err
	}

	fmt.Fprintf(w, "Targets (docs/benchmarks.md)\n")
	check(w, "warm added latency p50 ≤ 120µs", ls.P50-rs.P50 <= 120*time.Microsecond)
	check(w, "throughput (16 clients) ≥ 35% of raw", share >= 0.35)
	check(w, "metrics+tracing+logs overhead p50 ≤ 10%", obsOverhead <= 0.10)
	check(w, "cold start p50 ≤ 5 ms, p99 ≤ 15 ms", cs.P50 <= 5*time.Millisecond && cs.P99 <= 15*time.Millisecond)
	check(w, "burst 0→100: no errors, p99 ≤ 100 ms", burstOK)
	check(w, "10x step: no errors, p99 back within 1 s", step.errors == 0 && step.recoveredIn >= 0 && step.recoveredIn <= time.Second)
	check(w, "replay: ≥ 2x fewer cold starts, ≤ memory", replayCold >= 2 && replayMem <= 1)
	check(w, "idle platform ≤ 40 MB RSS", idleMB <= 40)
	return nil
}

func check(w io.Writer, what string, ok bool) {
	mark := "met"
	if !ok {
		mark = "MISSED"
	}
	fmt.Fprintf(w, "  %-36s %s\n", what, mark)
}

func machine() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%d CPUs, host %s, %s", runtime.NumCPU(), host, time.Now().UTC().Format(time.DateOnly))
}

// buildFunction builds the benchmark function and zips it.
func buildFunction(ctx context.Context, dir string) ([]byte, error) {
	bin := filepath.Join(dir, "bootstrap")
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-o", bin, "github.com/lamina-dev/lamina/internal/bench/fn")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build benchmark function (run from the lamina repository): %v\n%s", err, out)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
	h.SetMode(0o755)
	fw, _ := zw.CreateHeader(h)
	fw.Write(data)
	zw.Close()
	return buf.Bytes(), nil
}

// startRaw serves work.Do over plain net/http: the baseline.
func startRaw() (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req work.Request
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		out, _ := json.Marshal(work.Do(req))
		w.Header().Set("Content-Type", "application/json")
		w.Write(out)
	})}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	return "http://" + ln.Addr().String() + "/", func() { srv.Close(); <-done }, nil
}

func create(ctx context.Context, c *lambda.Client, name, handler string, zipFile []byte) error {
	_, err := c.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String(name), Runtime: types.RuntimeProvidedal2023, Handler: aws.String(handler),
		Role: aws.String("arn:aws:iam::000000000000:role/bench"), Code: &types.FunctionCode{ZipFile: zipFile},
	})
	if err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	return nil
}

// functionURL deploys the benchmark function behind a function URL and
// returns the target that posts the work to it.
func functionURL(ctx context.Context, c *lambda.Client, name string, zipFile []byte, conns int) (target, error) {
	if err := create(ctx, c, name, "url", zipFile); err != nil {
		return target{}, err
	}
	out, err := c.CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{
		FunctionName: aws.String(name), AuthType: types.FunctionUrlAuthTypeNone,
	})
	if err != nil {
		return target{}, fmt.Errorf("create function url: %w", err)
	}
	return target{name: "url", url: aws.ToString(out.FunctionUrl), client: newClient(conns)}, nil
}

// coldStartRate creates n functions, then invokes each for the first time,
// workers at a time, and returns the cold starts completed per second.
func coldStartRate(ctx context.Context, deploy func(string) error, endpoint, prefix string, n, workers int) (float64, error) {
	names := make(chan string, n)
	for i := range n {
		name := fmt.Sprintf("%s-rate-%03d", prefix, i)
		if err := deploy(name); err != nil {
			return 0, err
		}
		names <- name
	}
	close(names)
	payload := []byte(work.Payload)
	errs := make(chan error, workers)
	start := time.Now()
	for range workers {
		go func() {
			t := target{name: "rate", client: newClient(1)}
			for name := range names {
				t.url = endpoint + "/2015-03-31/functions/" + name + "/invocations"
				if err := t.call(ctx, payload); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			return 0, err
		}
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// coldStarts creates n functions and times the first invoke of each. They
// share one package, so the code is unpacked once, as it is for every
// environment after a function's first.
func coldStarts(ctx context.Context, deploy func(string) error, endpoint, prefix string, n int) ([]time.Duration, error) {
	t := target{name: "cold", client: newClient(1)}
	payload := []byte(work.Payload)
	var out []time.Duration
	for i := range n {
		name := fmt.Sprintf("%s-cold-%03d", prefix, i)
		if err := deploy(name); err != nil {
			return nil, err
		}
		t.url = endpoint + "/2015-03-31/functions/" + name + "/invocations"
		start := time.Now()
		if err := t.call(ctx, payload); err != nil {
			return nil, err
		}
		out = append(out, time.Since(start))
	}
	return out, nil
}

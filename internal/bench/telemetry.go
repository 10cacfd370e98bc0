package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/lamina-dev/lamina/internal/server"
)

// otlpSink counts what lamina's OTLP exporters send it over HTTP and
// answers each export with an empty (successful) response.
type otlpSink struct {
	traces, logs atomic.Int64 // export requests
	bytes        atomic.Int64
}

func (s *otlpSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n, _ := io.Copy(io.Discard, r.Body)
	s.bytes.Add(n)
	switch r.URL.Path {
	case "/v1/traces":
		s.traces.Add(1)
	case "/v1/logs":
		s.logs.Add(1)
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
}

// telemetryOverhead measures what observability costs a warm invoke: two
// more lamina servers in this process run the same function, one with
// metrics, tracing and log export off, one with all three on (invocations
// traced as the OTEL_TRACES_SAMPLER value sampler says, every log line
// shipped over OTLP/HTTP to a receiver here), and serial calls alternate
// between them. It returns the
// added share of the p50.
func telemetryOverhead(ctx context.Context, w io.Writer, tmp string, zipFile, payload []byte, n, clients int, d time.Duration, sampler string) (float64, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	sink := &otlpSink{}
	hs := &http.Server{Handler: sink}
	go hs.Serve(ln)
	defer hs.Close()

	start := func(name string, on bool) (target, func(), error) {
		cfg := server.Config{
			Addr: "127.0.0.1:0", DataDir: filepath.Join(tmp, name), NoMetrics: !on,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		}
		// Tracing and log export read the OTEL_* variables when the
		// server starts.
		if on {
			os.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+ln.Addr().String())
			os.Setenv("OTEL_TRACES_SAMPLER", sampler)
			defer os.Unsetenv("OTEL_EXPORTER_OTLP_ENDPOINT")
			defer os.Unsetenv("OTEL_TRACES_SAMPLER")
		}
		srv := server.New(cfg)
		if err := srv.Start(ctx); err != nil {
			return target{}, nil, err
		}
		stop := sync.OnceFunc(func() { srv.Close(context.WithoutCancel(ctx)) })
		endpoint := "http://" + srv.Addr()
		c := lambda.New(lambda.Options{BaseEndpoint: aws.String(endpoint), Region: "us-east-1", Credentials: aws.AnonymousCredentials{}})
		if err := create(ctx, c, name, "bootstrap", zipFile); err != nil {
			stop()
			return target{}, nil, err
		}
		return target{name: name, url: endpoint + "/2015-03-31/functions/" + name + "/invocations", client: newClient(4 * clients), base: endpoint}, stop, nil
	}
	off, stopOff, err := start("telemetry-off", false)
	if err != nil {
		return 0, err
	}
	defer stopOff()
	on, stopOn, err := start("telemetry-on", true)
	if err != nil {
		return 0, err
	}
	defer stopOn()
	both := []target{off, on}
	if _, err := serial(ctx, both, payload, 200); err != nil { // warm up
		return 0, err
	}
	lat, err := serial(ctx, both, payload, n)
	if err != nil {
		return 0, err
	}
	offRPS, _, err := throughput(ctx, off, payload, clients, d)
	if err != nil {
		return 0, err
	}
	onRPS, _, err := throughput(ctx, on, payload, clients, d)
	if err != nil {
		return 0, err
	}
	dropped, err := scrapeCounter(ctx, on.base+"/metrics", "lamina_log_export_dropped_total")
	if err != nil {
		return 0, err
	}
	stopOn() // flushes the last spans and log records to the sink
	fs, ns := summarize(lat[0]), summarize(lat[1])
	fmt.Fprintf(w, "Observability overhead: metrics + tracing (sampler %s) + log export vs all off (%d serial calls each, alternating; %d clients for %s each)\n", sampler, n, clients, d)
	fmt.Fprintf(w, "  %-22s %8s %8s %10s\n", "", "p50", "p99", "req/s")
	fmt.Fprintf(w, "  %-22s %6.0fµs %6.0fµs %10.0f\n", "all off", us(fs.P50), us(fs.P99), offRPS)
	fmt.Fprintf(w, "  %-22s %6.0fµs %6.0fµs %10.0f\n", "all on", us(ns.P50), us(ns.P99), onRPS)
	overhead := float64(ns.P50-fs.P50) / float64(fs.P50)
	fmt.Fprintf(w, "  %-22s %+7.1f%% %+7.1f%% %+9.1f%%\n", "on vs off", 100*overhead, 100*float64(ns.P99-fs.P99)/float64(fs.P99), 100*(onRPS-offRPS)/offRPS)
	fmt.Fprintf(w, "  the OTLP receiver got %d trace and %d log exports, %.1f MB; log lines dropped: %.0f\n\n",
		sink.traces.Load(), sink.logs.Load(), float64(sink.bytes.Load())/1e6, dropped)
	if sink.traces.Load() == 0 || sink.logs.Load() == 0 {
		return 0, fmt.Errorf("telemetry overhead: the receiver got no traces or no logs; the 'on' server exported nothing")
	}
	return overhead, nil
}

// scrapeCounter reads one unlabelled counter from a /metrics page.
func scrapeCounter(ctx context.Context, url, name string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	return 0, fmt.Errorf("%s: no %s", url, name)
}

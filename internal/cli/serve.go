package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/lamina-dev/lamina/internal/logs"
	"github.com/lamina-dev/lamina/internal/server"
)

func defaultDataDir() string {
	if d := os.Getenv("LAMINA_DATA"); d != "" {
		return d
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "lamina")
	}
	return ".lamina"
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", "[flags]", "Start lamina: the Lambda management and Invoke APIs on one listener,\nwith state kept in an embedded NATS JetStream under --data.")
	addr := fs.String("addr", envOr("LAMINA_ADDR", "127.0.0.1:9000"), "listen address (env LAMINA_ADDR)")
	data := fs.String("data", defaultDataDir(), "data directory (env LAMINA_DATA)")
	natsURL := fs.String("nats", os.Getenv("LAMINA_NATS_URL"), "use this NATS server instead of the embedded one (env LAMINA_NATS_URL)")
	region := fs.String("region", envOr("AWS_REGION", "us-east-1"), "region reported in ARNs and to functions")
	keepAlive := fs.Duration("keep-alive", 10*time.Minute, "how long an idle environment is kept until a function's history gives an adaptive keep-alive")
	scaleRate := fs.Int("scale-rate", 1000, "new environments each function version may start per 10 s (Lambda: 1000)")
	queueTimeout := fs.Duration("queue-timeout", 30*time.Second, "how long a request may wait for an environment before a 429")
	memBudget := fs.Int("memory-budget", defaultMemoryBudget(), "MB of function memory sizes all environments may add up to (default: 4x this machine's memory; 0: no bound)")
	echo := fs.Bool("echo-logs", true, "print function logs on stderr")
	logLines := fs.Int("log-max-lines", logs.DefaultMaxLines, "function log lines kept per function")
	logMB := fs.Int("log-max-mb", logs.DefaultMaxBytes>>20, "MB of function log text kept per function")
	logAge := fs.Duration("log-max-age", 24*time.Hour, "function log lines older than this are dropped (0: no age limit)")
	metricsOn := fs.Bool("metrics", true, "serve Prometheus metrics on /metrics")
	noCgroups := fs.Bool("no-cgroups", false, "enforce memory limits by sampling, without memory cgroups")
	logJSON := fs.Bool("log-json", false, "write platform logs as JSON")
	logLevel := fs.String("log-level", "info", "platform log level: debug, info, warn or error")
	retryDelay := fs.Duration("async-retry-delay", time.Minute, "wait before the first retry of a failed async event (Lambda: 1m)")
	deploys := kvFlag{}
	fs.Var(deploys, "deploy", "NAME=SOURCE: deploy a function once serving (repeatable; SOURCE as for 'lamina deploy')")
	if _, err := parseExact(fs, args, 0); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(e.stderr, "lamina serve: --log-level: %v\n", err)
		return ErrUsage
	}
	hopts := &slog.HandlerOptions{Level: level}
	var handler slog.Handler = slog.NewTextHandler(e.stderr, hopts)
	if *logJSON {
		handler = slog.NewJSONHandler(e.stderr, hopts)
	}
	cfg := server.Config{
		Addr: *addr, DataDir: *data, NatsURL: *natsURL, Region: *region, Logger: slog.New(handler), NoCgroups: *noCgroups,
		LogLines: *logLines, LogBytes: *logMB << 20, LogMaxAge: *logAge, NoMetrics: !*metricsOn,
	}
	cfg.Invoke.KeepAlive = *keepAlive
	cfg.Invoke.ScaleRate, cfg.Invoke.ScaleWindow = *scaleRate, 10*time.Second
	cfg.Invoke.QueueTimeout = *queueTimeout
	cfg.Invoke.MemoryBudgetMB = *memBudget
	cfg.Invoke.AsyncRetryDelay = *retryDelay
	if *echo {
		cfg.EchoLogs = e.stderr
	}
	srv := server.New(cfg)
	if err := srv.Start(ctx); err != nil {
		return err
	}
	endpoint := "http://" + srv.Addr()
	for name, src := range deploys {
		if err := deploy(ctx, e, endpoint, name, src, deployOptions{}); err != nil {
			fmt.Fprintf(e.stderr, "lamina: deploy %s: %v\n", name, err)
		} else {
			fmt.Fprintf(e.stderr, "lamina: deployed %s; try: curl -s -d '{}' %s/2015-03-31/functions/%s/invocations\n", name, endpoint, name)
		}
	}
	<-ctx.Done()
	stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return srv.Close(stop)
}

// defaultMemoryBudget overcommits the machine's memory four times: memory
// sizes are ceilings, and most functions use a fraction of theirs.
func defaultMemoryBudget() int {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			if err == nil {
				return 4 * kb / 1024
			}
		}
	}
	return 0
}

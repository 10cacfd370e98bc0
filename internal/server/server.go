// Package server wires lamina's components together: the store, the
// catalog, the execution host, the invoke service and the HTTP API, started
// in order and stopped in reverse.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/lamina-dev/lamina/internal/api"
	"github.com/lamina-dev/lamina/internal/catalog"
	"github.com/lamina-dev/lamina/internal/gateway"
	"github.com/lamina-dev/lamina/internal/invoke"
	"github.com/lamina-dev/lamina/internal/logexport"
	"github.com/lamina-dev/lamina/internal/logs"
	"github.com/lamina-dev/lamina/internal/sandbox"
	"github.com/lamina-dev/lamina/internal/store"
	"github.com/lamina-dev/lamina/internal/telemetry"
	"github.com/lamina-dev/lamina/internal/tracing"
)

// Config is everything `lamina serve` can set.
type Config struct {
	Addr      string // listen address, host:port
	DataDir   string
	NatsURL   string // external NATS; empty runs an embedded server
	Region    string
	AccountID string
	// LogLines, LogBytes and LogMaxAge bound the log kept per function
	// (logs package defaults for 0; no age bound for LogMaxAge 0).
	LogLines  int
	LogBytes  int
	LogMaxAge time.Duration
	// NoCgroups enforces memory limits by sampling even where memory
	// cgroups are available.
	NoCgroups bool
	// NoMetrics turns Prometheus metrics and /metrics off.
	NoMetrics bool
	// EchoLogs, when set, receives every function log line.
	EchoLogs io.Writer
	Logger   *slog.Logger
	Invoke   invoke.Config
}

// Server is a running lamina node.
type Server struct {
	cfg     Config
	store   *store.Store
	host    *sandbox.Host
	invoker *invoke.Service
	tracing *tracing.Provider
	logExp  *logexport.Exporter
	ln      net.Listener
	http    *http.Server
	served  chan struct{}
}

// New returns a server; nothing starts until Start.
func New(cfg Config) *Server {
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.AccountID == "" {
		cfg.AccountID = "000000000000"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return &Server{cfg: cfg, served: make(chan struct{})}
}

// Start opens the store, loads the catalog and begins serving. On failure
// everything already started is stopped again.
func (s *Server) Start(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			s.Close(context.WithoutCancel(ctx))
		}
	}()
	if err := os.MkdirAll(s.cfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	s.ln, err = net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", s.cfg.Addr, err)
	}
	s.store, err = store.Open(ctx, store.Options{Dir: s.cfg.DataDir, URL: s.cfg.NatsURL})
	if err != nil {
		return err
	}
	cat := catalog.New(s.store, nil)
	if err := cat.Load(ctx); err != nil {
		return err
	}
	s.tracing, err = tracing.New(ctx)
	if err != nil {
		return err
	}
	s.host = sandbox.NewHost(s.cfg.NoCgroups)
	if s.logExp, err = logexport.New(ctx, s.cfg.Logger); err != nil {
		return err
	}
	lopts := logs.Options{MaxLines: s.cfg.LogLines, MaxBytes: s.cfg.LogBytes, MaxAge: s.cfg.LogMaxAge, Echo: s.cfg.EchoLogs}
	if s.logExp != nil {
		lopts.Ship = s.logExp.Ship
	}
	logStore := logs.New(lopts)
	icfg := s.cfg.Invoke
	icfg.Region, icfg.AccountID, icfg.DataDir = s.cfg.Region, s.cfg.AccountID, s.cfg.DataDir
	icfg.Endpoint = "http://" + s.ln.Addr().String()
	icfg.SetDefaults()
	var metrics *telemetry.Metrics
	if !s.cfg.NoMetrics {
		metrics = telemetry.New()
	}
	icfg.Metrics = metrics
	if s.logExp != nil {
		metrics.Register(telemetry.DroppedLogLines(func() float64 { return float64(s.logExp.Dropped()) }))
	}
	icfg.Tracing = s.tracing
	s.invoker = invoke.New(icfg, cat, s.host, logStore, s.cfg.Logger)
	cat.OnChange(s.invoker.Refresh)
	if err := s.invoker.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	h := api.New(api.Config{
		Region: s.cfg.Region, AccountID: s.cfg.AccountID, AccountConcurrency: icfg.AccountConcurrency,
		Tracing: s.tracing,
	}, cat, s.invoker, logStore, s.cfg.Logger)
	gw := gateway.New(cat, s.invoker, s.tracing, s.cfg.Logger)
	router := gateway.NewRouter(gw, cat)
	// /metrics, then function URLs (by host or prefix), then lamina's own
	// APIs, then the HTTP routes, if there are any.
	var metricsHandler http.Handler
	if metrics != nil {
		metricsHandler = metrics.Handler()
	}
	top := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" && r.Method == http.MethodGet && metricsHandler != nil {
			metricsHandler.ServeHTTP(w, r)
			return
		}
		if id, path, ok := gateway.Target(r); ok {
			gw.ServeURL(w, r, id, path)
			return
		}
		if !catalog.IsReservedPath(r.URL.Path) && router.Active() {
			router.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
	s.http = &http.Server{Handler: top, ReadHeaderTimeout: 30 * time.Second}
	go func() {
		defer close(s.served)
		if err := s.http.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.cfg.Logger.Error("serve", "err", err)
		}
	}()
	s.cfg.Logger.Info("lamina serving", "addr", s.Addr(), "data", s.cfg.DataDir,
		"functions", len(cat.List()), "memory_limits", s.host.MemoryEnforcement(), "tracing", s.tracing.String(), "log_export", s.logExp.String())
	return nil
}

// Addr is the address the API listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops serving (waiting for requests in flight until ctx ends),
// then stops every environment and the store.
func (s *Server) Close(ctx context.Context) error {
	var errs []error
	if s.http != nil {
		if err := s.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("shutdown http: %w", err))
			s.http.Close()
		}
		<-s.served
	} else if s.ln != nil {
		s.ln.Close()
	}
	if s.invoker != nil {
		errs = append(errs, s.invoker.Close())
	}
	if s.host != nil {
		s.host.Close()
	}
	// After the invoker, so the last invocations' spans and lines are
	// exported. A receiver that is gone loses them, but lamina stopped well.
	if err := s.tracing.Shutdown(ctx); err != nil {
		s.cfg.Logger.Warn("flush traces", "err", err)
	}
	if err := s.logExp.Shutdown(ctx); err != nil {
		s.cfg.Logger.Warn("flush function logs", "err", err)
	}
	if s.store != nil {
		errs = append(errs, s.store.Close())
	}
	return errors.Join(errs...)
}

// The concrete components satisfy the interfaces their consumers define.
var (
	_ catalog.Store   = (*store.Store)(nil)
	_ invoke.Catalog  = (*catalog.Catalog)(nil)
	_ api.Catalog     = (*catalog.Catalog)(nil)
	_ api.Invoker     = (*invoke.Service)(nil)
	_ api.Logs        = (*logs.Store)(nil)
	_ gateway.URLs    = (*catalog.Catalog)(nil)
	_ gateway.Invoker = (*invoke.Service)(nil)
	_ gateway.Routes  = (*catalog.Catalog)(nil)
)

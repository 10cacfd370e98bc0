// Package invoke runs invocations: it resolves the function, admits the
// request under the concurrency limits, takes an execution environment
// from the function's pool (starting one when none is free), runs the
// event and writes Lambda's START/END/REPORT log lines.
//
// Concurrency: Service.mu guards the map of pools only; each pool guards
// its own bookkeeping. The synchronous path holds no lock while it waits on
// an environment, and touches neither disk nor the store once the
// function's code is unpacked.
package invoke

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lamina-dev/lamina/internal/catalog"
	"github.com/lamina-dev/lamina/internal/codecache"
	"github.com/lamina-dev/lamina/internal/logs"
	"github.com/lamina-dev/lamina/internal/pool"
	"github.com/lamina-dev/lamina/internal/sandbox"
	"github.com/lamina-dev/lamina/internal/scale"
	"github.com/lamina-dev/lamina/internal/telemetry"
	"github.com/lamina-dev/lamina/internal/tracing"
)

// Catalog is where the service reads functions and their code.
type Catalog interface {
	List() []catalog.Function
	Version(name, version string) (catalog.Function, bool)
	Resolve(name, qualifier string) (catalog.Function, *catalog.Alias, bool)
	ProvisionedConfigs(name string) []catalog.Provisioned
	Code(ctx context.Context, key string) ([]byte, error)
}

// Config tunes the service.
type Config struct {
	Region    string
	AccountID string
	DataDir   string
	// Endpoint is lamina's own URL, given to functions as
	// AWS_ENDPOINT_URL_LAMBDA so their SDK calls reach lamina.
	Endpoint string
	// KeepAlive is how long an idle environment is kept while a function
	// has too little history for its adaptive keep-alive.
	KeepAlive time.Duration
	// ScaleRate is how many new environments a function version may start
	// per ScaleWindow (Lambda: 1,000 per 10 s).
	ScaleRate   int
	ScaleWindow time.Duration
	// Tick is how often pools apply their policy.
	Tick time.Duration
	// Metrics receives the service's metrics; nil records none.
	Metrics *telemetry.Metrics
	// Tracing records invocation spans; nil records none.
	Tracing *tracing.Provider
	// MemoryBudgetMB bounds the memory sizes of all environments on this
	// node together; 0 means no bound. Idle environments are evicted to
	// make room; past that, new environments are refused with 429.
	MemoryBudgetMB int
	// AccountConcurrency bounds concurrent executions on this node;
	// reserved concurrency is carved out of it.
	AccountConcurrency int
	// MaxQueued bounds the requests of one function that wait for an
	// environment; QueueTimeout bounds how long each waits.
	MaxQueued    int
	QueueTimeout time.Duration
	// InitTimeout bounds a runtime's initialisation (Lambda: 10 s).
	InitTimeout time.Duration
	// ShutdownGrace is what a runtime with extensions gets after SIGTERM.
	ShutdownGrace time.Duration
	// AsyncRetryDelay is the wait before the first retry of a failed
	// event; the second waits twice as long (Lambda: 1 and 2 minutes).
	AsyncRetryDelay time.Duration
	// AsyncWorkers run queued events; AsyncQueue bounds the queue's
	// events and AsyncQueueBytes the payload bytes of all accepted events
	// not yet finished.
	AsyncWorkers    int
	AsyncQueue      int
	AsyncQueueBytes int64
}

// SetDefaults fills unset fields with their defaults.
func (c *Config) SetDefaults() {
	if c.KeepAlive == 0 {
		c.KeepAlive = 10 * time.Minute
	}
	if c.ScaleRate == 0 {
		c.ScaleRate, c.ScaleWindow = 1000, 10*time.Second
	}
	if c.Tick == 0 {
		c.Tick = 10 * time.Millisecond
	}
	if c.AccountConcurrency == 0 {
		c.AccountConcurrency = 1000
	}
	if c.MaxQueued == 0 {
		c.MaxQueued = 1000
	}
	if c.QueueTimeout == 0 {
		c.QueueTimeout = 30 * time.Second
	}
	if c.InitTimeout == 0 {
		c.InitTimeout = 10 * time.Second
	}
	if c.ShutdownGrace == 0 {
		c.ShutdownGrace = 500 * time.Millisecond
	}
	if c.AsyncRetryDelay == 0 {
		c.AsyncRetryDelay = time.Minute
	}
	if c.AsyncWorkers == 0 {
		c.AsyncWorkers = 8
	}
	if c.AsyncQueue == 0 {
		c.AsyncQueue = 10000
	}
	if c.AsyncQueueBytes == 0 {
		c.AsyncQueueBytes = 256 << 20
	}
}

// Service runs invocations.
type Service struct {
	cfg     Config
	catalog Catalog
	codes   *codecache.Cache
	host    *sandbox.Host
	logs    *logs.Store
	log     *slog.Logger
	metrics *telemetry.Metrics
	// traced maps the request id of each traced invocation running to its
	// run span's context, for its log lines.
	traced sync.Map

	mu     sync.RWMutex // guards pools and counts
	pools  map[poolKey]*fnPool
	counts map[string]*atomic.Int64 // executions in flight per function with reserved concurrency

	unreserved atomic.Int64 // executions in flight without reserved concurrency
	memUsed    atomic.Int64 // MB of the memory budget booked by environments
	reserved   atomic.Int64 // sum of reserved concurrency, kept by refresh
	envSeq     atomic.Uint64

	async  *asyncQueue
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// poolKey names one version of a function: warm environments are per
// version.
type poolKey struct{ name, version string }

// fnPool is the pool of one function version, with the configuration its
// environments were started from.
type fnPool struct {
	m    *telemetry.Function
	fn   atomic.Pointer[catalog.Function]
	key  string // what a change must differ in to need new environments
	pool *pool.Pool[*env]
}

// New returns a service; Start begins its background work.
func New(cfg Config, cat Catalog, host *sandbox.Host, logStore *logs.Store, log *slog.Logger) *Service {
	cfg.SetDefaults()
	s := &Service{
		cfg:     cfg,
		catalog: cat,
		codes:   codecache.New(filepath.Join(cfg.DataDir, "code"), codecache.DefaultLimits),
		host:    host,
		logs:    logStore,
		log:     log,
		pools:   map[poolKey]*fnPool{},
		counts:  map[string]*atomic.Int64{},
	}
	s.metrics = s.cfg.Metrics
	s.async = newAsyncQueue(s, cfg)
	s.async.metrics = s.metrics.Async(func() int { return len(s.async.queue) })
	s.metrics.Register(telemetry.EnvCollector(s.envCounts))
	return s
}

// envCounts reports every pool's environments, for the metrics.
func (s *Service) envCounts() []telemetry.EnvCount {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]telemetry.EnvCount, 0, len(s.pools))
	for key, p := range s.pools {
		st := p.pool.Stats()
		out = append(out, telemetry.EnvCount{
			Function: key.name, Version: p.fn.Load().VersionName(),
			Idle: st.Idle, Busy: st.Total - st.Idle - st.Starting, Starting: st.Starting, Provisioned: st.Provisioned,
		})
	}
	return out
}

// Start runs the idle reaper and the async workers until Close.
func (s *Service) Start(ctx context.Context) error {
	s.mu.Lock()
	s.recountReservedLocked()
	s.mu.Unlock()
	for _, fn := range s.catalog.List() {
		s.applyProvisioned(fn.Name)
	}
	ctx, s.cancel = context.WithCancel(ctx)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.tickLoop(ctx)
	}()
	s.async.start(ctx, &s.wg)
	return nil
}

// Close stops background work and every environment.
func (s *Service) Close() error {
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
	s.async.stopTimers()
	s.mu.Lock()
	pools := s.pools
	s.pools = map[poolKey]*fnPool{}
	s.mu.Unlock()
	for _, p := range pools {
		p.pool.Close()
	}
	return nil
}

// tickLoop lets every pool apply its policy: start queued requests as the
// scaling rate refills, stop idle environments past their keep-alive,
// start environments ahead of traffic.
func (s *Service) tickLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.Tick)
	defer t.Stop()
	var pools []*fnPool
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			s.mu.RLock()
			pools = pools[:0]
			for _, p := range s.pools {
				pools = append(pools, p)
			}
			s.mu.RUnlock()
			for _, p := range pools {
				p.pool.Tick(now)
			}
		}
	}
}

// Refresh brings the pools of a function's versions in line with the
// catalog after a change: new environments when the code or settings
// they run with changed ($LATEST only: versions are immutable), new
// limits otherwise, nothing left of a version or function that is gone.
func (s *Service) Refresh(name string) {
	var stale []*fnPool
	s.mu.Lock()
	for key, old := range s.pools {
		if key.name != name {
			continue
		}
		fn, ok := s.catalog.Version(name, key.version)
		switch {
		case !ok:
			delete(s.pools, key)
			stale = append(stale, old)
		case old.key == envKey(&fn):
			old.fn.Store(&fn)
			maxEnvs, wait := s.limits(&fn)
			old.pool.SetLimits(maxEnvs, wait)
		default:
			s.pools[key] = s.newPoolLocked(&fn)
			stale = append(stale, old)
		}
	}
	_, exists := s.catalog.Version(name, "")
	if !exists {
		delete(s.counts, name)
	}
	s.recountReservedLocked()
	s.mu.Unlock()
	for _, p := range stale {
		p.pool.Close()
	}
	if !exists {
		s.logs.Drop(name)
		s.metrics.Forget(name)
		return
	}
	s.applyProvisioned(name)
}

// applyProvisioned sets each version's provisioned concurrency from the
// catalog: a config on an alias applies to the version it points to.
func (s *Service) applyProvisioned(name string) {
	want := map[string]int{}
	for _, pc := range s.catalog.ProvisionedConfigs(name) {
		if fn, _, ok := s.catalog.Resolve(name, pc.Qualifier); ok {
			want[fn.Version] += pc.Requested
			s.poolFor(&fn) // provisioned environments come before traffic
		}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for key, p := range s.pools {
		if key.name == name {
			p.pool.SetProvisioned(want[key.version])
		}
	}
}

// ProvisionedReady reports how many environments of a version are
// initialised and not starting: its allocated provisioned concurrency.
func (s *Service) ProvisionedReady(name, version string) int {
	s.mu.RLock()
	p := s.pools[poolKey{name, version}]
	s.mu.RUnlock()
	if p == nil {
		return 0
	}
	st := p.pool.Stats()
	return st.Total - st.Starting
}

func (s *Service) recountReservedLocked() {
	var sum int64
	for _, fn := range s.catalog.List() {
		if r := fn.ReservedConcurrency; r != nil {
			sum += int64(*r)
		}
	}
	s.reserved.Store(sum)
}

// inflight counts the executions of a function with reserved concurrency.
func (s *Service) inflight(name string) *atomic.Int64 {
	s.mu.RLock()
	n := s.counts[name]
	s.mu.RUnlock()
	if n != nil {
		return n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if n = s.counts[name]; n == nil {
		n = new(atomic.Int64)
		s.counts[name] = n
	}
	return n
}

// poolFor returns the pool of fn's version, making it on first use.
func (s *Service) poolFor(fn *catalog.Function) *fnPool {
	key := poolKey{fn.Name, fn.Version}
	s.mu.RLock()
	p := s.pools[key]
	s.mu.RUnlock()
	if p != nil {
		return p
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p = s.pools[key]; p == nil {
		p = s.newPoolLocked(fn)
		s.pools[key] = p
	}
	return p
}

func (s *Service) newPoolLocked(fn *catalog.Function) *fnPool {
	p := &fnPool{key: envKey(fn), m: s.metrics.Function(fn.Name, fn.VersionName())}
	f := *fn
	p.fn.Store(&f)
	maxEnvs, wait := s.limits(fn)
	policy := scale.DefaultConfig
	policy.DefaultKeepAlive = s.cfg.KeepAlive
	p.pool = pool.New(pool.Config{
		MaxEnvs: maxEnvs, Wait: wait, MaxWaiters: s.cfg.MaxQueued, MaxWait: s.cfg.QueueTimeout,
		ScaleRate: s.cfg.ScaleRate, ScaleWindow: s.cfg.ScaleWindow, Policy: policy,
	}, func(ctx context.Context, provisioned bool) (*env, error) {
		e, err := s.startEnv(ctx, p.fn.Load(), provisioned)
		if err == nil {
			e.metrics = p.m
			p.m.EnvStarted(initType(provisioned))
		}
		return e, err
	})
	return p
}

// limits returns a function's environment bound and whether requests over
// it may wait: reserved concurrency is a hard cap answered with 429 at
// once, as in Lambda; otherwise requests queue for a free environment.
func (s *Service) limits(fn *catalog.Function) (int, bool) {
	if fn.ReservedConcurrency != nil {
		return *fn.ReservedConcurrency, false
	}
	return s.cfg.AccountConcurrency, true
}

// envKey lists what environments are started from: a change to any of it
// needs new environments.
func envKey(fn *catalog.Function) string {
	return fmt.Sprintf("%s|%s|%s|%d|%d|%v|%v", fn.CodeKey, fn.Runtime, fn.Handler, fn.MemorySize, fn.EphemeralStorage, fn.Environment, fn.Logging)
}

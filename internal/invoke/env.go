package invoke

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lamina-dev/lamina/internal/catalog"
	"github.com/lamina-dev/lamina/internal/pool"
	"github.com/lamina-dev/lamina/internal/runtimeapi"
	"github.com/lamina-dev/lamina/internal/sandbox"
	"github.com/lamina-dev/lamina/internal/telemetry"
)

// env is a started, initialised execution environment.
type env struct {
	*sandbox.Env
	grace    time.Duration
	initTime time.Duration // reported once, on the environment's first invocation
	started  time.Time     // when its start began
	log      *slog.Logger
	release  func() // gives back its memory budget, once
	metrics  *telemetry.Function
}

func (e *env) Stop(reason string) {
	e.Env.Stop(reason, e.grace)
	e.release()
	if e.metrics != nil {
		e.metrics.EnvStopped(reason)
	}
	e.log.Debug("environment stopped", "env", e.ID(), "reason", reason)
}

// initError is a failed initialisation: the caller answers the invocation
// with the function error, as Lambda does.
type initError struct {
	fe       *runtimeapi.FunctionError
	initTime time.Duration
}

func (e *initError) Error() string { return "init failed: " + e.fe.Error() }

// startEnv makes a ready environment for fn: unpacks the code if needed,
// starts the runtime and waits for its first /next.
func (s *Service) startEnv(ctx context.Context, fn *catalog.Function, provisioned bool) (e *env, err error) {
	begin := time.Now()
	if err := s.reserveMemory(fn.MemorySize); err != nil {
		return nil, err
	}
	release := sync.OnceFunc(func() { s.releaseMemory(fn.MemorySize) })
	defer func() {
		if err != nil {
			release()
		}
	}()
	codeDir, err := s.codes.Dir(ctx, fn.CodeKey, func(ctx context.Context) ([]byte, error) {
		return s.catalog.Code(ctx, fn.CodeKey)
	})
	if err != nil {
		return nil, &initError{fe: &runtimeapi.FunctionError{Type: "Runtime.InvalidEntrypoint", Message: "unpack code: " + err.Error()}}
	}
	id := fmt.Sprintf("%s-%s-%d", fn.Name, strings.TrimPrefix(fn.VersionName(), "$"), s.envSeq.Add(1))
	tmp := filepath.Join(s.cfg.DataDir, "tmp", id)
	se, err := s.host.Start(sandbox.Spec{
		ID:              id,
		FunctionName:    fn.Name,
		FunctionVersion: fn.VersionName(),
		Handler:         fn.Handler,
		MemoryMB:        fn.MemorySize,
		CodeDir:         codeDir,
		TmpDir:          tmp,
		Env:             s.processEnv(fn, codeDir, tmp, provisioned),
		Log:             s.appLog(fn),
	})
	if err != nil {
		return nil, &initError{fe: &runtimeapi.FunctionError{Type: "Runtime.InvalidEntrypoint", Message: err.Error()}}
	}
	e = &env{Env: se, started: begin, grace: s.cfg.ShutdownGrace, log: s.log.With("function", fn.Name), release: release}
	ictx, cancel := context.WithTimeout(ctx, s.cfg.InitTimeout)
	defer cancel()
	if err := se.WaitReady(ictx); err != nil {
		e.Stop("failure")
		if fe, ok := err.(*runtimeapi.FunctionError); ok {
			return nil, &initError{fe: fe, initTime: time.Since(begin)}
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &initError{fe: &runtimeapi.FunctionError{
			Type:    "Runtime.InitTimeout",
			Message: fmt.Sprintf("Init phase timed out after %.2f seconds", s.cfg.InitTimeout.Seconds()),
		}, initTime: time.Since(begin)}
	}
	e.initTime = time.Since(begin)
	e.log.Debug("environment started", "env", id, "init", e.initTime)
	return e, nil
}

// processEnv builds the runtime's environment: the function's variables,
// then Lambda's reserved ones, which win.
// initType is AWS_LAMBDA_INITIALIZATION_TYPE.
func initType(provisioned bool) string {
	if provisioned {
		return "provisioned-concurrency"
	}
	return "on-demand"
}

func (s *Service) processEnv(fn *catalog.Function, codeDir, tmp string, provisioned bool) []string {
	out := make([]string, 0, len(fn.Environment)+24)
	for k, v := range fn.Environment {
		out = append(out, k+"="+v)
	}
	var stream [16]byte
	rand.Read(stream[:])
	now := time.Now().UTC()
	out = append(out,
		"_HANDLER="+fn.Handler,
		"AWS_LAMBDA_FUNCTION_NAME="+fn.Name,
		"AWS_LAMBDA_FUNCTION_VERSION="+fn.VersionName(),
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE="+strconv.Itoa(fn.MemorySize),
		"AWS_LAMBDA_LOG_GROUP_NAME="+fn.Logging.Group(fn.Name),
		"AWS_LAMBDA_LOG_STREAM_NAME="+now.Format("2006/01/02")+"/["+fn.VersionName()+"]"+hex.EncodeToString(stream[:]),
		"AWS_LAMBDA_INITIALIZATION_TYPE="+initType(provisioned),
		"AWS_REGION="+s.cfg.Region,
		"AWS_DEFAULT_REGION="+s.cfg.Region,
		"LAMBDA_TASK_ROOT="+codeDir,
		"LAMBDA_RUNTIME_DIR=/var/runtime",
		"TZ=:UTC",
		"LANG=en_US.UTF-8",
		"PATH=/usr/local/bin:/usr/bin/:/bin:/opt/bin",
		"LD_LIBRARY_PATH=/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib",
		"TMPDIR="+tmp,
	)
	if app, _ := fn.Logging.Levels(); app != "" {
		// What managed runtimes read to format and filter their logging.
		out = append(out, "AWS_LAMBDA_LOG_FORMAT=JSON", "AWS_LAMBDA_LOG_LEVEL="+app)
	}
	out = append(out, credentials()...)
	if _, set := fn.Environment["AWS_ENDPOINT_URL_LAMBDA"]; !set && s.cfg.Endpoint != "" {
		out = append(out, "AWS_ENDPOINT_URL_LAMBDA="+s.cfg.Endpoint)
	}
	return out
}

// credentials hands the platform's own AWS credentials to functions, as
// Lambda hands over the execution role's; without any, fixed local keys
// let SDK clients sign requests to lamina.
func credentials() []string {
	id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" || secret == "" {
		return []string{"AWS_ACCESS_KEY_ID=lamina", "AWS_SECRET_ACCESS_KEY=lamina"}
	}
	out := []string{"AWS_ACCESS_KEY_ID=" + id, "AWS_SECRET_ACCESS_KEY=" + secret}
	if tok := os.Getenv("AWS_SESSION_TOKEN"); tok != "" {
		out = append(out, "AWS_SESSION_TOKEN="+tok)
	}
	return out
}

var _ pool.Env = (*env)(nil)

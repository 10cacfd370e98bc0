package sandbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/lamina-dev/lamina/internal/runtimeapi"
)

// Spec describes one execution environment to start.
type Spec struct {
	ID              string // unique; names the cgroup and temp dir
	FunctionName    string
	FunctionVersion string
	Handler         string
	MemoryMB        int
	CodeDir         string
	TmpDir          string   // the environment's TMPDIR, created if missing
	Env             []string // full process environment, built by the caller
	// Log receives each line the process writes, with the request it
	// belongs to ("" during init). It must not keep line.
	Log func(requestID string, line []byte)
}

// Env is one execution environment: a runtime process and the Runtime API
// endpoint it polls.
type Env struct {
	spec    Spec
	api     *runtimeapi.Server
	cmd     *exec.Cmd
	out     *output
	mem     memoryLimit
	exited  chan struct{}
	exitErr error // set before exited closes

	stopOnce sync.Once

	peakMB   int       // cached MaxMemoryUsedMB
	peakRead time.Time // when peakMB was read
}

// Errors about the environment itself rather than the function.
var (
	// ErrNoBootstrap: the package has no runnable bootstrap.
	ErrNoBootstrap = errors.New("no bootstrap")
)

// Start launches the runtime process for spec. The environment is ready
// once WaitReady returns nil.
func (h *Host) Start(spec Spec) (*Env, error) {
	bootstrap, err := findBootstrap(spec.CodeDir)
	if err != nil {
		return nil, err
	}
	api := runtimeapi.New(runtimeapi.Config{
		FunctionName: spec.FunctionName, FunctionVersion: spec.FunctionVersion, Handler: spec.Handler,
	})
	if err := api.Start(); err != nil {
		return nil, err
	}
	if spec.TmpDir != "" {
		if err := os.MkdirAll(spec.TmpDir, 0o700); err != nil {
			api.Close()
			return nil, fmt.Errorf("create tmp dir: %w", err)
		}
	}
	e := &Env{spec: spec, api: api, exited: make(chan struct{})}
	limit := int64(spec.MemoryMB) << 20
	if h.cgroupParent != "" {
		h.keeper.starting(time.Now())
		if cg, err := newCgroupLimit(h.cgroupParent, spec.ID, limit); err == nil {
			e.mem = cg
		}
	}
	if e.mem == nil {
		e.mem = newWatchdog(limit)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		e.mem.release()
		api.Close()
		return nil, fmt.Errorf("create output pipe: %w", err)
	}
	cmd := exec.Command(bootstrap)
	cmd.Dir = spec.CodeDir
	cmd.Env = append(spec.Env, "AWS_LAMBDA_RUNTIME_API="+api.Addr())
	cmd.Stdout = pw
	cmd.Stderr = pw
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		pw.Close()
		pr.Close()
		e.mem.release()
		api.Close()
		return nil, fmt.Errorf("%w: %v", ErrNoBootstrap, err)
	}
	pw.Close()
	e.cmd = cmd
	e.out = newOutput(pr, spec.Log)
	if err := e.mem.attach(cmd.Process.Pid); err != nil {
		// The kernel refused the group; fall back to sampling.
		e.mem.release()
		e.mem = newWatchdog(limit)
		e.mem.attach(cmd.Process.Pid)
	}
	go e.wait()
	return e, nil
}

// outputGrace is how long output is read after the runtime exits. A child
// that left the process group may hold the pipe open forever; it must not
// hold the environment with it.
const outputGrace = time.Second

func (e *Env) wait() {
	err := e.cmd.Wait()
	select {
	case <-e.out.done:
	case <-time.After(outputGrace):
		e.out.r.Close() // ends the reader
		<-e.out.done
	}
	e.exitErr = err
	e.api.Abort()
	close(e.exited)
}

// findBootstrap looks where Lambda's custom runtimes do: the package's
// bootstrap first.
func findBootstrap(codeDir string) (string, error) {
	p := filepath.Join(codeDir, "bootstrap")
	fi, err := os.Stat(p)
	if err != nil {
		return "", fmt.Errorf("%w: %s has no bootstrap file", ErrNoBootstrap, filepath.Base(codeDir))
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return "", fmt.Errorf("%w: bootstrap is not an executable file", ErrNoBootstrap)
	}
	return p, nil
}

// ID returns the environment's id.
func (e *Env) ID() string { return e.spec.ID }

// Exited is closed once the runtime process is gone.
func (e *Env) Exited() <-chan struct{} { return e.exited }

// WaitReady waits until the runtime asks for its first invocation. An init
// failure is returned as a *runtimeapi.FunctionError.
func (e *Env) WaitReady(ctx context.Context) error {
	select {
	case <-e.api.Ready():
		return nil
	case <-e.exited:
		e.out.sync()
		if fe := e.api.InitError(); fe != nil {
			return fe
		}
		return &runtimeapi.FunctionError{Type: "Runtime.ExitError", Message: "Runtime exited with error: " + exitText(e.exitErr)}
	case <-ctx.Done():
		if fe := e.api.InitError(); fe != nil {
			return fe
		}
		return ctx.Err()
	}
}

// Invoke runs one invocation. It returns the runtime's outcome, or an
// error when the environment failed: runtimeapi.ErrNotDelivered (safe to
// retry elsewhere), a *runtimeapi.FunctionError for a crash, or ctx's error
// on timeout. After an error the environment must be stopped.
func (e *Env) Invoke(ctx context.Context, inv *runtimeapi.Invocation) (runtimeapi.Outcome, error) {
	e.out.setRequest(inv.RequestID)
	out, err := e.api.Run(ctx, inv)
	if errors.Is(err, runtimeapi.ErrClosed) {
		<-e.exited
		err = &runtimeapi.FunctionError{
			Type:    "Runtime.ExitError",
			Message: fmt.Sprintf("RequestId: %s Error: Runtime exited with error: %s", inv.RequestID, exitText(e.exitErr)),
		}
	}
	return out, err
}

// Finish ends an invocation's log capture: every line the function wrote
// is in the log before this returns.
func (e *Env) Finish() {
	e.out.sync()
	e.out.setRequest("")
}

// peakRefresh bounds how often the peak is read from the kernel: reading
// it costs file system calls, too many to pay on every warm invocation.
const peakRefresh = 50 * time.Millisecond

// MaxMemoryUsedMB is the environment's peak memory so far, as read at
// most peakRefresh ago. Only the invocation holding the environment calls
// it, so the cache needs no lock.
func (e *Env) MaxMemoryUsedMB() int {
	if now := time.Now(); now.Sub(e.peakRead) >= peakRefresh {
		e.peakMB = int((e.mem.peakBytes() + (1<<20 - 1)) >> 20)
		e.peakRead = now
	}
	return e.peakMB
}

// Stop ends the environment. With extensions registered the runtime gets a
// SHUTDOWN event and SIGTERM, and grace to exit, before SIGKILL.
func (e *Env) Stop(reason string, grace time.Duration) {
	e.stopOnce.Do(func() {
		if e.api.HasExtensions() && grace > 0 {
			e.api.Shutdown(reason, time.Now().Add(grace))
			syscall.Kill(-e.cmd.Process.Pid, syscall.SIGTERM)
			select {
			case <-e.exited:
			case <-time.After(grace):
			}
		}
		syscall.Kill(-e.cmd.Process.Pid, syscall.SIGKILL)
		<-e.exited
		e.api.Close()
		e.mem.release()
		if e.spec.TmpDir != "" {
			os.RemoveAll(e.spec.TmpDir)
		}
	})
}

func exitText(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return "signal: " + ws.Signal().String()
		}
		return "exit status " + strconv.Itoa(ee.ExitCode())
	}
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

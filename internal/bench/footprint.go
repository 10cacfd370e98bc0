package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// footprint measures lamina's memory as its own process: resident memory
// idle with no function, with 100 deployed functions, and per idle warm
// environment (the function processes' own resident memory).
func footprint(ctx context.Context, w io.Writer, dir string, zipFile []byte) (idleMB float64, err error) {
	bin := filepath.Join(dir, "lamina")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/lamina-dev/lamina/cmd/lamina")
	if out, err := build.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("build lamina: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.CommandContext(ctx, bin, "serve", "--addr", addr, "--data", filepath.Join(dir, "footprint"), "--echo-logs=false")
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}()
	endpoint := "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if resp, err := http.Get(endpoint + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("lamina at %s did not come up", addr)
		}
	}
	settle := func() { time.Sleep(2 * time.Second) } // let the runtime return what start-up used
	settle()
	empty := rssMB(cmd.Process.Pid)

	c := lambda.New(lambda.Options{BaseEndpoint: aws.String(endpoint), Region: "us-east-1", Credentials: aws.AnonymousCredentials{}})
	const fns, warm = 100, 20
	for i := range fns {
		if err := create(ctx, c, fmt.Sprintf("fp-%03d", i), "bootstrap", zipFile); err != nil {
			return 0, err
		}
	}
	settle()
	deployed := rssMB(cmd.Process.Pid)

	t := target{name: "footprint", client: newClient(1)}
	for i := range warm {
		t.url = fmt.Sprintf("%s/2015-03-31/functions/fp-%03d/invocations", endpoint, i)
		if err := t.call(ctx, []byte(`{"name":"fp","values":[1]}`)); err != nil {
			return 0, err
		}
	}
	settle()
	var envTotal float64
	kids := children(cmd.Process.Pid)
	for _, pid := range kids {
		envTotal += rssMB(pid)
	}
	perEnv := envTotal / float64(max(len(kids), 1))

	fmt.Fprintf(w, "Idle footprint (lamina as its own process)\n")
	fmt.Fprintf(w, "  platform RSS, no functions          %6.1f MB\n", empty)
	fmt.Fprintf(w, "  platform RSS, %d functions deployed %6.1f MB\n", fns, deployed)
	fmt.Fprintf(w, "  RSS per idle warm environment       %6.1f MB (%d environments)\n\n", perEnv, len(kids))
	return empty, nil
}

// rssMB reads a process's resident set size.
func rssMB(pid int) float64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

// children lists a process's child processes.
func children(pid int) []int {
	var out []int
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	for _, t := range tasks {
		data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, t.Name()))
		for _, f := range strings.Fields(string(data)) {
			if n, err := strconv.Atoi(f); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}

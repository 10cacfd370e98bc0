// Command lamina-bench measures lamina against a raw Go HTTP server in the
// same run. Run it from the repository: go run ./cmd/lamina-bench
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"time"

	"github.com/lamina-dev/lamina/internal/bench"
)

func main() {
	var o bench.Options
	flag.IntVar(&o.Serial, "serial", 5000, "serial warm calls per side")
	flag.IntVar(&o.Clients, "clients", 16, "concurrent clients for the throughput run")
	flag.DurationVar(&o.Duration, "duration", 5*time.Second, "length of each throughput run")
	flag.IntVar(&o.Cold, "cold", 50, "fresh functions to cold-start")
	flag.BoolVar(&o.NoCgroups, "no-cgroups", false, "enforce memory limits with the watchdog, not cgroups")
	flag.StringVar(&o.Endpoint, "endpoint", "", "benchmark the lamina running at this URL instead of one in this process")
	flag.StringVar(&o.TraceSampler, "trace-sampler", "always_on", "OTEL_TRACES_SAMPLER of the observability run (e.g. parentbased_traceidratio, with OTEL_TRACES_SAMPLER_ARG)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run (lamina and load) here")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "lamina-bench:", err)
			os.Exit(1)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := bench.Run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "lamina-bench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

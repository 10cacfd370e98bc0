package bench

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/lamina-dev/lamina/internal/scale"
)

// The trace replay compares lamina's adaptive keep-alive with a fixed
// 10-minute one on a synthetic day of many functions, generated from a
// seed and shaped after the public Azure Functions trace statistics
// (Shahrad et al., ATC 2020): popularity spanning orders of magnitude,
// most functions invoked less than once a minute, about a third driven by
// timers, bursty arrivals for the rest.

// workload is one function's invocations: start times and durations.
type workload struct {
	kind     string
	arrivals []time.Duration
	runs     []time.Duration
}

const replayDay = 24 * time.Hour

// syntheticTrace generates n functions' invocations over a day.
func syntheticTrace(seed uint64, n int) []workload {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	timers := []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour}
	out := make([]workload, n)
	for i := range out {
		w := &out[i]
		switch r := rng.Float64(); {
		case r < 0.3: // timer trigger
			w.kind = "timer"
			period := timers[rng.IntN(len(timers))]
			for t := time.Duration(rng.Int64N(int64(period))); t < replayDay; t += period {
				w.arrivals = append(w.arrivals, t)
			}
		case r < 0.8: // Poisson, rate log-uniform from 1/day to 1/s
			w.kind = "poisson"
			rate := math.Pow(10, -math.Log10(86400)*rng.Float64()) // per second
			for t := time.Duration(0); ; {
				t += time.Duration(rng.ExpFloat64() / rate * float64(time.Second))
				if t >= replayDay {
					break
				}
				w.arrivals = append(w.arrivals, t)
			}
		default: // bursts: quiet hours, then a few minutes of traffic
			w.kind = "bursty"
			for t := time.Duration(0); ; {
				t += time.Duration(rng.ExpFloat64() * float64(3*time.Hour))
				if t >= replayDay {
					break
				}
				for j, k := time.Duration(0), 5+rng.IntN(200); k > 0 && t+j < replayDay; k-- {
					w.arrivals = append(w.arrivals, t+j)
					j += time.Duration(rng.ExpFloat64() * float64(2*time.Second))
				}
			}
		}
		slices.Sort(w.arrivals)
		for range w.arrivals {
			// Durations log-normal around 300 ms.
			w.runs = append(w.runs, time.Duration(math.Exp(rng.NormFloat64()*0.8)*0.3*float64(time.Second)))
		}
	}
	return out
}

// replayResult is what one keep-alive policy cost on the trace.
type replayResult struct {
	invocations, cold int
	envTime           time.Duration // time environments were kept, busy or idle
}

// replay runs w against a keep-alive policy. windows gives the pre-warm
// and keep-alive windows after each idle start, as the policy's Decide
// applies them: nothing kept for the pre-warm window, then one
// environment for the keep-alive window. Invocations that arrive while
// one runs share warm capacity in both policies and are not counted.
func replay(w workload, windows func(p *scale.Policy) (time.Duration, time.Duration)) replayResult {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := scale.NewPolicy(scale.DefaultConfig)
	var res replayResult
	busyUntil := time.Duration(-1)
	havePrev := false
	var pw, ka time.Duration
	for i, t := range w.arrivals {
		if havePrev && t < busyUntil {
			continue
		}
		res.invocations++
		if !havePrev {
			res.cold++
		} else {
			idle := t - busyUntil
			switch {
			case idle >= pw && idle < pw+ka:
				res.envTime += idle - pw // pre-warmed (or kept) in time
			default:
				res.cold++
				res.envTime += min(max(idle-pw, 0), ka) // kept, expired unused
			}
		}
		p.Begin(base.Add(t))
		busyUntil = t + w.runs[i]
		p.End(base.Add(busyUntil))
		res.envTime += w.runs[i]
		havePrev = true
		pw, ka = windows(p)
	}
	if havePrev && busyUntil < replayDay {
		res.envTime += min(max(replayDay-busyUntil-pw, 0), ka)
	}
	return res
}

func adaptiveWindows(p *scale.Policy) (time.Duration, time.Duration) {
	pw, ka, _ := p.Windows()
	return pw, ka
}

func fixedWindows(*scale.Policy) (time.Duration, time.Duration) { return 0, 10 * time.Minute }

// traceReplay reports the adaptive policy against the fixed keep-alive.
func traceReplay(w io.Writer, seed uint64, n int) (coldRatio, memRatio float64) {
	var ad, fx replayResult
	for _, wl := range syntheticTrace(seed, n) {
		a, f := replay(wl, adaptiveWindows), replay(wl, fixedWindows)
		ad.invocations, ad.cold, ad.envTime = ad.invocations+a.invocations, ad.cold+a.cold, ad.envTime+a.envTime
		fx.invocations, fx.cold, fx.envTime = fx.invocations+f.invocations, fx.cold+f.cold, fx.envTime+f.envTime
	}
	fmt.Fprintf(w, "Trace replay: %d synthetic functions over a day (seed %d), %d invocations\n", n, seed, ad.invocations)
	fmt.Fprintf(w, "  %-26s %8s %10s %14s\n", "", "cold", "cold %", "env-hours")
	for _, r := range []struct {
		name string
		r    replayResult
	}{{"fixed 10-minute keep-alive", fx}, {"adaptive (hybrid histogram)", ad}} {
		fmt.Fprintf(w, "  %-26s %8d %9.2f%% %14.1f\n", r.name, r.r.cold, 100*float64(r.r.cold)/float64(r.r.invocations), r.r.envTime.Hours())
	}
	coldRatio = float64(fx.cold) / float64(max(ad.cold, 1))
	memRatio = ad.envTime.Hours() / fx.envTime.Hours()
	fmt.Fprintf(w, "  %-26s %7.2fx fewer cold starts, %.2fx the memory-time\n\n", "adaptive vs fixed", coldRatio, memRatio)
	return coldRatio, memRatio
}

package bench

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"
)

// stepResult is the seed's scenario: steady load, a step to ten times as
// much, and back.
type stepResult struct {
	errors      int
	steadyP99   time.Duration // before the step
	stepP99     time.Duration // over the whole step
	recoveredIn time.Duration // from the step until every later window's p99 is back near steady; -1 if never
}

// stepLoad sends requests open-loop (at a fixed rate, whatever the
// answers) at rate per second for phase, 10x that for phase, then rate
// again, and judges the p99 in windows of 100 ms by when requests were
// sent.
func stepLoad(ctx context.Context, t target, payload []byte, rate int, phase time.Duration) stepResult {
	type sample struct {
		sent time.Duration
		lat  time.Duration
		err  bool
	}
	var (
		mu      sync.Mutex // guards samples
		samples []sample
		wg      sync.WaitGroup
	)
	start := time.Now()
	send := func(at time.Duration) {
		defer wg.Done()
		s := time.Now()
		err := t.call(ctx, payload)
		mu.Lock()
		samples = append(samples, sample{sent: at, lat: time.Since(s), err: err != nil})
		mu.Unlock()
	}
	for _, p := range []struct {
		from time.Duration
		rate int
	}{{0, rate}, {phase, 10 * rate}, {2 * phase, rate}} {
		gap := time.Second / time.Duration(p.rate)
		for at := p.from; at < p.from+phase; at += gap {
			time.Sleep(time.Until(start.Add(at)))
			wg.Add(1)
			go send(at)
		}
	}
	wg.Wait()

	var res stepResult
	const window = 100 * time.Millisecond
	windows := map[time.Duration][]time.Duration{}
	var steady, step []time.Duration
	for _, s := range samples {
		if s.err {
			res.errors++
			continue
		}
		switch {
		case s.sent < phase:
			steady = append(steady, s.lat)
		case s.sent < 2*phase:
			step = append(step, s.lat)
			windows[(s.sent-phase)/window*window] = append(windows[(s.sent-phase)/window*window], s.lat)
		}
	}
	res.steadyP99, res.stepP99 = summarize(steady).P99, summarize(step).P99
	// Recovered: from this window on, every window's p99 is within 50 ms
	// of the steady p99 (room for a cold start, no queueing behind one).
	res.recoveredIn = -1
	keys := make([]time.Duration, 0, len(windows))
	for k := range windows {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i := len(keys) - 1; i >= 0; i-- {
		if summarize(windows[keys[i]]).P99 > res.steadyP99+50*time.Millisecond {
			break
		}
		res.recoveredIn = keys[i]
	}
	return res
}

func printStep(w io.Writer, rate int, phase time.Duration, r stepResult) {
	fmt.Fprintf(w, "Step: %d req/s for %s, then %d req/s for %s, then back (a 50 ms function, open-loop)\n", rate, phase, 10*rate, phase)
	recovered := "never"
	if r.recoveredIn >= 0 {
		recovered = r.recoveredIn.String()
	}
	fmt.Fprintf(w, "  errors %d   p99 before %.1fms   p99 during the step %.1fms   p99 back near steady after %s\n\n",
		r.errors, ms(r.steadyP99), ms(r.stepP99), recovered)
}

package scale

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
)

// TestScenarios runs the scripts in testdata/. Times are offsets from a
// fixed start. Commands:
//
//	policy [keep-alive=D] [min-samples=N] [provisioned=N]   a new policy
//	invoke at=D [ms=D] [times=N every=D]                    invocations (begin, end after ms)
//	decide at=D idle=N total=N                              the decision
//	windows                                                 the pre-warm and keep-alive windows
//	bucket cap=N window=D                                   a new token bucket
//	take at=D n=N                                           tokens taken of n tries
//	victims need=MB                                         eviction order of the input lines
//	                                                        "id mb idle keep-alive [protected]"
func TestScenarios(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		var p *Policy
		var b *Bucket
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			at := func() time.Time { return base.Add(dur(t, d, "at", "0s")) }
			switch d.Cmd {
			case "policy":
				cfg := DefaultConfig
				cfg.DefaultKeepAlive = dur(t, d, "keep-alive", "10m")
				cfg.MinSamples = num(t, d, "min-samples", cfg.MinSamples)
				cfg.Provisioned = num(t, d, "provisioned", 0)
				p = NewPolicy(cfg)
				return ""
			case "invoke":
				start, ms := at(), dur(t, d, "ms", "100ms")
				every := dur(t, d, "every", "0s")
				for i := range num(t, d, "times", 1) {
					s := start.Add(time.Duration(i) * every)
					p.Begin(s)
					p.End(s.Add(ms))
				}
				return ""
			case "decide":
				dec := p.Decide(at(), num(t, d, "idle", 0), num(t, d, "total", 0))
				return fmt.Sprintf("keep-idle=%d start=%d\n", dec.KeepIdle, dec.Start)
			case "windows":
				pw, ka, adaptive := p.Windows()
				return fmt.Sprintf("prewarm=%s keep-alive=%s adaptive=%v\n", pw, ka, adaptive)
			case "bucket":
				b = NewBucket(num(t, d, "cap", 0), dur(t, d, "window", "10s"), base)
				return ""
			case "take":
				got := 0
				for range num(t, d, "n", 1) {
					if b.Take(at()) {
						got++
					}
				}
				return fmt.Sprintf("took %d\n", got)
			case "victims":
				var cands []Candidate
				for _, line := range strings.Split(strings.TrimSpace(d.Input), "\n") {
					f := strings.Fields(line)
					mb, _ := strconv.Atoi(f[1])
					idle, _ := time.ParseDuration(f[2])
					ka, _ := time.ParseDuration(f[3])
					cands = append(cands, Candidate{ID: f[0], MemoryMB: mb, IdleFor: idle, KeepAlive: ka, Protected: len(f) > 4})
				}
				out, ok := Victims(cands, num(t, d, "need", 0))
				var ids []string
				for _, c := range out {
					ids = append(ids, c.ID)
				}
				return fmt.Sprintf("%s ok=%v\n", strings.Join(ids, " "), ok)
			}
			t.Fatalf("unknown command %s", d.Cmd)
			return ""
		})
	})
}

func dur(t *testing.T, d *datadriven.TestData, key, def string) time.Duration {
	s := def
	if d.HasArg(key) {
		d.ScanArgs(t, key, &s)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		t.Fatalf("%s=%s: %v", key, s, err)
	}
	return v
}

func num(t *testing.T, d *datadriven.TestData, key string, def int) int {
	if !d.HasArg(key) {
		return def
	}
	var v int
	d.ScanArgs(t, key, &v)
	return v
}

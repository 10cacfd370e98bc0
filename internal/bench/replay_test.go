package bench

import (
	"io"
	"testing"
)

// The replay is deterministic: the same seed gives the same figures.
func TestTraceReplayDeterministic(t *testing.T) {
	c1, m1 := traceReplay(io.Discard, 7, 50)
	c2, m2 := traceReplay(io.Discard, 7, 50)
	if c1 != c2 || m1 != m2 {
		t.Errorf("replay differs between runs: %v/%v vs %v/%v", c1, m1, c2, m2)
	}
}

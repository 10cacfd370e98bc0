package scale

import (
	"math"
	"time"
)

// histogram counts idle times (from a function going idle to its next
// invocation) in one-minute bins over a four-hour range, as the hybrid
// histogram policy does; longer idle times are counted apart.
type histogram struct {
	bins       [histogramBins]int
	total      int // samples in range
	outOfRange int
}

const (
	histogramBins = 240
	binWidth      = time.Minute
)

func (h *histogram) add(idle time.Duration) {
	b := int(idle / binWidth)
	if b >= histogramBins {
		h.outOfRange++
		return
	}
	h.bins[b]++
	h.total++
}

// percentile returns the bin index below which a fraction q of the
// in-range samples fall.
func (h *histogram) percentile(q float64) int {
	need := int(math.Ceil(q * float64(h.total)))
	sum := 0
	for i, n := range h.bins {
		sum += n
		if sum >= need && sum > 0 {
			return i
		}
	}
	return histogramBins - 1
}

// cv is the coefficient of variation of the bin counts: high when the
// idle times concentrate in a few bins, which is when the histogram
// predicts well.
func (h *histogram) cv() float64 {
	mean := float64(h.total) / histogramBins
	if mean == 0 {
		return 0
	}
	var ss float64
	for _, n := range h.bins {
		d := float64(n) - mean
		ss += d * d
	}
	return math.Sqrt(ss/histogramBins) / mean
}

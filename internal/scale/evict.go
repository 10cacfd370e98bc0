package scale

import (
	"slices"
	"time"
)

// Candidate is an idle environment the node could stop to free memory.
type Candidate struct {
	ID        string
	MemoryMB  int
	IdleFor   time.Duration
	KeepAlive time.Duration // the keep-alive its policy gives it
	Protected bool          // provisioned: never evicted
}

// Victims picks idle environments to stop so that at least needMB is
// freed, least valuable first: the nearest to the end of its keep-alive
// (the least likely to be used again before it would stop anyway), the
// larger first on a tie. ok is false when even all of them are not enough.
func Victims(cands []Candidate, needMB int) (out []Candidate, ok bool) {
	var pool []Candidate
	for _, c := range cands {
		if !c.Protected {
			pool = append(pool, c)
		}
	}
	slices.SortStableFunc(pool, func(a, b Candidate) int {
		ra, rb := remaining(a), remaining(b)
		switch {
		case ra < rb:
			return -1
		case ra > rb:
			return 1
		}
		return b.MemoryMB - a.MemoryMB
	})
	freed := 0
	for _, c := range pool {
		if freed >= needMB {
			break
		}
		out = append(out, c)
		freed += c.MemoryMB
	}
	return out, freed >= needMB
}

// remaining is the share of its keep-alive an environment has left.
func remaining(c Candidate) float64 {
	if c.KeepAlive <= 0 {
		return 0
	}
	return max(0, float64(c.KeepAlive-c.IdleFor)/float64(c.KeepAlive))
}

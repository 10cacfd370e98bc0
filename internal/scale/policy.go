package scale

import "time"

// Config tunes a Policy.
type Config struct {
	// DefaultKeepAlive applies while the history is too short or does not
	// predict well: a bounded default, like Lambda's observed 10 minutes.
	DefaultKeepAlive time.Duration
	// MinSamples is the history the histogram needs before it is used.
	MinSamples int
	// MinCV is the coefficient of variation of the histogram's bins below
	// which it is not trusted (the paper uses 2).
	MinCV float64
	// Margin widens the windows on both sides (the paper uses 10 %).
	Margin float64
	// Provisioned environments are kept initialised whatever the traffic.
	Provisioned int
}

// DefaultConfig is lamina's default policy.
var DefaultConfig = Config{DefaultKeepAlive: 10 * time.Minute, MinSamples: 10, MinCV: 2, Margin: 0.1}

// Policy decides what one function version keeps warm.
type Policy struct {
	cfg       Config
	hist      histogram
	busy      int
	invoked   bool
	idleSince time.Time // when busy last fell to 0
}

// NewPolicy returns a policy with no history.
func NewPolicy(cfg Config) *Policy { return &Policy{cfg: cfg} }

// SetProvisioned changes the provisioned concurrency.
func (p *Policy) SetProvisioned(n int) { p.cfg.Provisioned = n }

// Begin observes an invocation starting. The first one after an idle
// period adds that idle time to the history.
func (p *Policy) Begin(now time.Time) {
	if p.busy == 0 && p.invoked {
		p.hist.add(now.Sub(p.idleSince))
	}
	p.invoked = true
	p.busy++
}

// End observes an invocation ending.
func (p *Policy) End(now time.Time) {
	if p.busy > 0 {
		p.busy--
	}
	if p.busy == 0 {
		p.idleSince = now
	}
}

// Windows returns the pre-warm window (how long after going idle no
// environment needs to be kept) and the keep-alive window (how long one is
// kept after that), and whether they come from the history.
func (p *Policy) Windows() (prewarm, keepAlive time.Duration, adaptive bool) {
	h := &p.hist
	if h.total < p.cfg.MinSamples || h.outOfRange > h.total || h.cv() < p.cfg.MinCV {
		return 0, p.cfg.DefaultKeepAlive, false
	}
	head := time.Duration(h.percentile(0.05)) * binWidth
	tail := time.Duration(h.percentile(0.99)+1) * binWidth
	prewarm = time.Duration(float64(head) * (1 - p.cfg.Margin)).Truncate(time.Second)
	keepAlive = time.Duration(float64(tail)*(1+p.cfg.Margin)).Truncate(time.Second) - prewarm
	return prewarm, keepAlive, true
}

// Decision is what to do with a version's environments now.
type Decision struct {
	// KeepIdle is how many idle environments to keep; the others stop.
	KeepIdle int
	// Start is how many environments to start ahead of traffic.
	Start int
}

// Decide answers for the given counts: idle environments, and all of them
// (busy, idle and starting).
func (p *Policy) Decide(now time.Time, idle, total int) Decision {
	floor := p.cfg.Provisioned
	want := floor
	switch {
	case p.busy > 0:
		want = total // keep what is there while traffic flows
	case p.invoked:
		prewarm, keepAlive, _ := p.Windows()
		t := now.Sub(p.idleSince)
		switch {
		case prewarm == 0 && t < keepAlive:
			want = total
		case prewarm > 0 && t >= prewarm && t < prewarm+keepAlive:
			want = max(floor, 1)
		}
	}
	busy := total - idle
	d := Decision{KeepIdle: min(idle, max(0, want-busy)), Start: max(0, floor-total)}
	if p.busy == 0 && want > total {
		d.Start = want - total
	}
	return d
}

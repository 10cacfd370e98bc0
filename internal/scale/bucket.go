package scale

import "time"

// Bucket is a token bucket: Capacity tokens, refilled continuously at
// Capacity per Window. It starts full.
type Bucket struct {
	capacity float64
	perNanos float64
	tokens   float64
	last     time.Time
}

// NewBucket returns a full bucket.
func NewBucket(capacity int, window time.Duration, now time.Time) *Bucket {
	return &Bucket{capacity: float64(capacity), perNanos: float64(capacity) / float64(window), tokens: float64(capacity), last: now}
}

func (b *Bucket) refill(now time.Time) {
	if now.After(b.last) {
		b.tokens = min(b.capacity, b.tokens+float64(now.Sub(b.last))*b.perNanos)
		b.last = now
	}
}

// Take uses one token if there is one.
func (b *Bucket) Take(now time.Time) bool {
	b.refill(now)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// Available is how many whole tokens there are.
func (b *Bucket) Available(now time.Time) int {
	b.refill(now)
	return int(b.tokens)
}

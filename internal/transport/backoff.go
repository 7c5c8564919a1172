package transport

import (
	"math"
	"math/rand/v2"
	"time"
)

// Backoff is an exponential backoff with jitter: retry n (from 0) waits
// Base*Factor^n, at most Max, less a random part of up to Jitter of it. A
// Jitter of 0.5 is "equal jitter" (each wait between half and all of the
// exponential one), 1 is "full jitter", 0 is none.
type Backoff struct {
	Base   time.Duration
	Factor float64       // 0 means 2
	Max    time.Duration // <= 0 means 30s
	Jitter float64       // fraction in [0, 1]
}

// DefaultBackoff is 500ms, 1s, 2s, 4s, ... up to 30s, each less up to 20%
// so that clients retrying one host do not retry in step. A function, not
// a var, so no caller can change every client's default.
func DefaultBackoff() Backoff {
	return Backoff{Base: 500 * time.Millisecond, Factor: 2, Max: 30 * time.Second, Jitter: 0.2}
}

// Delay is the wait before retry n (0 = before the second attempt).
func (b Backoff) Delay(n int) time.Duration {
	factor, maxd := b.Factor, b.Max
	if factor == 0 {
		factor = 2
	}
	if maxd <= 0 {
		maxd = 30 * time.Second
	}
	d := float64(b.Base) * math.Pow(factor, float64(max(n, 0)))
	if d > float64(maxd) || math.IsInf(d, 0) || math.IsNaN(d) {
		d = float64(maxd)
	}
	if d < 0 {
		d = 0
	}
	if j := min(max(b.Jitter, 0), 1); j > 0 {
		d -= d * j * rand.Float64()
	}
	return time.Duration(d)
}

package notify

import (
	"math/rand/v2"
	"time"
)

// Backoff is the retry policy for temporary failures: after the n-th failed attempt
// the message waits Base·2^(n−1), capped at Max, with "equal jitter" (a random
// point in the upper half of that delay, so retries of many messages that failed
// together spread out without ever retrying sooner than half the delay). After
// MaxAttempts attempts the message is marked failed.
type Backoff struct {
	Base        time.Duration
	Max         time.Duration
	MaxAttempts int
}

// DefaultBackoff retries for about ten minutes: 5s, 10s, 20s, 40s, 80s, 160s, 5m
// (each halved at worst by jitter), then gives up at the 8th attempt. A text that
// arrives later than that is stale for a waiting room.
func DefaultBackoff() Backoff {
	return Backoff{Base: 5 * time.Second, Max: 5 * time.Minute, MaxAttempts: 8}
}

// Delay returns the wait after the attempts-th failed attempt; r in [0,1) picks the
// jitter (rand.Float64 in production, fixed in tests).
func (b Backoff) Delay(attempts int, r float64) time.Duration {
	d := b.Base
	for i := 1; i < attempts && d < b.Max; i++ {
		d *= 2
	}
	if d > b.Max {
		d = b.Max
	}
	half := d / 2
	return half + time.Duration(r*float64(d-half))
}

// GiveUp reports whether a message that has had attempts attempts is done
// retrying.
func (b Backoff) GiveUp(attempts int) bool { return attempts >= b.MaxAttempts }

func (b Backoff) orDefault() Backoff {
	def := DefaultBackoff()
	if b.Base <= 0 {
		b.Base = def.Base
	}
	if b.Max < b.Base {
		b.Max = max(def.Max, b.Base)
	}
	if b.MaxAttempts <= 0 {
		b.MaxAttempts = def.MaxAttempts
	}
	return b
}

func jitter() float64 { return rand.Float64() }

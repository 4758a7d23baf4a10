package notify

import (
	"sync"
	"time"
)

// breakerWindow is the window ConfirmationsPerMinute counts in.
const breakerWindow = time.Minute

// breaker is the circuit breaker on confirmation texts: at most limit go out per
// breakerWindow, in this process. The ones over it are held back in the outbox
// (Outbox.Postpone) until the window has room, so a flood of check-ins — SMS
// pumping, which the per-IP and per-phone limits only slow — costs at most limit
// texts a minute, while check-ins go on. The breaker is open from the moment it
// holds a text until a whole window has passed without holding one.
type breaker struct {
	mu       sync.Mutex
	limit    int         // 0: never holds
	sent     []time.Time // admission times within the window, oldest first
	lastHeld time.Time   // zero: never held
	open     bool
}

// admission is what admit decided for one confirmation.
type admission struct {
	ok     bool      // send it now
	next   time.Time // not ok: when the window has room again
	opened bool      // this decision tripped the breaker
	closed bool      // this admission is the first after the breaker closed again
}

// admit decides whether a confirmation may go out at now, and counts it if so.
func (b *breaker) admit(now time.Time) admission {
	if b.limit <= 0 {
		return admission{ok: true}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.expire(now)
	if len(b.sent) < b.limit {
		b.sent = append(b.sent, now)
		a := admission{ok: true}
		if b.open && !b.holding(now) {
			b.open, a.closed = false, true
		}
		return a
	}
	a := admission{next: b.sent[0].Add(breakerWindow), opened: !b.open}
	b.open, b.lastHeld = true, now
	return a
}

// state reports whether the breaker is open at now, and since when it last held
// a text.
func (b *breaker) state(now time.Time) (open bool, lastHeld time.Time) {
	if b.limit <= 0 {
		return false, time.Time{}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.open && b.holding(now), b.lastHeld
}

// holding reports whether a text was held within the last window.
func (b *breaker) holding(now time.Time) bool {
	return !b.lastHeld.IsZero() && now.Sub(b.lastHeld) < breakerWindow
}

// expire drops the admissions that left the window.
func (b *breaker) expire(now time.Time) {
	i := 0
	for i < len(b.sent) && now.Sub(b.sent[i]) >= breakerWindow {
		i++
	}
	b.sent = b.sent[i:]
}

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
//
// Each held text is given its own time (reserve): the moment the window will
// have room for it after the texts held before it, so that a flood's texts
// come due limit a window, in order, and each is held once. Given the one
// moment the window next has room, every held text came due together and all
// but one were held again, every time a slot freed: a flood of 5,000 at 60 a
// minute rewrote thousands of outbox rows a second for over an hour.
type breaker struct {
	mu       sync.Mutex
	limit    int         // 0: never holds
	sent     []time.Time // admission times within the window, oldest first
	reserved []time.Time // times given to held texts, still to come, in order
	lastHeld time.Time   // zero: never held
	open     bool
}

// maxReserved bounds the times the breaker remembers: the texts held beyond it
// all get the time after the last one remembered, and are held again then.
const maxReserved = 10_000

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
	return admission{next: b.reserve(now), opened: b.trip(now)}
}

// holdNew decides for a confirmation being written at now (not yet claimed):
// when the window and the texts held before it leave no room now, it is held
// at once, and holdNew returns its time, as admit would when it is claimed.
func (b *breaker) holdNew(now time.Time) (a admission, held bool) {
	if b.limit <= 0 {
		return admission{}, false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.expire(now)
	if len(b.sent)+len(b.reserved) < b.limit {
		return admission{}, false
	}
	return admission{next: b.reserve(now), opened: b.trip(now)}, true
}

// trip records a hold at now and reports whether it opened the breaker.
func (b *breaker) trip(now time.Time) (opened bool) {
	opened = !b.open
	b.open, b.lastHeld = true, now
	return opened
}

// reserve returns the time a text held at now may go out: the limit-th latest
// of the admissions in the window and the times already reserved, plus the
// window — when the window has room for it once those have gone out. The
// window is full (len(sent) == limit), so there are at least limit of them.
func (b *breaker) reserve(now time.Time) time.Time {
	// Admissions are in the past and reservations to come: together they are
	// in order, sent first.
	i := len(b.sent) + len(b.reserved) - b.limit
	var at time.Time
	if i < len(b.sent) {
		at = b.sent[i].Add(breakerWindow)
	} else {
		at = b.reserved[i-len(b.sent)].Add(breakerWindow)
	}
	if len(b.reserved) < maxReserved {
		b.reserved = append(b.reserved, at)
	}
	return at
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

// expire drops the admissions that left the window and the reserved times
// that have come (their texts are due, and counted in sent once admitted).
func (b *breaker) expire(now time.Time) {
	i := 0
	for i < len(b.sent) && now.Sub(b.sent[i]) >= breakerWindow {
		i++
	}
	b.sent = b.sent[i:]
	j := 0
	for j < len(b.reserved) && !b.reserved[j].After(now) {
		j++
	}
	b.reserved = b.reserved[j:]
}

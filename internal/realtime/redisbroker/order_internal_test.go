package redisbroker

import (
	"slices"
	"testing"

	"smartwait/internal/realtime"
)

// TestStaleHoldTimerKeepsNextWait: a wait's timer can fire just as the missing
// version arrives and ends the wait (Stop is then too late); its flush runs once
// it gets the lock, by which time the stream may be waiting again, for another
// version. That flush must not release the new wait early: the batch it holds
// would overtake the version it waits for.
func TestStaleHoldTimerKeepsNextWait(t *testing.T) {
	q := newSequencer(func(string, *hold) {}) // the test plays the timers' part
	add := func(v int64) []int64 {
		var got []int64
		for _, b := range q.add(realtime.Batch{Stream: "s", Version: v}) {
			got = append(got, b.Version)
		}
		return got
	}
	add(1)
	if got := add(3); got != nil {
		t.Fatalf("3 passed before 2: %v", got)
	}
	first := q.timer["s"] // its timer fires now, but the flush waits for the lock
	if got := add(2); !slices.Equal(got, []int64{2, 3}) {
		t.Fatalf("2 released %v, want [2 3]", got)
	}
	if got := add(5); got != nil { // a new wait, for 4
		t.Fatalf("5 passed before 4: %v", got)
	}
	if got := q.expire("s", first); got != nil {
		t.Fatalf("the first wait's late flush released %v", versionsOf(got))
	}
	if got := add(4); !slices.Equal(got, []int64{4, 5}) {
		t.Fatalf("4 released %v, want [4 5]", got)
	}
	// The current wait's own timer still releases it.
	add(7)
	if got := q.expire("s", q.timer["s"]); !slices.Equal(versionsOf(got), []int64{7}) {
		t.Fatalf("the current wait's flush released %v, want [7]", versionsOf(got))
	}
}

func versionsOf(bs []realtime.Batch) []int64 {
	var out []int64
	for _, b := range bs {
		out = append(out, b.Version)
	}
	return out
}

package realtime

import (
	"fmt"
	"testing"
	"time"
)

// TestHubInboxOverflow: when the dispatcher cannot keep up, Deliver drops the
// batch instead of waiting, and every subscriber is told to resync.
func TestHubInboxOverflow(t *testing.T) {
	h := NewHub(Config{InboxSize: 2})
	defer h.Close()
	s, _, _ := h.SubscribeFrom("sse", []string{"staff"}, "")
	batch := func(v int64) Batch {
		b := Batch{Stream: DefaultStream, Version: v}
		b.Add("staff", "ev", v)
		return b
	}

	h.deliverMu.Lock() // the dispatcher will stall inside its first delivery
	h.Deliver(batch(1))
	deadline := time.Now().Add(10 * time.Second)
	for len(h.inbox) > 0 { // wait until the dispatcher holds batch 1
		if time.Now().After(deadline) {
			t.Fatal("dispatcher never took the first batch")
		}
		time.Sleep(time.Millisecond) // polling with a deadline; nothing to wait on
	}
	h.Deliver(batch(2))
	h.Deliver(batch(3)) // the inbox is full now
	h.Deliver(batch(4)) // dropped: Deliver returns all the same
	h.deliverMu.Unlock()
	h.Sync()

	var got []string
	for _, m := range s.Take() {
		got = append(got, m.Event+":"+m.ID)
	}
	if want := "[ev:1-1 resync: ev:2-1 ev:3-1]"; fmt.Sprint(got) != want {
		t.Errorf("subscriber got %v, want %s", got, want)
	}
}

package queue_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"smartwait/internal/queue"
)

// TestTwoServicesShareOneQueue checks that what a Service remembers between
// operations never outlives a change made by another instance on the same
// database: estimates, positions and queue lengths agree across both.
func TestTwoServicesShareOneQueue(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	other := &queue.Service{Store: h.db, Config: h.svc.Config, Now: h.svc.Now}
	a, b := h.checkIn(t, 0), h.checkIn(t, 1)                // through h.svc, which now remembers the queue
	if _, err := other.CallNext(ctx, "", "1"); err != nil { // a is called elsewhere
		t.Fatal(err)
	}
	h.advance(5 * time.Minute)
	c := h.checkIn(t, 2)
	if c.Position != 2 || c.EstimatedWait != 25 { // b, then c; a's visit has ~10 of 15 min left
		t.Errorf("check-in after another instance's call: position %d wait %d, want 2 and 25", c.Position, c.EstimatedWait)
	}
	for _, svc := range []*queue.Service{h.svc, other} {
		entries, _, err := svc.Queue(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			st, err := svc.Status(ctx, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			if st.Position != e.Position || st.EstimatedWait != e.EstimatedWait || st.EstimatedWaitLow != e.EstimatedWaitLow ||
				st.EstimatedWaitHigh != e.EstimatedWaitHigh || st.QueueLength != 2 {
				t.Errorf("status %+v disagrees with queue entry %+v", st, e)
			}
		}
		got := briefs(entries)
		want := []brief{{"A-001", "called", 0, 0}, {"A-002", "waiting", 1, 10}, {"A-003", "waiting", 2, 25}}
		if !slices.Equal(got, want) {
			t.Errorf("queue = %+v, want %+v", got, want)
		}
	}
	// The other instance completes a and b leaves: the first instance sees both.
	if _, err := other.Complete(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Cancel(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	st, err := h.svc.Status(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st.Position != 1 || st.EstimatedWait != 0 || st.QueueLength != 1 {
		t.Errorf("after the other instance's changes: position %d wait %d length %d, want 1, 0, 1", st.Position, st.EstimatedWait, st.QueueLength)
	}
}

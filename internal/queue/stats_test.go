package queue_test

import (
	"context"
	"testing"
	"time"
)

// TestStatsEstimateAccuracy checks the accuracy figures staff see: over today's
// completed visits only, quoted at check-in against check-in → called.
func TestStatsEstimateAccuracy(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	a, b, c := h.checkIn(t, 0), h.checkIn(t, 1), h.checkIn(t, 2) // quoted 0, 15, 30
	if a.QuotedWait != 0 || b.QuotedWait != 15 || c.QuotedWait != 30 {
		t.Fatalf("quotes %d %d %d", a.QuotedWait, b.QuotedWait, c.QuotedWait)
	}
	call := func() {
		t.Helper()
		if _, err := h.svc.CallNext(ctx, "", ""); err != nil {
			t.Fatal(err)
		}
	}
	call() // a waited 0 as quoted
	h.advance(30 * time.Minute)
	if _, err := h.svc.Complete(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	call() // b waited 30, quoted 15: 15 minutes late
	h.advance(10 * time.Minute)
	if _, err := h.svc.Complete(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	call() // c waited 40 but is still in the room: not yet counted
	st, err := h.svc.Stats(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if st.EstimateSamples != 2 || st.EstimateMeanAbsError != 7.5 || st.EstimateUnderShare != 0.5 || st.EstimateLateShare != 0.5 {
		t.Errorf("accuracy = samples %d, MAE %.1f, under %.3f, late %.3f; want 2, 7.5, 0.5, 0.5",
			st.EstimateSamples, st.EstimateMeanAbsError, st.EstimateUnderShare, st.EstimateLateShare)
	}
	if st.AverageWaitTime != 23.3 { // (0 + 30 + 40) / 3: every patient called today
		t.Errorf("average wait %.1f, want 23.3", st.AverageWaitTime)
	}
	h.advance(5 * time.Minute)
	if _, err := h.svc.Complete(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if st, _ = h.svc.Stats(ctx, ""); st.EstimateSamples != 3 || st.EstimateMeanAbsError != 8.3 || st.EstimateUnderShare != 0.667 {
		t.Errorf("after c completes: samples %d, MAE %.1f, under %.3f; want 3, 8.3, 0.667",
			st.EstimateSamples, st.EstimateMeanAbsError, st.EstimateUnderShare)
	}
}

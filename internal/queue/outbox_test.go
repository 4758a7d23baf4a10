package queue_test

import (
	"context"
	"testing"

	"smartwait/internal/queue"
)

// Calling a patient drops their unsent "get ready", which would otherwise arrive
// after "your turn"; a recall adds a "your turn" but never a second follow-up.
func TestCallCancelsStaleGetReadyAndFollowUpStaysSingle(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.checkIn(t, 0)
	b := h.checkIn(t, 1)
	if _, err := h.svc.CallNext(ctx, "", "1"); err != nil {
		t.Fatal(err)
	}
	if gr := h.messages(t, b.ID)[queue.MessageGetReady]; len(gr) != 1 || gr[0].Status != queue.MessagePending {
		t.Fatalf("B's get-ready = %+v, want one pending", gr)
	}
	if _, err := h.svc.CallNext(ctx, "", "2"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.Recall(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	ms := h.messages(t, b.ID)
	if gr := ms[queue.MessageGetReady]; len(gr) != 1 || gr[0].Status != queue.MessageCancelled {
		t.Errorf("B's get-ready after the call = %+v, want cancelled", gr)
	}
	if c := ms[queue.MessageCalled]; len(c) != 2 || c[0].DedupeKey == c[1].DedupeKey {
		t.Errorf("B's called texts = %+v, want two with distinct dedupe keys", c)
	}
	if fu := ms[queue.MessageFollowUp]; len(fu) != 1 {
		t.Errorf("B has %d follow-ups after a recall, want 1", len(fu))
	}
	if c := ms[queue.MessageConfirmation]; len(c) != 1 || c[0].Status != queue.MessagePending {
		t.Errorf("B's confirmation = %+v, want it left to go out", c)
	}
}

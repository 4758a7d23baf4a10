package queue_test

import (
	"context"
	"testing"

	"smartwait/internal/queue"
)

// An operation run with WithClinics changes only lines of those clinics,
// checked inside its transaction with the lines locked: a ticket at another
// clinic — say transferred there after the web layer checked it — is refused
// with the scope's error and left as it was, whichever of its lines (the
// ticket's, a transfer's target) is outside.
func TestWithClinicsRefusesOtherClinicsLines(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	east := h.clinic(t, "east", "UTC")
	h.clinicLine(t, east, "east-lab", "E")
	home := h.checkIn(t, 0) // the default clinic's line
	away := h.checkIn(t, 1)
	if _, err := h.svc.Transfer(ctx, away.ID, "east-lab", false); err != nil {
		t.Fatal(err)
	}
	refuse := queue.Errorf(queue.CodePatientNotFound, "Patient not found")
	homeOnly := queue.WithClinics(ctx, func(id int64) bool { return id == 1 }, refuse)

	for name, op := range map[string]func() (queue.Entry, error){
		"complete": func() (queue.Entry, error) { return h.svc.Complete(homeOnly, away.ID) },
		"no-show":  func() (queue.Entry, error) { return h.svc.NoShow(homeOnly, away.ID) },
		"cancel":   func() (queue.Entry, error) { return h.svc.Cancel(homeOnly, away.ID) },
		"urgent":   func() (queue.Entry, error) { return h.svc.SetUrgent(homeOnly, away.ID, true) },
		"transfer from east": func() (queue.Entry, error) {
			return h.svc.Transfer(homeOnly, away.ID, queue.DefaultQueueID, false)
		},
		"transfer to east": func() (queue.Entry, error) { return h.svc.Transfer(homeOnly, home.ID, "east-lab", false) },
	} {
		if _, err := op(); err != refuse {
			t.Errorf("%s: %v, want the scope's refusal", name, err)
		}
	}
	for _, want := range []struct {
		id, line string
	}{{away.ID, "east-lab"}, {home.ID, queue.DefaultQueueID}} {
		st, err := h.svc.Status(ctx, want.id)
		if err != nil || st.Status != queue.StatusWaiting || st.QueueID != want.line || st.Urgent {
			t.Errorf("ticket after the refusals: %+v, %v; want waiting in %s, untouched", st.Entry, err, want.line)
		}
	}
	// Inside the scope the same operations go through.
	if _, err := h.svc.SetUrgent(homeOnly, home.ID, true); err != nil {
		t.Errorf("urgent at the home clinic: %v", err)
	}
	if _, err := h.svc.Cancel(homeOnly, home.ID); err != nil {
		t.Errorf("cancel at the home clinic: %v", err)
	}
}

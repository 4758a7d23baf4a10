package queue_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"smartwait/internal/queue"
)

// TestDelayAlerts: a waiting patient whose quote runs 15 minutes or more past
// what their last text told them gets one "running late" text, at most every
// half hour; a small slip, or none, gets nothing; the setting 0 turns it off.
func TestDelayAlerts(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	a, err := h.svc.CheckIn(ctx, queue.CheckInRequest{Name: "Ana", Phone: "+14155552861", AppointmentTime: "9"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := h.svc.CheckIn(ctx, queue.CheckInRequest{Name: "Bo", Phone: "+14155552862", AppointmentTime: "9", Language: "es"})
	if err != nil {
		t.Fatal(err)
	}
	alerts := func() int {
		t.Helper()
		n, err := h.svc.AlertDelays(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := alerts(); n != 0 {
		t.Fatalf("nothing changed, %d alerts", n)
	}
	// One urgent patient ahead: 15 minutes more for both — enough.
	u, err := h.svc.CheckIn(ctx, queue.CheckInRequest{Name: "Urgent One", AppointmentTime: "9", FrontDesk: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.SetUrgent(ctx, u.ID, true); err != nil {
		t.Fatal(err)
	}
	if n := alerts(); n != 2 {
		t.Fatalf("after an urgent patient went ahead: %d alerts, want 2", n)
	}
	for _, id := range []string{a.ID, b.ID} {
		if d := h.messages(t, id)[queue.MessageDelay]; len(d) != 1 {
			t.Fatalf("%s: %d delay texts", id, len(d))
		}
	}
	if body := h.messages(t, b.ID)[queue.MessageDelay][0].Body; !strings.Contains(body, "Vamos con retraso") || !strings.Contains(body, "3 en la fila") {
		t.Errorf("Bo's alert, in Spanish: %q", body)
	}
	if n := alerts(); n != 0 {
		t.Fatalf("told again at once: %d", n)
	}
	// Another 15 minutes within the half hour: no second alert yet.
	h.advance(10 * time.Minute)
	v, err := h.svc.CheckIn(ctx, queue.CheckInRequest{Name: "Urgent Two", AppointmentTime: "9", FrontDesk: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.SetUrgent(ctx, v.ID, true); err != nil {
		t.Fatal(err)
	}
	if n := alerts(); n != 0 {
		t.Fatalf("a second alert within 30 minutes: %d", n)
	}
	h.advance(21 * time.Minute)
	if n := alerts(); n != 2 {
		t.Fatalf("after the half hour, the grown wait is told: %d alerts", n)
	}

	off := newHarness(t, func(c *queue.Config) { c.DelayAlertAfter = 0 })
	if _, err := off.svc.CheckIn(ctx, queue.CheckInRequest{Name: "Cy", Phone: "+14155552863", AppointmentTime: "9"}); err != nil {
		t.Fatal(err)
	}
	if n, err := off.svc.AlertDelays(ctx); n != 0 || err != nil {
		t.Fatalf("off: %d, %v", n, err)
	}
}

package queue_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"smartwait/internal/queue"
	"smartwait/internal/webhook"
)

// webhookBodies registers two endpoints for every event type, one with
// personal data, and returns a function that reads what each has pending.
func webhookBodies(t *testing.T, h *harness) func() (public, personal []map[string]any) {
	t.Helper()
	ctx := context.Background()
	mk := func(id string, personal bool) {
		e := webhook.Endpoint{ID: id, URL: "https://example.com/" + id, Events: queue.WebhookEventTypes, Personal: personal,
			Secret: "s", Enabled: true, CreatedAt: h.now, UpdatedAt: h.now}
		if err := h.db.CreateWebhook(ctx, e, 10); err != nil {
			t.Fatal(err)
		}
	}
	mk("public", false)
	mk("personal", true)
	read := func(id string) []map[string]any {
		ds, err := h.db.WebhookDeliveries(ctx, webhook.Claim{Endpoint: webhook.Endpoint{ID: id}}, 1000)
		if err != nil {
			t.Fatal(err)
		}
		var out []map[string]any
		for _, d := range ds {
			var m map[string]any
			if err := json.Unmarshal(d.Body, &m); err != nil {
				t.Fatal(err)
			}
			if m["type"] != string(d.Type) || m["id"] != d.EventID {
				t.Errorf("row %s/%s holds %v", d.Type, d.EventID, m)
			}
			out = append(out, m)
		}
		return out
	}
	return func() ([]map[string]any, []map[string]any) { return read("public"), read("personal") }
}

func types(ms []map[string]any) string {
	var s []string
	for _, m := range ms {
		s = append(s, m["type"].(string))
	}
	return strings.Join(s, " ")
}

// A clinic day writes one event per change, in commit order, with the
// ticket's public fields; the patient id, name and phone go only to the
// endpoint marked personal. A recall and a reorder are not events.
func TestWebhookEventsOfADay(t *testing.T) {
	h := newHarness(t, func(c *queue.Config) { c.ClinicName = "Riverside Clinic" })
	ctx := context.Background()
	bodies := webhookBodies(t, h)
	a := h.checkIn(t, 0)
	b := h.checkIn(t, 1)
	c := h.checkIn(t, 2)
	h.advance(time.Minute)
	if _, err := h.svc.CallNext(ctx, "", "3"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.Recall(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.Complete(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.NoShow(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.Cancel(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	pub, per := bodies()
	want := "ticket.created ticket.created ticket.created ticket.called ticket.completed ticket.no_show ticket.cancelled"
	if types(pub) != want || types(per) != want {
		t.Fatalf("events = %q / %q, want %q", types(pub), types(per), want)
	}
	first := pub[1]
	tk := first["ticket"].(map[string]any)
	if first["clinic"] != "Riverside Clinic" || first["time"] != "2026-11-28T09:00:00.000Z" || tk["ticketNumber"] != b.Number ||
		tk["status"] != "waiting" || tk["line"] != "default" || tk["position"] != 2.0 || tk["estimatedWait"] == nil ||
		tk["checkInTime"] != "2026-11-28T09:00:00.000Z" {
		t.Errorf("ticket.created = %v", first)
	}
	called := pub[3]["ticket"].(map[string]any)
	if called["status"] != "called" || called["room"] != "3" || called["position"] != nil || called["calledAt"] != "2026-11-28T09:01:00.000Z" {
		t.Errorf("ticket.called = %v", called)
	}
	if done := pub[4]["ticket"].(map[string]any); done["completedAt"] == nil || done["room"] != nil {
		t.Errorf("ticket.completed = %v", done)
	}
	for _, m := range pub {
		raw, _ := json.Marshal(m)
		if m["patient"] != nil || strings.Contains(string(raw), a.ID) || strings.Contains(string(raw), a.Phone) || strings.Contains(string(raw), a.Name) {
			t.Errorf("a public event carries personal data: %s", raw)
		}
	}
	p := per[0]["patient"].(map[string]any)
	if p["patientId"] != a.ID || p["name"] != a.Name || p["phone"] != a.Phone || per[0]["id"] != pub[0]["id"] {
		t.Errorf("personal event = %v (public id %v)", per[0], pub[0]["id"])
	}
	ids := map[any]bool{}
	for _, m := range pub {
		ids[m["id"]] = true
	}
	if len(ids) != len(pub) {
		t.Errorf("event ids repeat: %v", ids)
	}
}

// A transfer is one ticket.transferred, with the line it came from.
func TestWebhookTransfer(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.line(t, "lab", "L", queue.LinePatch{})
	bodies := webhookBodies(t, h)
	a := h.checkIn(t, 0)
	if _, err := h.svc.Transfer(ctx, a.ID, "lab", false); err != nil {
		t.Fatal(err)
	}
	pub, _ := bodies()
	if types(pub) != "ticket.created ticket.transferred" {
		t.Fatalf("events = %q", types(pub))
	}
	tk := pub[1]["ticket"].(map[string]any)
	if tk["line"] != "lab" || tk["fromLine"] != "default" || tk["ticketNumber"] != a.Number {
		t.Errorf("ticket.transferred = %v", tk)
	}
}

// A delivery report that changes a text's status is one sms.status event; a
// repeated report is none.
func TestWebhookSMSStatus(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	bodies := webhookBodies(t, h)
	a := h.checkIn(t, 0)
	cs, err := h.db.Claim(ctx, h.now, time.Minute, 10)
	if err != nil || len(cs) != 1 {
		t.Fatalf("Claim = %v, %v", cs, err)
	}
	if err := h.db.MarkSent(ctx, cs[0], "SM1", h.now); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		found, err := h.svc.RecordDelivery(ctx, "SM1", queue.MessageUndelivered, "Twilio error 30003")
		if err != nil || !found {
			t.Fatalf("RecordDelivery = %v, %v", found, err)
		}
	}
	if found, err := h.svc.RecordDelivery(ctx, "SM-unknown", queue.MessageDelivered, ""); err != nil || found {
		t.Errorf("unknown message: %v, %v", found, err)
	}
	pub, per := bodies()
	if types(pub) != "ticket.created sms.status" {
		t.Fatalf("events = %q", types(pub))
	}
	sms := pub[1]["sms"].(map[string]any)
	if sms["kind"] != "confirmation" || sms["status"] != "undelivered" || sms["error"] != "Twilio error 30003" ||
		pub[1]["ticket"].(map[string]any)["ticketNumber"] != a.Number || pub[1]["patient"] != nil {
		t.Errorf("sms.status = %v", pub[1])
	}
	if per[1]["patient"].(map[string]any)["phone"] != a.Phone {
		t.Errorf("personal sms.status = %v", per[1])
	}
}

// The largest event a ticket can produce stays small: names, rooms and lines
// are bounded where they are entered.
func TestWebhookPayloadBounded(t *testing.T) {
	h := newHarness(t)
	bodies := webhookBodies(t, h)
	r := queue.CheckInRequest{Name: strings.Repeat("é", queue.MaxNameLen), Phone: phones[0], AppointmentTime: "09:30"}
	if _, err := h.svc.CheckIn(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	_, per := bodies()
	raw, _ := json.Marshal(per[0])
	if len(raw) > 2048 {
		t.Errorf("largest event is %d bytes", len(raw))
	}
}

// A change counts the webhook deliveries it wrote, so that the dispatcher is
// woken only for those: none before any endpoint exists (every commit woke it
// and its claim took SQLite's writer), two per event with two endpoints.
func TestChangeCountsWebhookDeliveries(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.checkIn(t, 0)
	webhookBodies(t, h)
	h.checkIn(t, 1)
	if _, err := h.svc.CallNext(ctx, "", "3"); err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var got []int
	for _, c := range h.changes {
		got = append(got, c.Webhooks)
	}
	if want := []int{0, 2, 2}; !slices.Equal(got, want) {
		t.Errorf("Change.Webhooks of check-in, check-in, call-next = %v, want %v", got, want)
	}
}

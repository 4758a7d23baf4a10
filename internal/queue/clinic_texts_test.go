package queue_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"smartwait/internal/queue"
)

// Tests of a clinic's texts (docs/clinics.md, "Texts"): its name, its links,
// its sender, and the inbound texts to its number.

const northFrom = "+15005550111" // the north clinic's own number

// clinicTexts is a harness with the default clinic (named by the deployment),
// "north" with its own number and a line, and "south" without one.
func clinicTexts(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t, func(c *queue.Config) {
		c.ClinicName, c.PublicURL = "Riverside Clinic", "https://clinic.example"
	})
	ctx := context.Background()
	north, err := h.svc.CreateClinic(ctx, queue.Clinic{Slug: "north", Name: "North", TimeZone: "UTC", SMSFrom: northFrom})
	if err != nil {
		t.Fatal(err)
	}
	south, err := h.svc.CreateClinic(ctx, queue.Clinic{Slug: "south", Name: "South", TimeZone: "UTC"})
	if err != nil {
		t.Fatal(err)
	}
	h.clinicLine(t, north, "north-walk", "N")
	h.clinicLine(t, south, "south-walk", "S")
	return h
}

// texted checks a patient in to the line remotely, with a phone: texts follow.
func (h *harness) texted(tb testing.TB, line, name, phone string) queue.Entry {
	tb.Helper()
	e, err := h.svc.CheckIn(context.Background(), queue.CheckInRequest{QueueID: line, Name: name, Phone: phone, AppointmentTime: "10:00"})
	if err != nil {
		tb.Fatalf("check-in %s: %v", name, err)
	}
	return e
}

// only returns the single message of the kind the ticket has, failing the
// test when there is not exactly one.
func (h *harness) only(tb testing.TB, id string, kind queue.MessageKind) queue.Message {
	tb.Helper()
	ms := h.messages(tb, id)[kind]
	if len(ms) != 1 {
		tb.Fatalf("%d %s texts for %s, want 1: %+v", len(ms), kind, id, ms)
	}
	return ms[0]
}

// wantText fails unless m has exactly the body and sender.
func wantText(tb testing.TB, what string, m queue.Message, body, from string) {
	tb.Helper()
	if m.Body != body || m.From != from {
		tb.Errorf("%s:\n got  %q from %q\n want %q from %q", what, m.Body, m.From, body, from)
	}
}

// Each clinic's texts are signed with its name, link to its pages and go
// from its sender; the default clinic's are what they always were.
func TestClinicTextsNameLinkAndSender(t *testing.T) {
	h := clinicTexts(t)
	ctx := context.Background()
	main := h.texted(t, queue.DefaultQueueID, "Ana Lima", phones[0])
	main2 := h.texted(t, queue.DefaultQueueID, "Ben Ode", phones[1])
	n1 := h.texted(t, "north-walk", "Cy Park", phones[2])
	n2 := h.texted(t, "north-walk", "Di Moss", phones[3])
	s1 := h.texted(t, "south-walk", "Ed Fox", phones[4])

	wantText(t, "default clinic's confirmation", h.only(t, main.ID, queue.MessageConfirmation),
		"Riverside Clinic: Hi Ana, you're checked in: ticket A-001, number 1 in line, about 0 min. https://clinic.example/status/"+main.ID, "")
	wantText(t, "north's confirmation", h.only(t, n1.ID, queue.MessageConfirmation),
		"North: Hi Cy, you're checked in: ticket N-001, number 1 in line, about 0 min. https://clinic.example/c/north/status/"+n1.ID, northFrom)
	wantText(t, "south's confirmation", h.only(t, s1.ID, queue.MessageConfirmation),
		"South: Hi Ed, you're checked in: ticket S-001, number 1 in line, about 0 min. https://clinic.example/c/south/status/"+s1.ID, "")

	// Called, follow-up and get-ready: of the line's clinic.
	if _, err := h.svc.CallNext(ctx, "north-walk", "3"); err != nil {
		t.Fatal(err)
	}
	wantText(t, "north's call", h.only(t, n1.ID, queue.MessageCalled),
		"North: It's your turn, Cy! Ticket N-001, please come to room 3 now.", northFrom)
	wantText(t, "north's follow-up", h.only(t, n1.ID, queue.MessageFollowUp),
		"North: Reminder, Cy: it's your turn (ticket N-001). Please come to room 3 or tell the front desk.", northFrom)
	wantText(t, "north's get-ready", h.only(t, n2.ID, queue.MessageGetReady),
		"North: Please get ready, Di: you're number 1 in line (ticket N-002), about 15 min. Please come back to the waiting room.", northFrom)
	if _, err := h.svc.CallNext(ctx, queue.DefaultQueueID, "3"); err != nil {
		t.Fatal(err)
	}
	wantText(t, "the default clinic's call", h.only(t, main.ID, queue.MessageCalled),
		"Riverside Clinic: It's your turn, Ana! Ticket A-001, please come to room 3 now.", "")
	wantText(t, "the default clinic's get-ready", h.only(t, main2.ID, queue.MessageGetReady),
		"Riverside Clinic: Please get ready, Ben: you're number 1 in line (ticket A-002), about 15 min. Please come back to the waiting room.", "")
	if _, err := h.svc.CallNext(ctx, "south-walk", "Desk B"); err != nil {
		t.Fatal(err)
	}
	wantText(t, "south's call", h.only(t, s1.ID, queue.MessageCalled),
		"South: It's your turn, Ed! Ticket S-001, please come to Desk B now.", "")
}

// A delay alert is signed and sent by the patient's clinic.
func TestClinicDelayAlert(t *testing.T) {
	h := clinicTexts(t)
	ctx := context.Background()
	a := h.texted(t, "north-walk", "Ana Lima", phones[0])
	if n, err := h.svc.AlertDelays(ctx); err != nil || n != 0 {
		t.Fatalf("nothing changed: %d alerts, %v", n, err)
	}
	u, err := h.svc.CheckIn(ctx, queue.CheckInRequest{QueueID: "north-walk", Name: "Urgent One", AppointmentTime: "9", FrontDesk: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.SetUrgent(ctx, u.ID, true); err != nil {
		t.Fatal(err)
	}
	if n, err := h.svc.AlertDelays(ctx); err != nil || n != 1 {
		t.Fatalf("after an urgent patient went ahead: %d alerts, %v", n, err)
	}
	wantText(t, "north's delay alert", h.only(t, a.ID, queue.MessageDelay),
		"North: Running late, Ana: sorry, your wait grew. Ticket N-001, now number 2 in line, about 15 min. We will text you again.", northFrom)
}

// reply sends a text from a number to one of the deployment's numbers.
func (h *harness) reply(tb testing.TB, sid, from, to, body string) {
	tb.Helper()
	if _, err := h.svc.Reply(context.Background(), queue.InboundText{SID: sid, From: from, To: to, Body: body}); err != nil {
		tb.Fatalf("reply %s %q: %v", sid, body, err)
	}
}

// replyTo returns the single answer a number got, from any ticket's texts or
// none (an answer to a number without a ticket has no ticket id).
func (h *harness) replyTo(tb testing.TB, sid string) queue.Message {
	tb.Helper()
	ms, err := h.db.Messages(context.Background(), "")
	if err != nil {
		tb.Fatal(err)
	}
	for _, m := range ms {
		if m.DedupeKey == "reply:"+sid {
			return m
		}
	}
	tb.Fatalf("no answer to %s", sid)
	return queue.Message{}
}

// A text to a clinic's number belongs to that clinic: JOIN checks in to its
// first public line, and the answers go from the number texted. A patient
// with a ticket is answered by the ticket's clinic, whatever number they
// texted; a text to a number no clinic has is the default clinic's.
func TestClinicInboundTexts(t *testing.T) {
	h := clinicTexts(t)
	const (
		deployment = "+15005550006" // TWILIO_PHONE_NUMBER, no clinic's own
		ana        = "+14155552901"
		bo         = "+14155552902"
		cy         = "+14155552903"
		di         = "+14155552904"
	)
	// JOIN to north's number: north's first public line, the reply from it.
	h.reply(t, "SMj1", ana, northFrom, "JOIN Ana Lima")
	joined := h.replyTo(t, "SMj1")
	tk, err := h.svc.Status(context.Background(), joined.TicketID)
	if err != nil {
		t.Fatal(err)
	}
	if tk.QueueID != "north-walk" {
		t.Fatalf("JOIN to north's number checked in to %q, want north-walk", tk.QueueID)
	}
	wantText(t, "JOIN to north", joined,
		"North: Hi Ana, you're checked in: ticket N-001, number 1 in line, about 0 min. https://clinic.example/c/north/status/"+tk.ID, northFrom)

	// JOIN to the deployment's number (south has no number of its own): the
	// default clinic's default line, as before clinics.
	h.reply(t, "SMj2", bo, deployment, "JOIN Bo Diaz")
	joined = h.replyTo(t, "SMj2")
	if st, err := h.svc.Status(context.Background(), joined.TicketID); err != nil || st.QueueID != queue.DefaultQueueID {
		t.Fatalf("JOIN to the deployment's number: %+v, %v", st, err)
	}
	wantText(t, "JOIN to the deployment's number", joined,
		"Riverside Clinic: Hi Bo, you're checked in: ticket A-001, number 1 in line, about 0 min. https://clinic.example/status/"+joined.TicketID, "")
	// And with no number at all (an older webhook form): the same.
	h.reply(t, "SMj3", cy, "", "JOIN Cy")
	if m := h.replyTo(t, "SMj3"); m.From != "" || m.Body[:len("Riverside Clinic: ")] != "Riverside Clinic: " {
		t.Errorf("JOIN without To: %q from %q", m.Body, m.From)
	}

	// Ana, north's patient, texts the deployment's number: north answers,
	// about her ticket, from north's number.
	h.reply(t, "SMs1", ana, deployment, "STATUS")
	wantText(t, "north patient's STATUS", h.replyTo(t, "SMs1"),
		"North: Status: ticket N-001, number 1 in line, about 0 min. https://clinic.example/c/north/status/"+tk.ID, northFrom)
	h.reply(t, "SMh1", ana, deployment, "HERE")
	wantText(t, "north patient's HERE", h.replyTo(t, "SMh1"),
		"North: Thank you, we know you are here (ticket N-001). We will text you when it is your turn.", northFrom)
	h.reply(t, "SMl1", ana, deployment, "LATE")
	if m := h.replyTo(t, "SMl1"); m.From != northFrom || m.Body[:len("North: You will be seen later")] != "North: You will be seen later" {
		t.Errorf("north patient's LATE: %q from %q", m.Body, m.From)
	}
	h.reply(t, "SMc1", ana, deployment, "LEAVE")
	wantText(t, "north patient's LEAVE", h.replyTo(t, "SMc1"),
		"North: You left the line: ticket N-001 is cancelled. Thank you for telling us.", northFrom)

	// Without a ticket: the clinic texted answers, with its check-in page.
	h.reply(t, "SMn1", di, northFrom, "STATUS")
	wantText(t, "no ticket, to north", h.replyTo(t, "SMn1"),
		"North: This number has no check-in today. To check in: https://clinic.example/c/north/", northFrom)
	h.reply(t, "SMn2", di, deployment, "STATUS")
	wantText(t, "no ticket, to the deployment's number", h.replyTo(t, "SMn2"),
		"Riverside Clinic: This number has no check-in today. To check in: https://clinic.example/checkin", "")
	h.reply(t, "SMn3", di, northFrom, "HELP")
	wantText(t, "HELP to north", h.replyTo(t, "SMn3"),
		"North: Reply STATUS for your place, HERE when you arrive, LEAVE to leave the line, JOIN and your name to check in, STOP to stop texts.", northFrom)

	// Bo, in the default clinic's line, joins north's too (a number waits
	// once per line); a second JOIN there is refused from north's number.
	h.reply(t, "SMj4", bo, northFrom, "JOIN Bo Diaz")
	if m := h.replyTo(t, "SMj4"); m.From != northFrom || m.Body[:len("North: Hi Bo, you're checked in: ticket N-002")] != "North: Hi Bo, you're checked in: ticket N-002" {
		t.Errorf("JOIN to north while in the default line: %q from %q", m.Body, m.From)
	}
	h.reply(t, "SMj5", bo, northFrom, "JOIN Bo Diaz")
	wantText(t, "JOIN twice", h.replyTo(t, "SMj5"),
		"North: This number is already in line. Reply STATUS for your place.", northFrom)
}

// A clinic without a public line refuses a JOIN in words, from its number.
func TestClinicInboundJoinWithoutLines(t *testing.T) {
	h := newHarness(t, func(c *queue.Config) { c.PublicURL = "" })
	if _, err := h.svc.CreateClinic(context.Background(), queue.Clinic{Slug: "east", Name: "East", TimeZone: "UTC", SMSFrom: "+15005550222"}); err != nil {
		t.Fatal(err)
	}
	h.reply(t, "SMe1", "+14155552911", "+15005550222", "JOIN Ana")
	wantText(t, "JOIN to a clinic without lines", h.replyTo(t, "SMe1"),
		"East: We cannot check you in by text right now. Please ask at the front desk.", "+15005550222")
}

// Webhook events name the ticket's clinic, and another clinic's slug.
func TestClinicWebhookEvents(t *testing.T) {
	h := clinicTexts(t)
	bodies := webhookBodies(t, h)
	h.texted(t, queue.DefaultQueueID, "Ana", phones[0])
	h.texted(t, "north-walk", "Bo", phones[1])
	pub, _ := bodies()
	if len(pub) != 2 {
		t.Fatalf("%d events, want 2", len(pub))
	}
	if pub[0]["clinic"] != "Riverside Clinic" || pub[0]["clinicSlug"] != nil {
		t.Errorf("the default clinic's event: %v", pub[0])
	}
	if pub[1]["clinic"] != "North" || pub[1]["clinicSlug"] != "north" {
		raw, _ := json.Marshal(pub[1])
		t.Errorf("north's event: %s", raw)
	}
}

// A delivery report on an answer to a number without a ticket (HELP to
// north's number) is recorded, and its sms.status event names the clinic the
// answer went from, with no ticket or patient.
func TestClinicDeliveryOfATicketlessAnswer(t *testing.T) {
	h := clinicTexts(t)
	ctx := context.Background()
	bodies := webhookBodies(t, h)
	h.reply(t, "SMhelp", "+14155552921", northFrom, "HELP")
	cs, err := h.db.Claim(ctx, h.now, time.Minute, 10)
	if err != nil || len(cs) != 1 || cs[0].TicketID != "" {
		t.Fatalf("Claim = %+v, %v; want the one ticketless answer", cs, err)
	}
	if err := h.db.MarkSent(ctx, cs[0], "SMans", h.now); err != nil {
		t.Fatal(err)
	}
	if found, err := h.svc.RecordDelivery(ctx, "SMans", queue.MessageDelivered, ""); err != nil || !found {
		t.Fatalf("RecordDelivery = %v, %v", found, err)
	}
	pub, per := bodies()
	if types(pub) != "sms.status" || types(per) != "sms.status" {
		t.Fatalf("events %q / %q, want one sms.status", types(pub), types(per))
	}
	for _, ev := range []map[string]any{pub[0], per[0]} {
		if ev["clinic"] != "North" || ev["clinicSlug"] != "north" || ev["ticket"] != nil || ev["patient"] != nil ||
			ev["sms"].(map[string]any)["status"] != "delivered" {
			t.Errorf("sms.status of a ticketless answer: %v", ev)
		}
	}
}

// An admin who names the default clinic and gives it a number (PATCH
// /api/staff/clinics/main) changes its texts, as it changes its pages; until
// then the deployment's settings apply.
func TestDefaultClinicNamedByAdmin(t *testing.T) {
	h := clinicTexts(t)
	ctx := context.Background()
	before := h.only(t, h.texted(t, queue.DefaultQueueID, "Ann Lee", "+14155552671").ID, queue.MessageConfirmation)
	if before.From != "" || len(before.Body) < 17 || before.Body[:17] != "Riverside Clinic:" {
		t.Fatalf("default clinic's text before: from %q body %q", before.From, before.Body)
	}
	name, from := "Main Street", "+15005550122"
	if _, err := h.svc.UpdateClinic(ctx, queue.DefaultClinicSlug, queue.ClinicPatch{Name: &name, SMSFrom: &from}); err != nil {
		t.Fatal(err)
	}
	after := h.only(t, h.texted(t, queue.DefaultQueueID, "Bo Diaz", "+14155552672").ID, queue.MessageConfirmation)
	if after.From != from || len(after.Body) < 12 || after.Body[:12] != "Main Street:" {
		t.Errorf("default clinic's text after naming it: from %q body %q", after.From, after.Body)
	}
}

package queue_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"smartwait/internal/queue"
)

func TestParseKeyword(t *testing.T) {
	for body, want := range map[string]queue.Keyword{
		"status": queue.KeywordStatus, "  Where? ": queue.KeywordStatus, "¿Dónde estoy?": queue.KeywordStatus,
		"ESTADO": queue.KeywordStatus, "HELP!": queue.KeywordHelp, "ayuda": queue.KeywordHelp,
		"stop": queue.KeywordStop, "Stop please": queue.KeywordStop, "UNSUBSCRIBE": queue.KeywordStop,
		"quit.": queue.KeywordStop, "stopall": queue.KeywordStop, "Start": queue.KeywordStart, "unstop": queue.KeywordStart,
		"hello": queue.KeywordOther, "": queue.KeywordOther, "statusx": queue.KeywordOther, "😀 status": queue.KeywordOther,
	} {
		if got := queue.ParseKeyword(body); got != want {
			t.Errorf("ParseKeyword(%q) = %s, want %s", body, got, want)
		}
	}
}

// replies are the answers the outbox holds for a number.
func (h *harness) replies(tb testing.TB, ticketID, phone string) []string {
	tb.Helper()
	var out []string
	for _, m := range h.messages(tb, ticketID)[queue.MessageReply] {
		if m.To == phone {
			out = append(out, m.Body)
		}
	}
	return out
}

func TestRepliesToTexts(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	const phone = "+14155552801"
	e, err := h.svc.CheckIn(ctx, queue.CheckInRequest{Name: "Ana", Phone: "+14155552800", AppointmentTime: "9"})
	if err != nil {
		t.Fatal(err)
	}
	es, err := h.svc.CheckIn(ctx, queue.CheckInRequest{Name: "María", Phone: phone, AppointmentTime: "9", Language: "es"})
	if err != nil {
		t.Fatal(err)
	}
	reply := func(sid, from, body string) {
		t.Helper()
		if _, err := h.svc.Reply(ctx, queue.InboundText{SID: sid, From: from, Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	// STATUS, in the ticket's language, about that ticket only; the same
	// webhook again is answered once.
	reply("SM1", phone, "estado")
	reply("SM1", phone, "estado")
	got := h.replies(t, es.ID, phone)
	if len(got) != 1 || !strings.Contains(got[0], "Estado: turno") || !strings.Contains(got[0], "2 en la fila") || !strings.Contains(got[0], es.Number) || strings.Contains(got[0], e.Number) {
		t.Fatalf("status replies: %q", got)
	}
	// A number with no ticket gets a helpful answer, not an error.
	reply("SM2", "+14155552899", "status")
	if got := h.replies(t, "", "+14155552899"); len(got) != 1 || !strings.Contains(got[0], "no check-in") {
		t.Fatalf("no-ticket replies: %q", got)
	}
	// An unknown word: one help text an hour.
	reply("SM3", "+14155552899", "hello?")
	h.advance(30 * time.Minute)
	reply("SM4", "+14155552899", "hello??")
	if got := h.replies(t, "", "+14155552899"); len(got) != 1 {
		t.Fatalf("an unknown word within the hour of an answer is not answered: %q", got)
	}
	h.advance(31 * time.Minute)
	reply("SM5", "+14155552899", "hello???")
	if got := h.replies(t, "", "+14155552899"); len(got) != 2 || !strings.Contains(strings.Join(got, "|"), "Reply STATUS") {
		t.Fatalf("after an hour, one help text: %q", got)
	}
	// HELP lists the keywords.
	reply("SM6", "+14155552800", "help")
	if got := h.replies(t, e.ID, "+14155552800"); len(got) != 1 || !strings.Contains(got[0], "STATUS") || !strings.Contains(got[0], "STOP") {
		t.Fatalf("help: %q", got)
	}
	for _, bad := range []queue.InboundText{{SID: "SM7", From: "not a phone", Body: "status"}, {From: phone, Body: "status"}} {
		if _, err := h.svc.Reply(ctx, bad); err == nil {
			t.Errorf("Reply(%+v) = nil error", bad)
		}
	}
}

// TestStopMeansNoTexts: after STOP no text of any kind goes to the number —
// pending ones are cancelled, new ones never written, questions unanswered —
// until START.
func TestStopMeansNoTexts(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	const phone = "+14155552811"
	a, err := h.svc.CheckIn(ctx, queue.CheckInRequest{Name: "Ana", Phone: phone, AppointmentTime: "9"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.CallNext(ctx, "", "2"); err != nil { // a call text, and a follow-up pending for 10 min
		t.Fatal(err)
	}
	if _, err := h.svc.Reply(ctx, queue.InboundText{SID: "SM1", From: phone, Body: "STOP"}); err != nil {
		t.Fatal(err)
	}
	fu := h.messages(t, a.ID)[queue.MessageFollowUp]
	if len(fu) != 1 || fu[0].Status != queue.MessageCancelled {
		t.Fatalf("the pending follow-up after STOP: %+v", fu)
	}
	if _, err := h.svc.Recall(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.Reply(ctx, queue.InboundText{SID: "SM2", From: phone, Body: "status"}); err != nil {
		t.Fatal(err)
	}
	ms := h.messages(t, a.ID)
	// The recall's text is kept for the staff SMS log, cancelled, saying why.
	if c := ms[queue.MessageCalled]; len(c) != 2 || pending(c) != 0 || !strings.Contains(c[0].LastError+c[1].LastError, "texted STOP") {
		t.Errorf("a recall after STOP: %+v; want its text cancelled, with the reason", c)
	}
	if n := len(ms[queue.MessageReply]); n != 0 {
		t.Errorf("a question after STOP was answered: %d", n)
	}
	b, err := h.svc.CheckIn(ctx, queue.CheckInRequest{Name: "Ana", Phone: phone, AppointmentTime: "9", QueueID: ""})
	if err == nil && pending(h.messages(t, b.ID)[queue.MessageConfirmation]) != 0 {
		t.Error("a check-in after STOP was texted")
	}
	if _, err := h.svc.Reply(ctx, queue.InboundText{SID: "SM3", From: phone, Body: "START"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.Recall(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if n := pending(h.messages(t, a.ID)[queue.MessageCalled]); n != 1 {
		t.Errorf("after START the recall is texted: %d call texts to send", n)
	}
}

// pending counts the texts of ms still to be sent.
func pending(ms []queue.Message) int {
	n := 0
	for _, m := range ms {
		if m.Status == queue.MessagePending {
			n++
		}
	}
	return n
}

// TestLeaveAndJoinByText: LEAVE cancels the sender's own ticket, with the
// reply in the same transaction; JOIN checks a number in under the web's
// rules, its confirmation being the reply; retried webhooks answer once.
func TestLeaveAndJoinByText(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	const phone = "+14155552821"
	reply := func(sid, body string) {
		t.Helper()
		if _, err := h.svc.Reply(ctx, queue.InboundText{SID: sid, From: phone, Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	reply("SM1", "JOIN   Ana   Lopez ")
	reply("SM1", "JOIN Ana Lopez") // Twilio retries: one ticket, one text
	st, err := h.svc.Queues(ctx, []string{queue.DefaultQueueID})
	if err != nil {
		t.Fatal(err)
	}
	entries := st[0].Entries
	if len(entries) != 1 || entries[0].Name != "Ana Lopez" || entries[0].Phone != phone {
		t.Fatalf("queue after JOIN: %+v", entries)
	}
	id := entries[0].ID
	ms := h.messages(t, id)
	if n := len(ms[queue.MessageReply]) + len(ms[queue.MessageConfirmation]); n != 1 || !strings.Contains(ms[queue.MessageReply][0].Body, "checked in") {
		t.Fatalf("JOIN's confirmation: %+v", ms)
	}
	reply("SM2", "join Ana again") // already in line
	reply("SM3", "JOIN")           // no name
	answers := strings.Join(h.replies(t, "", phone), "|")
	if !strings.Contains(answers, "already in line") || !strings.Contains(answers, "reply JOIN and your name") {
		t.Fatalf("JOIN refusals: %q", answers)
	}

	reply("SM4", "Leave")
	reply("SM4", "Leave")
	if st, err := h.svc.Status(ctx, id); err != nil || st.Status != queue.StatusCancelled {
		t.Fatalf("after LEAVE: %v, %v", st.Status, err)
	}
	left := h.replies(t, id, phone) // the JOIN confirmation, and the answer to LEAVE once
	if len(left) != 2 || strings.Count(strings.Join(left, "|"), "You left the line") != 1 {
		t.Fatalf("LEAVE's reply: %q", left)
	}
	changes := h.take()
	if len(changes) == 0 || changes[len(changes)-1].Kind != queue.ChangeCancelled {
		t.Fatalf("LEAVE publishes the cancellation: %+v", changes)
	}
	reply("SM5", "cancel") // nothing left to cancel: told so, no error
	if got := h.replies(t, "", phone); !strings.Contains(strings.Join(got, "|"), "no check-in") {
		t.Fatalf("LEAVE without a ticket: %q", got)
	}
}

// TestHereByText: HERE marks the sender's ticket arrived once — the desk sees
// it and the change is published, nobody moves — and the patient is told.
func TestHereByText(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	const phone = "+14155552841"
	a, err := h.svc.CheckIn(ctx, queue.CheckInRequest{Name: "Ana", Phone: "+14155552840", AppointmentTime: "9"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := h.svc.CheckIn(ctx, queue.CheckInRequest{Name: "Bo", Phone: phone, AppointmentTime: "9", Language: "es"})
	if err != nil {
		t.Fatal(err)
	}
	h.take()
	arrivedAt := h.now
	if _, err := h.svc.Reply(ctx, queue.InboundText{SID: "SM1", From: phone, Body: "Aquí"}); err != nil {
		t.Fatal(err)
	}
	h.advance(time.Minute)
	if _, err := h.svc.Reply(ctx, queue.InboundText{SID: "SM2", From: phone, Body: "here"}); err != nil {
		t.Fatal(err)
	}
	qs, err := h.svc.Queues(ctx, []string{queue.DefaultQueueID})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range qs[0].Entries {
		switch e.ID {
		case b.ID:
			if !e.ArrivedAt.Equal(arrivedAt) || e.Position != 2 {
				t.Errorf("Bo after HERE: arrived %v (want %v, the first HERE), position %d", e.ArrivedAt, arrivedAt, e.Position)
			}
		case a.ID:
			if !e.ArrivedAt.IsZero() || e.Position != 1 {
				t.Errorf("Ana: %+v", e)
			}
		}
	}
	changes := h.take()
	if len(changes) != 1 || changes[0].Kind != queue.ChangeArrived || changes[0].Ticket.ID != b.ID || changes[0].Waiting != 2 {
		t.Fatalf("HERE publishes an arrival: %+v", changes)
	}
	got := h.replies(t, b.ID, phone)
	if len(got) != 2 || !strings.Contains(got[0], "sabemos que esta aqui") && !strings.Contains(got[0], "sabemos que está aquí") {
		t.Fatalf("HERE replies: %q", got)
	}
	// A call after it keeps the arrival (the basis carried it forward).
	if _, err := h.svc.CallNext(ctx, "", "1"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.CallNext(ctx, "", "2"); err != nil {
		t.Fatal(err)
	}
	if st, err := h.svc.Status(ctx, b.ID); err != nil || !st.ArrivedAt.Equal(arrivedAt) || st.Status != queue.StatusCalled {
		t.Errorf("after the call: %v %v %v", st.ArrivedAt, st.Status, err)
	}
}

// TestLateByText: LATE puts the sender's visit back — due no earlier than now
// plus the minutes asked (15 by default, 60 at most) — twice a visit at most;
// the line follows the ordering rule, and a retried webhook moves nobody twice.
func TestLateByText(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	const phone = "+14155552851"
	a, err := h.svc.CheckIn(ctx, queue.CheckInRequest{Name: "Ana", Phone: phone, AppointmentTime: "9"})
	if err != nil {
		t.Fatal(err)
	}
	var others []queue.Entry
	for i, ph := range []string{"+14155552852", "+14155552853"} {
		h.advance(time.Minute)
		e, err := h.svc.CheckIn(ctx, queue.CheckInRequest{Name: fmt.Sprint("P", i), Phone: ph, AppointmentTime: "9"})
		if err != nil {
			t.Fatal(err)
		}
		others = append(others, e)
	}
	text := func(sid, body string) {
		t.Helper()
		if _, err := h.svc.Reply(ctx, queue.InboundText{SID: sid, From: phone, Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	position := func(id string) int {
		t.Helper()
		st, err := h.svc.Status(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return st.Position
	}
	text("SM1", "late 5 min") // due in 5 minutes: after the two who came in before that
	text("SM1", "late 5 min") // Twilio retries
	if got := []int{position(a.ID), position(others[0].ID), position(others[1].ID)}; !slices.Equal(got, []int{3, 1, 2}) {
		t.Fatalf("positions after LATE: %v", got)
	}
	st, _ := h.svc.Status(ctx, a.ID)
	if st.Delays != 1 || !st.DueAt.Equal(h.now.Add(5*time.Minute)) {
		t.Fatalf("after one LATE: delays %d, due %v (now %v)", st.Delays, st.DueAt, h.now)
	}
	if got := h.replies(t, a.ID, phone); len(got) != 1 || !strings.Contains(got[0], "number 3 in line") {
		t.Fatalf("LATE's answer: %q", got)
	}
	// A walk-in after the LATE text, due now, goes ahead of the later due time.
	h.advance(time.Minute)
	d, err := h.svc.CheckIn(ctx, queue.CheckInRequest{Name: "Dee", Phone: "+14155552854", AppointmentTime: "9"})
	if err != nil || d.Position != 3 || position(a.ID) != 4 {
		t.Fatalf("a walk-in after LATE: position %d (%v), Ana %d", d.Position, err, position(a.ID))
	}
	text("SM2", "DELAY 90") // at most an hour
	st, _ = h.svc.Status(ctx, a.ID)
	if st.Delays != 2 || !st.DueAt.Equal(h.now.Add(queue.MaxDelay)) {
		t.Fatalf("after DELAY 90: delays %d, due %v", st.Delays, st.DueAt)
	}
	text("SM3", "late")
	st, _ = h.svc.Status(ctx, a.ID)
	if st.Delays != 2 {
		t.Fatalf("a third LATE: delays %d", st.Delays)
	}
	if got := strings.Join(h.replies(t, a.ID, phone), "|"); !strings.Contains(got, "already put back 2 times") {
		t.Fatalf("a third LATE is told no: %q", got)
	}
}

package notify_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"smartwait/internal/queue"
	"smartwait/internal/sms/twiliofake"
)

// The breaker on confirmation texts, against the Twilio fake: over the limit a
// minute, check-ins go on, their confirmations wait in the outbox (pending, no
// attempt used, the reason in lastError), other kinds still go out, the dispatcher
// reports Holding; when the minute has room the held texts go out, exactly once
// each, and the breaker closes.
func TestConfirmationBreaker(t *testing.T) {
	fake := twiliofake.New(t)
	e := newEnv(t, openDB(t, ""), fake, newClock())
	e.disp.ConfirmationsPerMinute = 3
	e.queue.Config.GetReadyPosition = 0 // only confirmations and "your turn"

	var ps []queue.Entry
	for i := range 5 {
		ps = append(ps, e.checkIn(t, "Patient", phone(i))) // every check-in succeeds
	}
	e.dispatch(t)
	if n := len(fake.Messages()); n != 3 {
		t.Fatalf("%d texts sent in the first minute, want the limit, 3", n)
	}
	if !e.disp.Holding() {
		t.Fatal("Holding() = false after holding texts")
	}
	held := 0
	for _, p := range ps {
		m := e.messages(t, p.ID)[0]
		if m.Status == queue.MessageSent {
			continue
		}
		held++
		if m.Status != queue.MessagePending || m.Attempts != 0 || !strings.Contains(m.LastError, "held") ||
			!m.DueAt.Equal(e.clock.Now().Add(time.Minute)) {
			t.Errorf("held confirmation: status %q attempts %d lastError %q due %v; want pending, 0, held, in a minute",
				m.Status, m.Attempts, m.LastError, m.DueAt)
		}
	}
	if held != 2 {
		t.Errorf("%d confirmations held, want 2", held)
	}
	if n := counter(t, e.reg, "smartwait_sms_breaker_trips_total"); n != 1 {
		t.Errorf("trips = %v, want 1", n)
	}
	if n := counter(t, e.reg, "smartwait_sms_held_total"); n != 2 {
		t.Errorf("held = %v, want 2", n)
	}

	// Staff's texts are not held: "your turn" goes out at once.
	if _, err := e.queue.CallNext(t.Context(), "", "Room 1"); err != nil {
		t.Fatal(err)
	}
	e.dispatch(t)
	if n := len(fake.Messages()); n != 4 || !strings.Contains(fake.Messages()[3].Body, "your turn") {
		t.Fatalf("after call-next: %d texts, last %+v; want the called text sent", n, fake.Messages()[n-1])
	}

	// Not yet a minute: still held.
	e.clock.Add(time.Minute - time.Millisecond)
	e.dispatch(t)
	if n := len(fake.Messages()); n != 4 || !e.disp.Holding() {
		t.Fatalf("%d texts before the minute is over, holding %v; want 4, holding", n, e.disp.Holding())
	}
	// The minute is over: the held confirmations go out, once each.
	e.clock.Add(time.Millisecond)
	e.dispatch(t)
	if n := len(fake.Messages()); n != 6 {
		t.Fatalf("%d texts after the minute, want 6", n)
	}
	for i := range 5 {
		if got := sentTo(fake.Messages(), phone(i)); got != 1+btoi(i == 0) { // patient 0 was also called
			t.Errorf("%s got %d texts", phone(i), got)
		}
	}
	for _, p := range ps {
		if m := e.messages(t, p.ID)[0]; m.Status != queue.MessageSent || m.Attempts != 1 {
			t.Errorf("released confirmation: status %q attempts %d, want sent on its first attempt", m.Status, m.Attempts)
		}
	}
	// A minute after the last hold, with room again: the breaker is closed.
	if e.disp.Holding() {
		t.Error("Holding() = true a minute after the last hold")
	}
}

// Held confirmations are spread over the minutes to come, the limit a minute,
// in order, each held once: whether the breaker holds them as they are
// claimed, or as they are written once it is full (Service.Hold) — then the
// check-in's change has no text due and wakes no dispatcher.
func TestConfirmationBreakerSpreadsHeldTexts(t *testing.T) {
	for _, whenWritten := range []bool{false, true} {
		t.Run(map[bool]string{false: "held when claimed", true: "held when written"}[whenWritten], func(t *testing.T) {
			fake := twiliofake.New(t)
			e := newEnv(t, openDB(t, ""), fake, newClock())
			e.disp.ConfirmationsPerMinute = 3
			var texts []int // Change.Texts of each check-in
			e.queue.Publisher = queue.PublisherFunc(func(ch queue.Change) { texts = append(texts, ch.Texts) })
			if !whenWritten {
				e.queue.Hold = nil
			}
			t0 := e.clock.Now()
			var ps []queue.Entry
			for i := range 12 {
				ps = append(ps, e.checkIn(t, "Patient", phone(i)))
				if whenWritten && i == 2 {
					e.dispatch(t) // the first three go out: the breaker is full
				}
			}
			e.dispatch(t)
			if n := len(fake.Messages()); n != 3 {
				t.Fatalf("%d texts sent in the first minute, want the limit, 3", n)
			}
			for i, p := range ps[3:] {
				m := e.messages(t, p.ID)[0]
				due := t0.Add(time.Duration(1+i/3) * time.Minute)
				if m.Status != queue.MessagePending || m.Attempts != 0 || !strings.Contains(m.LastError, "held") || !m.DueAt.Equal(due) {
					t.Errorf("held confirmation %d: status %q attempts %d lastError %q due %v; want pending, 0, held, due %v",
						i, m.Status, m.Attempts, m.LastError, m.DueAt, due)
				}
				if wantTexts := map[bool]int{false: 1, true: 0}[whenWritten]; texts[3+i] != wantTexts {
					t.Errorf("check-in %d: Change.Texts = %d, want %d", 3+i, texts[3+i], wantTexts)
				}
			}
			for minute := 1; minute <= 3; minute++ {
				e.clock.Add(time.Minute)
				e.dispatch(t)
				if n := len(fake.Messages()); n != 3+3*minute {
					t.Fatalf("%d texts after %d minutes, want %d", n, minute, 3+3*minute)
				}
			}
			for i := range 12 {
				if got := sentTo(fake.Messages(), phone(i)); got != 1 {
					t.Errorf("%s got %d texts, want 1", phone(i), got)
				}
			}
			if n := counter(t, e.reg, "smartwait_sms_held_total"); n != 9 {
				t.Errorf("held = %v, want 9: each held confirmation held once", n)
			}
			if n := counter(t, e.reg, "smartwait_sms_breaker_trips_total"); n != 1 {
				t.Errorf("trips = %v, want 1", n)
			}
		})
	}
}

// With the breaker off (0), every confirmation goes out at once.
func TestConfirmationBreakerOff(t *testing.T) {
	fake := twiliofake.New(t)
	e := newEnv(t, openDB(t, ""), fake, newClock())
	for i := range 80 {
		e.checkIn(t, "Patient", phone(i))
	}
	e.dispatch(t)
	if n := len(fake.Messages()); n != 80 || e.disp.Holding() {
		t.Fatalf("%d texts sent, holding %v; want all 80, not holding", n, e.disp.Holding())
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// A confirmation to a number that texted STOP is never sent, so it takes no
// room the breaker keeps for held texts: while the breaker is full, the texts
// that will go out are not held longer behind it.
func TestConfirmationBreakerSkipsOptedOut(t *testing.T) {
	fake := twiliofake.New(t)
	e := newEnv(t, openDB(t, ""), fake, newClock())
	e.disp.ConfirmationsPerMinute = 3
	ctx := context.Background()
	t0 := e.clock.Now()
	for i := range 3 {
		if _, err := e.queue.Reply(ctx, queue.InboundText{SID: fmt.Sprintf("SM%d", i), From: phone(i), Body: "STOP"}); err != nil {
			t.Fatalf("STOP from %s: %v", phone(i), err)
		}
	}
	for i := 10; i < 13; i++ {
		e.checkIn(t, "Patient", phone(i))
	}
	e.dispatch(t) // the breaker is full for a minute
	var ps []queue.Entry
	for i := range 6 { // three opted out, then three that will be sent
		ps = append(ps, e.checkIn(t, "Patient", phone(i)))
	}
	for i, p := range ps {
		m := e.messages(t, p.ID)[0]
		if i < 3 {
			if m.Status != queue.MessageCancelled {
				t.Errorf("opted-out %s: status %q, want cancelled", phone(i), m.Status)
			}
			continue
		}
		if due := t0.Add(time.Minute); m.Status != queue.MessagePending || !m.DueAt.Equal(due) {
			t.Errorf("%s: status %q due %v, want pending, due %v: the opted-out texts took its room",
				phone(i), m.Status, m.DueAt, due)
		}
	}
	if n := counter(t, e.reg, "smartwait_sms_held_total"); n != 3 {
		t.Errorf("held = %v, want 3", n)
	}
}

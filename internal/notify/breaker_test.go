package notify_test

import (
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

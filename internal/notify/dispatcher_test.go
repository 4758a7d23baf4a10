package notify_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"smartwait/internal/notify"
	"smartwait/internal/queue"
	"smartwait/internal/sms/twiliofake"
)

func phone(i int) string { return fmt.Sprintf("+1415555%04d", 2000+i) }

func TestTemporaryFailureRetriedWithBackoffThenSentOnce(t *testing.T) {
	fake := twiliofake.New(t)
	e := newEnv(t, openDB(t, ""), fake, newClock())
	fake.FailNext(2, 503)
	p := e.checkIn(t, "Ana Lima", phone(1))

	steps := []struct {
		advance  time.Duration // before the pass
		requests int           // total requests to the fake after the pass
		status   queue.MessageStatus
		attempts int
	}{
		{0, 1, queue.MessagePending, 1},
		{2*time.Second - time.Millisecond, 1, queue.MessagePending, 1}, // backoff 4s, jitter 0 → 2s
		{time.Millisecond, 2, queue.MessagePending, 2},
		{4*time.Second - time.Millisecond, 2, queue.MessagePending, 2}, // doubled: 8s → 4s
		{time.Millisecond, 3, queue.MessageSent, 3},
		{time.Hour, 3, queue.MessageSent, 3},
	}
	for i, s := range steps {
		e.clock.Add(s.advance)
		e.dispatch(t)
		m := e.messages(t, p.ID)[0]
		if fake.Requests() != s.requests || m.Status != s.status || m.Attempts != s.attempts {
			t.Fatalf("step %d: %d requests, status %q, attempts %d; want %d, %q, %d",
				i, fake.Requests(), m.Status, m.Attempts, s.requests, s.status, s.attempts)
		}
		if s.status == queue.MessagePending && !strings.Contains(m.LastError, "503") {
			t.Errorf("step %d: lastError %q, want the 503", i, m.LastError)
		}
	}
	got := fake.Messages()
	if len(got) != 1 || got[0].To != phone(1) {
		t.Fatalf("fake accepted %d messages, want exactly the one confirmation", len(got))
	}
	if m := e.messages(t, p.ID)[0]; m.ProviderID != got[0].SID || !m.SentAt.Equal(e.clock.Now().Add(-time.Hour)) {
		t.Errorf("provider id %q sentAt %v, want %q at the send", m.ProviderID, m.SentAt, got[0].SID)
	}
	if r, s := counter(t, e.reg, "smartwait_sms_retried_total"), counter(t, e.reg, "smartwait_sms_sent_total"); r != 2 || s != 1 {
		t.Errorf("metrics: retried %v sent %v, want 2 and 1", r, s)
	}
	if n := counter(t, e.reg, "smartwait_sms_send_duration_seconds"); n != 3 {
		t.Errorf("latency observed %v sends, want 3", n)
	}
}

func TestRetriesEndInFailed(t *testing.T) {
	fake := twiliofake.New(t)
	e := newEnv(t, openDB(t, ""), fake, newClock())
	fake.FailNext(100, 503)
	p := e.checkIn(t, "Ana", phone(1))
	for range 10 {
		e.dispatch(t)
		e.clock.Add(time.Minute) // past any backoff (capped at 1m)
	}
	m := e.messages(t, p.ID)[0]
	if m.Status != queue.MessageFailed || m.Attempts != 5 || fake.Requests() != 5 {
		t.Fatalf("status %q attempts %d requests %d; want failed after MaxAttempts=5", m.Status, m.Attempts, fake.Requests())
	}
	if f := counter(t, e.reg, "smartwait_sms_failed_total"); f != 1 {
		t.Errorf("failed metric %v, want 1", f)
	}
}

func TestPermanentFailureNotRetried(t *testing.T) {
	fake := twiliofake.New(t)
	e := newEnv(t, openDB(t, ""), fake, newClock())
	fake.Reject(phone(1))
	bad := e.checkIn(t, "Ana", phone(1))
	good := e.checkIn(t, "Ben", phone(2))
	e.dispatch(t)
	e.clock.Add(24 * time.Hour)
	e.dispatch(t)
	if fake.Requests() != 2 {
		t.Fatalf("%d requests, want 2 (one each, the rejected one not retried)", fake.Requests())
	}
	m := e.messages(t, bad.ID)[0]
	if m.Status != queue.MessageFailed || m.Attempts != 1 || !strings.Contains(m.LastError, "21211") {
		t.Errorf("rejected message: status %q attempts %d lastError %q; want failed once with 21211", m.Status, m.Attempts, m.LastError)
	}
	if m := e.messages(t, good.ID)[0]; m.Status != queue.MessageSent {
		t.Errorf("the other patient's message: %q, want sent", m.Status)
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	db := openDB(t, "")
	e := newEnv(t, db, twiliofake.New(t), newClock())
	calls := 0
	e.disp.Sender = notify.SenderFunc(func(ctx context.Context, m queue.Message) (string, error) {
		calls++
		if calls == 1 {
			return "", &notify.SendError{Err: errors.New("HTTP 429"), RetryAfter: time.Minute}
		}
		return "SMok", nil
	})
	p := e.checkIn(t, "Ana", phone(1))
	e.dispatch(t)
	e.clock.Add(time.Minute - time.Millisecond)
	e.dispatch(t)
	if calls != 1 {
		t.Fatalf("sent again %d times before Retry-After passed", calls-1)
	}
	e.clock.Add(time.Millisecond)
	e.dispatch(t)
	if m := e.messages(t, p.ID)[0]; calls != 2 || m.Status != queue.MessageSent || m.ProviderID != "SMok" {
		t.Fatalf("after Retry-After: %d calls, status %q provider %q", calls, m.Status, m.ProviderID)
	}
}

func TestBackoffDelay(t *testing.T) {
	b := notify.Backoff{Base: 5 * time.Second, Max: 5 * time.Minute, MaxAttempts: 8}
	tests := []struct {
		attempts int
		r        float64
		want     time.Duration
	}{
		{1, 0, 2500 * time.Millisecond},
		{1, 0.999999999, 5 * time.Second},
		{2, 0, 5 * time.Second},
		{3, 0.5, 15 * time.Second},
		{7, 0, 150 * time.Second}, // 320s capped to 300s
		{50, 0.999999999, 5 * time.Minute},
	}
	for _, tt := range tests {
		got := b.Delay(tt.attempts, tt.r)
		if d := got - tt.want; d < -time.Microsecond || d > time.Microsecond {
			t.Errorf("Delay(%d, %v) = %v, want %v", tt.attempts, tt.r, got, tt.want)
		}
	}
	if b.GiveUp(7) || !b.GiveUp(8) {
		t.Errorf("GiveUp(7)=%v GiveUp(8)=%v, want false, true", b.GiveUp(7), b.GiveUp(8))
	}
}

// The follow-up goes out once to a patient still called after the delay, and never
// to one completed before it.
func TestFollowUp(t *testing.T) {
	fake := twiliofake.New(t)
	e := newEnv(t, openDB(t, ""), fake, newClock())
	ctx := context.Background()
	stays := e.checkIn(t, "Ana", phone(1))
	leaves := e.checkIn(t, "Ben", phone(2))
	if _, err := e.queue.CallNext(ctx, "", "3"); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(time.Minute)
	if _, err := e.queue.CallNext(ctx, "", "4"); err != nil {
		t.Fatal(err)
	}
	e.dispatch(t)
	e.clock.Add(5 * time.Minute)
	if _, err := e.queue.Complete(ctx, leaves.ID); err != nil {
		t.Fatal(err)
	}
	e.dispatch(t)
	before := len(fake.Messages())
	e.clock.Add(4*time.Minute - time.Millisecond) // Ana called 10m ago, minus 1ms
	e.dispatch(t)
	if n := len(fake.Messages()); n != before {
		t.Fatalf("%d texts went out before the follow-up was due", n-before)
	}
	for range 3 {
		e.clock.Add(10 * time.Minute)
		e.dispatch(t)
	}
	followUps := fake.Messages()[before:]
	if len(followUps) != 1 || followUps[0].To != phone(1) || !strings.Contains(followUps[0].Body, "Reminder") {
		t.Fatalf("after the delay the fake got %+v, want one reminder to Ana", followUps)
	}
	kinds := map[string][]queue.MessageStatus{}
	for _, p := range []queue.Entry{stays, leaves} {
		for _, m := range e.messages(t, p.ID) {
			if m.Kind == queue.MessageFollowUp {
				kinds[p.Name] = append(kinds[p.Name], m.Status)
			}
		}
	}
	if s := kinds["Ana"]; len(s) != 1 || s[0] != queue.MessageSent {
		t.Errorf("Ana's follow-ups %v, want one sent", s)
	}
	if s := kinds["Ben"]; len(s) != 1 || s[0] != queue.MessageCancelled {
		t.Errorf("Ben's follow-ups %v, want one cancelled", s)
	}
	if n := sentTo(fake.Messages(), phone(2)); n != 2 {
		t.Errorf("Ben got %d texts, want 2 (confirmation, called: his get-ready was superseded unsent)", n)
	}
}

// Two dispatchers on two connections to one file (as two processes would be)
// deliver every message exactly once.
func TestDispatchersShareOutboxWithoutDuplicates(t *testing.T) {
	fake := twiliofake.New(t)
	path := t.TempDir() + "/shared.db"
	c := newClock()
	a := newEnv(t, openDB(t, path), fake, c)
	b := newEnv(t, openDB(t, path), fake, c)
	const n = 60
	for i := range n {
		a.checkIn(t, "P", phone(i))
	}
	a.disp.Batch, b.disp.Batch = 7, 5
	var wg sync.WaitGroup
	wg.Go(func() { a.dispatch(t) })
	wg.Go(func() { b.dispatch(t) })
	wg.Wait()
	msgs := fake.Messages()
	if len(msgs) != n {
		t.Fatalf("fake got %d messages, want %d", len(msgs), n)
	}
	for i := range n {
		if k := sentTo(msgs, phone(i)); k != 1 {
			t.Errorf("%s got %d texts", phone(i), k)
		}
	}
}

// A patient's texts reach the provider in the order they were written, even when
// they are due together and many workers send at once.
func TestTextsOfOnePatientInOrder(t *testing.T) {
	fake := twiliofake.New(t)
	e := newEnv(t, openDB(t, ""), fake, newClock())
	e.disp.Workers = 16
	ctx := context.Background()
	for i := range 8 {
		e.checkIn(t, "P", phone(i))
		if _, err := e.queue.CallNext(ctx, "", "1"); err != nil {
			t.Fatal(err)
		}
	}
	e.dispatch(t)
	msgs := fake.Messages()
	for i := range 8 {
		var bodies []string
		for _, m := range msgs {
			if m.To == phone(i) {
				bodies = append(bodies, m.Body)
			}
		}
		if len(bodies) != 2 || !strings.Contains(bodies[0], "checked in") || !strings.Contains(bodies[1], "your turn") {
			t.Errorf("%s got %q, want the confirmation then the call", phone(i), bodies)
		}
	}
}

func TestFailingCountsTemporaryFailuresInARow(t *testing.T) {
	fake := twiliofake.New(t)
	e := newEnv(t, openDB(t, ""), fake, newClock())
	fake.Reject(phone(9))
	e.checkIn(t, "Rejected", phone(9))
	e.dispatch(t)
	if n := e.disp.Failing(); n != 0 {
		t.Fatalf("Failing after a permanent failure = %d, want 0", n)
	}
	fake.FailNext(2, 503)
	e.checkIn(t, "A", phone(1))
	e.checkIn(t, "B", phone(2))
	e.dispatch(t)
	if n := e.disp.Failing(); n != 2 {
		t.Fatalf("Failing after two 503s = %d, want 2", n)
	}
	e.clock.Add(time.Minute)
	e.dispatch(t)
	if n := e.disp.Failing(); n != 0 {
		t.Fatalf("Failing after the provider came back = %d, want 0", n)
	}
}

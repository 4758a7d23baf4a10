package notify_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"smartwait/internal/notify"
	"smartwait/internal/queue"
	"smartwait/internal/sms/twiliofake"
)

// run starts e's dispatcher and returns a function that stops it and waits until
// it has drained.
func run(tb testing.TB, e *env) (stop func()) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.disp.Run(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				tb.Errorf("Run: %v", err)
			}
		case <-time.After(30 * time.Second):
			tb.Fatalf("Run did not return after its context ended")
		}
	}
	tb.Cleanup(stop)
	return stop
}

// A text goes out right after the commit that wrote it, without waiting for the
// poll: the queue's publisher wakes the dispatcher.
func TestRunWakesOnCommit(t *testing.T) {
	fake := twiliofake.New(t)
	e := newEnv(t, openDB(t, ""), fake, nil)
	e.disp.Poll = time.Hour // only Wake (and the pass at start) can send
	e.checkIn(t, "Ana", phone(1))
	stop := run(t, e)
	fake.WaitMessages(t, 1) // sent by the first pass
	e.checkIn(t, "Ben", phone(2))
	fake.WaitMessages(t, 2) // sent because the commit woke the dispatcher
	stop()
	if n := len(fake.Messages()); n != 2 {
		t.Fatalf("fake got %d messages, want 2", n)
	}
}

// While the provider is down check-ins go on (they never touch it), and each
// message arrives exactly once when it comes back.
func TestProviderDownThenBack(t *testing.T) {
	fake := twiliofake.New(t)
	e := newEnv(t, openDB(t, ""), fake, nil)
	e.disp.Poll = 5 * time.Millisecond
	e.disp.Backoff = notify.Backoff{Base: 10 * time.Millisecond, Max: 40 * time.Millisecond, MaxAttempts: 100}
	fake.FailNext(12, 503)
	stop := run(t, e)
	var ids []string
	for i := range 4 {
		ids = append(ids, e.checkIn(t, "P", phone(i)).ID)
	}
	fake.WaitFor(t, 20*time.Second, "4 delivered", func(m []twiliofake.Message, _ int) bool { return len(m) == 4 })
	stop()
	msgs := fake.Messages()
	for i := range 4 {
		if n := sentTo(msgs, phone(i)); n != 1 {
			t.Errorf("%s got %d texts, want exactly 1", phone(i), n)
		}
	}
	if fake.Requests() != 16 {
		t.Errorf("%d requests, want 12 failed + 4 accepted", fake.Requests())
	}
	retried := 0
	for _, id := range ids {
		m := e.messages(t, id)[0]
		if m.Status != queue.MessageSent {
			t.Errorf("message %d: %q, want sent", m.ID, m.Status)
		}
		retried += m.Attempts - 1
	}
	if retried != 12 {
		t.Errorf("attempts beyond the first add up to %d, want 12", retried)
	}
}

// On shutdown Run finishes the send in flight and sends what is due before it
// returns.
func TestRunDrainsOnShutdown(t *testing.T) {
	fake := twiliofake.New(t)
	e := newEnv(t, openDB(t, ""), fake, nil)
	e.disp.Poll = time.Hour
	twilio := e.disp.Sender
	inSend, release := make(chan struct{}), make(chan struct{})
	first := true
	e.disp.Workers = 1
	e.disp.Sender = notify.SenderFunc(func(ctx context.Context, m queue.Message) (string, error) {
		if first {
			first = false
			close(inSend)
			<-release
		}
		return twilio.Send(ctx, m)
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.disp.Run(ctx) }()
	e.checkIn(t, "Ana", phone(1))
	<-inSend                // Ana's text is being sent
	e.queue.Publisher = nil // Ben and Cy do not wake the dispatcher
	e.checkIn(t, "Ben", phone(2))
	e.checkIn(t, "Cy", phone(3))
	cancel() // shutdown begins while Ana's send is in flight
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	msgs := fake.Messages()
	for i := 1; i <= 3; i++ {
		if n := sentTo(msgs, phone(i)); n != 1 {
			t.Errorf("%s got %d texts by the end of Run, want 1", phone(i), n)
		}
	}
}

// A restart delivers every pending message exactly once: those that failed before,
// the one a dead process held a lease on, and never the one already sent.
func TestRestartDeliversPendingExactlyOnce(t *testing.T) {
	fake := twiliofake.New(t)
	path := t.TempDir() + "/restart.db"
	db := openDB(t, path)
	c := newClock()
	before := newEnv(t, db, fake, c)
	sent := before.checkIn(t, "Sent", phone(0))
	before.dispatch(t)
	fake.FailNext(3, 503)
	for i := 1; i <= 3; i++ {
		before.checkIn(t, "Failed", phone(i))
	}
	before.dispatch(t)
	inFlight := before.checkIn(t, "InFlight", phone(4))
	claims, err := db.Claim(context.Background(), c.Now(), time.Minute, 10)
	if err != nil || len(claims) != 1 || claims[0].TicketID != inFlight.ID {
		t.Fatalf("claim the in-flight message = %v, %v", claims, err)
	}
	if err := db.Close(); err != nil { // the process dies: no drain, no release
		t.Fatal(err)
	}
	if n := len(fake.Messages()); n != 1 {
		t.Fatalf("before the restart the fake got %d messages, want 1", n)
	}

	after := newEnv(t, openDB(t, path), fake, nil) // real clock: hours after c
	after.disp.Poll = 5 * time.Millisecond
	stop := run(t, after)
	fake.WaitMessages(t, 5)
	stop()
	msgs := fake.Messages()
	for i := 0; i <= 4; i++ {
		if n := sentTo(msgs, phone(i)); n != 1 {
			t.Errorf("%s got %d texts in all, want exactly 1", phone(i), n)
		}
	}
	if m := after.messages(t, sent.ID)[0]; m.Attempts != 1 {
		t.Errorf("the message sent before the restart has %d attempts, want 1", m.Attempts)
	}
	if m := after.messages(t, inFlight.ID)[0]; m.Status != queue.MessageSent || m.Attempts != 2 {
		t.Errorf("the in-flight message: %q after %d attempts, want sent after 2", m.Status, m.Attempts)
	}
}

// A dispatcher whose outbox is unreachable keeps running and sends once it is back.
func TestRunSurvivesOutboxErrors(t *testing.T) {
	fake := twiliofake.New(t)
	e := newEnv(t, openDB(t, ""), fake, nil)
	e.disp.Poll = 5 * time.Millisecond
	real := e.disp.Outbox
	fails := make(chan struct{}, 3)
	for range 3 {
		fails <- struct{}{}
	}
	e.disp.Outbox = failingClaims{Outbox: real, fails: fails}
	e.checkIn(t, "Ana", phone(1))
	stop := run(t, e)
	fake.WaitMessages(t, 1)
	stop()
	if len(fails) != 0 {
		t.Errorf("%d injected claim failures never happened", len(fails))
	}
}

// failingClaims fails Claim while fails has tokens: the database briefly down.
type failingClaims struct {
	notify.Outbox
	fails chan struct{}
}

func (f failingClaims) Claim(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]notify.Claim, error) {
	select {
	case <-f.fails:
		return nil, errors.New("database is locked")
	default:
		return f.Outbox.Claim(ctx, now, lease, limit)
	}
}

// A provider that hangs cannot hold shutdown past the drain timeout: the send is
// cut at the deadline and the message stays pending for the next start.
func TestDrainBoundedByTimeout(t *testing.T) {
	fake := twiliofake.New(t)
	e := newEnv(t, openDB(t, ""), fake, nil)
	e.disp.DrainTimeout = 100 * time.Millisecond
	e.disp.Poll = time.Hour
	e.queue.Publisher = nil
	fake.Hold()
	defer fake.Release()
	p := e.checkIn(t, "Ana", phone(1))
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // Run starts already stopping: only the drain sends
	if err := e.disp.Run(ctx); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if fake.Requests() != 0 && len(fake.Messages()) != 0 {
		t.Fatalf("the held send was answered")
	}
	m := e.messages(t, p.ID)[0]
	if m.Status != queue.MessagePending || m.Attempts != 1 || m.LastError == "" {
		t.Errorf("after the drain timed out: status %q attempts %d lastError %q; want pending for a retry", m.Status, m.Attempts, m.LastError)
	}
}

// countingOutbox counts the claims that found texts to send.
type countingOutbox struct {
	notify.Outbox
	mu       sync.Mutex
	nonEmpty int
}

func (o *countingOutbox) Claim(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]notify.Claim, error) {
	cs, err := o.Outbox.Claim(ctx, now, lease, limit)
	if len(cs) > 0 {
		o.mu.Lock()
		o.nonEmpty++
		o.mu.Unlock()
	}
	return cs, err
}

// A burst of check-ins is sent from one claim: the dispatcher gathers the
// commits behind the first Wake before it claims, instead of claiming once per
// text. The gather is held open here until the whole burst is committed.
func TestRunGathersABurstIntoOneClaim(t *testing.T) {
	fake := twiliofake.New(t)
	e := newEnv(t, openDB(t, ""), fake, nil)
	counting := &countingOutbox{Outbox: e.db}
	e.disp.Outbox = counting
	e.disp.Poll = time.Hour // only Wake (and the pass at start) can send
	gate, gathering := make(chan time.Time), make(chan struct{}, 1)
	e.disp.After = func(time.Duration) <-chan time.Time {
		select {
		case gathering <- struct{}{}:
		default:
		}
		return gate
	}
	stop := run(t, e)
	// Park the dispatcher in its gather with nothing to send yet, so the whole
	// burst lands behind the first Wake, however the goroutines are scheduled.
	e.disp.Wake()
	<-gathering
	for i := range 10 {
		e.checkIn(t, "P", phone(i))
	}
	close(gate)
	fake.WaitMessages(t, 10)
	stop()
	if n := len(fake.Messages()); n != 10 {
		t.Fatalf("fake got %d messages, want 10", n)
	}
	counting.mu.Lock()
	defer counting.mu.Unlock()
	if counting.nonEmpty != 1 {
		t.Fatalf("10 texts of one burst took %d claims, want 1", counting.nonEmpty)
	}
}

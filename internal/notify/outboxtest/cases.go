package outboxtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"smartwait/internal/notify"
	"smartwait/internal/queue"
)

// The cases of RunOutboxTests, each on a fresh database.

func testClaimDue(t *testing.T, s queue.Store, o notify.Outbox) {
	later := addMessage(t, s, queue.MessageFollowUp, t0.Add(lease/2))
	now := addMessage(t, s, queue.MessageConfirmation, t0)
	past := addMessage(t, s, queue.MessageCalled, t0.Add(-time.Minute))

	cs := claim(t, o, t0, 10)
	if got, want := ids(cs), []int64{past.ID, now.ID}; !slices.Equal(got, want) {
		t.Fatalf("claimed %v, want %v (due ones, oldest due first)", got, want)
	}
	c := cs[0]
	if c.Token == "" || !c.Until.Equal(t0.Add(lease)) {
		t.Errorf("claim token %q until %v, want a token until %v", c.Token, c.Until, t0.Add(lease))
	}
	if c.Attempts != 1 || c.Kind != queue.MessageCalled || c.Body != past.Body || c.To != past.To || c.TicketID != past.TicketID {
		t.Errorf("claimed %+v, want the message with Attempts 1", c.Message)
	}
	if c.Status != queue.MessagePending {
		t.Errorf("claimed status %q, want pending", c.Status)
	}
	if cs := claim(t, o, t0.Add(lease/2), 10); !slices.Equal(ids(cs), []int64{later.ID}) {
		t.Errorf("at its due time claimed %v, want [%d]", ids(cs), later.ID)
	}
}

func testClaimLimit(t *testing.T, s queue.Store, o notify.Outbox) {
	for i := range 5 {
		addMessage(t, s, queue.MessageConfirmation, t0.Add(time.Duration(i)*time.Second))
	}
	if n := len(claim(t, o, t0.Add(time.Hour), 3)); n != 3 {
		t.Fatalf("claimed %d with limit 3", n)
	}
	if n := len(claim(t, o, t0.Add(time.Hour), 3)); n != 2 {
		t.Fatalf("second claim took %d, want the 2 left", n)
	}
}

func testLease(t *testing.T, s queue.Store, o notify.Outbox) {
	m := addMessage(t, s, queue.MessageConfirmation, t0)
	first := claim(t, o, t0, 10)
	if len(first) != 1 {
		t.Fatalf("claimed %d, want 1", len(first))
	}
	if cs := claim(t, o, t0.Add(lease-time.Millisecond), 10); len(cs) != 0 {
		t.Fatalf("claimed %v while the lease holds", ids(cs))
	}
	again := claim(t, o, t0.Add(lease), 10)
	if !slices.Equal(ids(again), []int64{m.ID}) {
		t.Fatalf("after the lease ended claimed %v, want [%d]", ids(again), m.ID)
	}
	if again[0].Attempts != 2 {
		t.Errorf("attempts after a second claim = %d, want 2", again[0].Attempts)
	}
	if again[0].Token == first[0].Token {
		t.Errorf("a new claim reused the token %q", first[0].Token)
	}
}

func testConcurrentClaims(t *testing.T, s queue.Store, o notify.Outbox) {
	const n = 60
	for range n {
		addMessage(t, s, queue.MessageConfirmation, t0)
	}
	var (
		mu   sync.Mutex
		seen = map[int64]int{}
		wg   sync.WaitGroup
		errs = make(chan error, 8)
	)
	for range 8 {
		wg.Go(func() {
			for {
				cs, err := o.Claim(context.Background(), t0, lease, 4)
				if err != nil {
					errs <- err
					return
				}
				if len(cs) == 0 {
					return
				}
				mu.Lock()
				for _, c := range cs {
					seen[c.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent Claim: %v", err)
	}
	if len(seen) != n {
		t.Errorf("claimed %d distinct messages, want %d", len(seen), n)
	}
	for id, k := range seen {
		if k != 1 {
			t.Errorf("message %d claimed %d times", id, k)
		}
	}
}

func testMarkSent(t *testing.T, s queue.Store, o notify.Outbox) {
	m := addMessage(t, s, queue.MessageConfirmation, t0)
	c := claim(t, o, t0, 1)[0]
	at := t0.Add(2 * time.Second)
	must(t, "MarkSent", o.MarkSent(context.Background(), c, "SM123", at))
	got := message(t, o, m)
	if got.Status != queue.MessageSent || got.ProviderID != "SM123" || !got.SentAt.Equal(at) || got.Attempts != 1 {
		t.Errorf("after MarkSent: status %q provider %q sentAt %v attempts %d", got.Status, got.ProviderID, got.SentAt, got.Attempts)
	}
	if cs := claim(t, o, t0.Add(24*time.Hour), 10); len(cs) != 0 {
		t.Errorf("a sent message was claimed again: %v", ids(cs))
	}
	if n, err := o.RecoverExpired(context.Background(), t0.Add(24*time.Hour)); err != nil || n != 0 {
		t.Errorf("RecoverExpired after sent = %d, %v; want 0", n, err)
	}
}

// MarkSentAll marks every claim still leased by its token, each with its own
// provider id and time, and reports ErrLeaseLost for the one whose lease
// another dispatcher took, leaving that message to its new claim.
func testMarkSentAll(t *testing.T, s queue.Store, o notify.Outbox) {
	ctx := context.Background()
	f := staleAmongFresh(t, s, o, queue.MessageGetReady)
	stale, staleClaim, retaken, a, b, cs := f.stale, f.staleClaim, f.retaken, f.a, f.b, f.cs
	at := t0.Add(lease + 2*time.Second)
	sent := []notify.Sent{
		{Claim: cs[0], ProviderID: "SMa", At: at},
		{Claim: staleClaim, ProviderID: "SMstale", At: at},
		{Claim: cs[1], ProviderID: "SMb", At: at.Add(time.Second)},
	}
	results, err := o.MarkSentAll(ctx, sent)
	if err != nil || len(results) != 3 {
		t.Fatalf("MarkSentAll = %v, %v; want 3 results", results, err)
	}
	if results[0] != nil || results[2] != nil || !errors.Is(results[1], notify.ErrLeaseLost) {
		t.Errorf("results = %v; want nil, ErrLeaseLost, nil", results)
	}
	for i, m := range []queue.Message{a, b} {
		want := sent[2*i]
		got := message(t, o, m)
		if got.Status != queue.MessageSent || got.ProviderID != want.ProviderID || !got.SentAt.Equal(want.At) || got.Attempts != 1 {
			t.Errorf("message %d after MarkSentAll: status %q provider %q sentAt %v attempts %d", m.ID, got.Status, got.ProviderID, got.SentAt, got.Attempts)
		}
	}
	if got := message(t, o, stale); got.Status != queue.MessagePending || got.ProviderID != "" {
		t.Errorf("the re-claimed message was marked: status %q provider %q", got.Status, got.ProviderID)
	}
	must(t, "MarkSent with the fresh token", o.MarkSent(ctx, retaken, "SMfresh", at))
	if cs := claim(t, o, t0.Add(24*time.Hour), 10); len(cs) != 0 {
		t.Errorf("a sent message was claimed again: %v", ids(cs))
	}
	if results, err := o.MarkSentAll(ctx, nil); err != nil || len(results) != 0 {
		t.Errorf("MarkSentAll of nothing = %v, %v", results, err)
	}
	// One text alone, as a quiet dispatcher records it: marked, or lost.
	c := addMessage(t, s, queue.MessageConfirmation, at)
	cc := claim(t, o, at, 1)[0]
	if results, err := o.MarkSentAll(ctx, []notify.Sent{{Claim: cc, ProviderID: "SMc", At: at}}); err != nil || len(results) != 1 || results[0] != nil {
		t.Errorf("MarkSentAll of one = %v, %v; want [nil]", results, err)
	}
	if got := message(t, o, c); got.Status != queue.MessageSent || got.ProviderID != "SMc" {
		t.Errorf("the lone text after MarkSentAll: status %q provider %q", got.Status, got.ProviderID)
	}
	if results, err := o.MarkSentAll(ctx, []notify.Sent{{Claim: cc, ProviderID: "SMagain", At: at}}); err != nil || len(results) != 1 || !errors.Is(results[0], notify.ErrLeaseLost) {
		t.Errorf("MarkSentAll of one already marked = %v, %v; want [ErrLeaseLost]", results, err)
	}
}

func testMarkRetry(t *testing.T, s queue.Store, o notify.Outbox) {
	m := addMessage(t, s, queue.MessageGetReady, t0)
	c := claim(t, o, t0, 1)[0]
	next := t0.Add(10 * time.Second)
	must(t, "MarkRetry", o.MarkRetry(context.Background(), c, "HTTP 503", next))
	got := message(t, o, m)
	if got.Status != queue.MessagePending || got.LastError != "HTTP 503" || got.Attempts != 1 || !got.DueAt.Equal(next) {
		t.Errorf("after MarkRetry: status %q lastError %q attempts %d due %v", got.Status, got.LastError, got.Attempts, got.DueAt)
	}
	if cs := claim(t, o, next.Add(-time.Millisecond), 10); len(cs) != 0 {
		t.Errorf("claimed before its retry time: %v", ids(cs))
	}
	cs := claim(t, o, next, 10)
	if !slices.Equal(ids(cs), []int64{m.ID}) || cs[0].Attempts != 2 {
		t.Fatalf("at its retry time claimed %v, want [%d] with attempt 2", ids(cs), m.ID)
	}
}

func testMarkFailed(t *testing.T, s queue.Store, o notify.Outbox) {
	m := addMessage(t, s, queue.MessageCalled, t0)
	c := claim(t, o, t0, 1)[0]
	must(t, "MarkFailed", o.MarkFailed(context.Background(), c, "error 21211: invalid To", t0))
	got := message(t, o, m)
	if got.Status != queue.MessageFailed || got.LastError != "error 21211: invalid To" || got.Attempts != 1 {
		t.Errorf("after MarkFailed: status %q lastError %q attempts %d", got.Status, got.LastError, got.Attempts)
	}
	if cs := claim(t, o, t0.Add(24*time.Hour), 10); len(cs) != 0 {
		t.Errorf("a failed message was claimed again: %v", ids(cs))
	}
}

func testStaleToken(t *testing.T, s queue.Store, o notify.Outbox) {
	m := addMessage(t, s, queue.MessageConfirmation, t0)
	stale := claim(t, o, t0, 1)[0]
	fresh := claim(t, o, t0.Add(lease), 1)[0]
	ctx := context.Background()
	for name, err := range map[string]error{
		"MarkSent":   o.MarkSent(ctx, stale, "SMstale", t0.Add(lease)),
		"MarkRetry":  o.MarkRetry(ctx, stale, "x", t0.Add(lease)),
		"MarkFailed": o.MarkFailed(ctx, stale, "x", t0.Add(lease)),
		"Release":    o.Release(ctx, stale),
		"Postpone":   o.Postpone(ctx, stale, "x", t0.Add(lease)),
	} {
		if !errors.Is(err, notify.ErrLeaseLost) {
			t.Errorf("%s with a stale token = %v, want ErrLeaseLost", name, err)
		}
	}
	must(t, "MarkSent with the fresh token", o.MarkSent(ctx, fresh, "SMfresh", t0.Add(lease)))
	if got := message(t, o, m); got.ProviderID != "SMfresh" || got.Status != queue.MessageSent {
		t.Errorf("after both: provider %q status %q, want SMfresh sent", got.ProviderID, got.Status)
	}
	if err := o.MarkFailed(ctx, fresh, "late", t0.Add(lease)); !errors.Is(err, notify.ErrLeaseLost) {
		t.Errorf("MarkFailed after MarkSent = %v, want ErrLeaseLost", err)
	}
	if got := message(t, o, m); got.Status != queue.MessageSent {
		t.Errorf("a second Mark changed a sent message to %q", got.Status)
	}
}

func testRelease(t *testing.T, s queue.Store, o notify.Outbox) {
	m := addMessage(t, s, queue.MessageConfirmation, t0)
	c := claim(t, o, t0, 1)[0]
	must(t, "Release", o.Release(context.Background(), c))
	again := claim(t, o, t0, 1)
	if !slices.Equal(ids(again), []int64{m.ID}) {
		t.Fatalf("after Release claimed %v, want [%d] at once", ids(again), m.ID)
	}
	if again[0].Attempts != 1 {
		t.Errorf("attempts after release and claim = %d, want 1 (a released claim is not an attempt)", again[0].Attempts)
	}
}

// A postponed message is not claimed before its new time, keeps its attempts and
// says why it waits.
func testPostpone(t *testing.T, s queue.Store, o notify.Outbox) {
	m := addMessage(t, s, queue.MessageConfirmation, t0)
	c := claim(t, o, t0, 1)[0]
	next := t0.Add(40 * time.Second)
	must(t, "Postpone", o.Postpone(context.Background(), c, "held: too many texts", next))
	got := message(t, o, m)
	if got.Status != queue.MessagePending || got.LastError != "held: too many texts" || got.Attempts != 0 || !got.DueAt.Equal(next) {
		t.Errorf("after Postpone: status %q lastError %q attempts %d due %v", got.Status, got.LastError, got.Attempts, got.DueAt)
	}
	if cs := claim(t, o, next.Add(-time.Millisecond), 10); len(cs) != 0 {
		t.Errorf("claimed before its new time: %v", ids(cs))
	}
	cs := claim(t, o, next, 10)
	if !slices.Equal(ids(cs), []int64{m.ID}) || cs[0].Attempts != 1 {
		t.Fatalf("at its new time claimed %v, want [%d] with attempt 1 (a postponed claim is not an attempt)", ids(cs), m.ID)
	}
}

// staleAndFresh is the world of the batch cases, which staleAmongFresh
// writes: a message whose first claim (staleClaim) lost its lease to a second
// (retaken), and two fresh claims cs of messages a (a confirmation) and b (of
// kind second).
type staleAndFresh struct {
	stale               queue.Message
	staleClaim, retaken notify.Claim
	a, b                queue.Message
	cs                  []notify.Claim
}

func staleAmongFresh(t *testing.T, s queue.Store, o notify.Outbox, second queue.MessageKind) staleAndFresh {
	t.Helper()
	var f staleAndFresh
	f.stale = addMessage(t, s, queue.MessageConfirmation, t0)
	f.staleClaim = claim(t, o, t0, 1)[0]
	f.retaken = claim(t, o, t0.Add(lease), 1)[0] // the lease ended; claimed again
	f.a = addMessage(t, s, queue.MessageConfirmation, t0.Add(lease))
	f.b = addMessage(t, s, second, t0.Add(lease))
	f.cs = claim(t, o, t0.Add(lease), 10)
	if !slices.Equal(ids(f.cs), []int64{f.a.ID, f.b.ID}) {
		t.Fatalf("claimed %v, want [%d %d]", ids(f.cs), f.a.ID, f.b.ID)
	}
	return f
}

// PostponeAll holds every claim still leased by its token, each until its own
// time, in one call, and leaves a claim whose lease another dispatcher took.
func testPostponeAll(t *testing.T, s queue.Store, o notify.Outbox) {
	ctx := context.Background()
	f := staleAmongFresh(t, s, o, queue.MessageConfirmation)
	stale, staleClaim, retaken, a, b, cs := f.stale, f.staleClaim, f.retaken, f.a, f.b, f.cs
	next := t0.Add(lease + 40*time.Second)
	later := next.Add(20 * time.Second) // b's own time
	held := []notify.Held{{Claim: cs[0], Until: next}, {Claim: cs[1], Until: later}, {Claim: staleClaim, Until: next}}
	n, err := o.PostponeAll(ctx, held, "held: too many texts")
	if err != nil || n != 2 {
		t.Fatalf("PostponeAll = %d, %v; want 2 (the stale claim is not held)", n, err)
	}
	for m, due := range map[queue.Message]time.Time{a: next, b: later} {
		got := message(t, o, m)
		if got.Status != queue.MessagePending || got.LastError != "held: too many texts" || got.Attempts != 0 || !got.DueAt.Equal(due) {
			t.Errorf("message %d after PostponeAll: status %q lastError %q attempts %d due %v, want due %v", m.ID, got.Status, got.LastError, got.Attempts, got.DueAt, due)
		}
	}
	if got := message(t, o, stale); got.Attempts != 2 || got.LastError != "" {
		t.Errorf("the re-claimed message was touched: attempts %d lastError %q", got.Attempts, got.LastError)
	}
	must(t, "MarkSent with the fresh token", o.MarkSent(ctx, retaken, "SMfresh", t0.Add(lease)))
	if n, err := o.PostponeAll(ctx, nil, "x"); err != nil || n != 0 {
		t.Errorf("PostponeAll of nothing = %d, %v", n, err)
	}
	if cs := claim(t, o, next.Add(-time.Millisecond), 10); len(cs) != 0 {
		t.Errorf("claimed before their new time: %v", ids(cs))
	}
	if cs := claim(t, o, next, 10); !slices.Equal(ids(cs), []int64{a.ID}) {
		t.Errorf("at the first one's time claimed %v, want [%d]", ids(cs), a.ID)
	}
	if cs := claim(t, o, later, 10); !slices.Equal(ids(cs), []int64{b.ID}) {
		t.Errorf("at the second one's time claimed %v, want [%d]", ids(cs), b.ID)
	}
}

func testRecoverExpired(t *testing.T, s queue.Store, o notify.Outbox) {
	m := addMessage(t, s, queue.MessageConfirmation, t0)
	addMessage(t, s, queue.MessageConfirmation, t0) // never claimed: nothing to recover
	claim(t, o, t0, 1)
	ctx := context.Background()
	if n, err := o.RecoverExpired(ctx, t0.Add(lease-time.Second)); err != nil || n != 0 {
		t.Fatalf("RecoverExpired while the lease holds = %d, %v; want 0", n, err)
	}
	n, err := o.RecoverExpired(ctx, t0.Add(lease))
	if err != nil || n != 1 {
		t.Fatalf("RecoverExpired after the lease = %d, %v; want 1", n, err)
	}
	got := message(t, o, m)
	if got.Status != queue.MessagePending || got.Attempts != 1 {
		t.Errorf("recovered message: status %q attempts %d, want pending with its attempt counted", got.Status, got.Attempts)
	}
	if cs := claim(t, o, t0, 10); !slices.Contains(ids(cs), m.ID) {
		t.Errorf("a recovered message was not claimable at once: claimed %v", ids(cs))
	}
}

func testRecordDelivery(t *testing.T, s queue.Store, o notify.Outbox) {
	ctx := context.Background()
	ok, err := o.RecordDelivery(ctx, "SMnope", queue.MessageDelivered, "")
	if err != nil || ok {
		t.Fatalf("RecordDelivery for an unknown id = %v, %v; want false", ok, err)
	}
	var ms []queue.Message
	for i, st := range []queue.MessageStatus{queue.MessageDelivered, queue.MessageUndelivered, queue.MessageFailed} {
		m := addMessage(t, s, queue.MessageConfirmation, t0)
		c := claim(t, o, t0, 1)[0]
		must(t, "MarkSent", o.MarkSent(ctx, c, fmt.Sprintf("SM%d", i), t0))
		code := ""
		if st != queue.MessageDelivered {
			code = "30003"
		}
		ok, err := o.RecordDelivery(ctx, fmt.Sprintf("SM%d", i), st, code)
		if err != nil || !ok {
			t.Fatalf("RecordDelivery(%s) = %v, %v", st, ok, err)
		}
		ms = append(ms, m)
	}
	for i, want := range []queue.MessageStatus{queue.MessageDelivered, queue.MessageUndelivered, queue.MessageFailed} {
		got := message(t, o, ms[i])
		if got.Status != want || got.ProviderID != fmt.Sprintf("SM%d", i) {
			t.Errorf("message %d: status %q provider %q, want %q", i, got.Status, got.ProviderID, want)
		}
		if want != queue.MessageDelivered && got.LastError != "30003" {
			t.Errorf("message %d: lastError %q, want the error code 30003", i, got.LastError)
		}
	}
	if cs := claim(t, o, t0.Add(24*time.Hour), 10); len(cs) != 0 {
		t.Errorf("a reported message was claimed again: %v", ids(cs))
	}
}

func testPending(t *testing.T, s queue.Store, o notify.Outbox) {
	ctx := context.Background()
	for range 3 {
		addMessage(t, s, queue.MessageConfirmation, t0)
	}
	addMessage(t, s, queue.MessageFollowUp, t0.Add(time.Hour)) // scheduled: pending too
	cs := claim(t, o, t0, 2)
	must(t, "MarkSent", o.MarkSent(ctx, cs[0], "SM1", t0))
	must(t, "MarkFailed", o.MarkFailed(ctx, cs[1], "x", t0))
	n, err := o.CountMessages(ctx, queue.MessagePending)
	if err != nil || n != 2 {
		t.Errorf("CountMessages(pending) = %d, %v; want 2 (one due, one scheduled)", n, err)
	}
}

func testCancelled(t *testing.T, s queue.Store, o notify.Outbox) {
	ctx := context.Background()
	m := addMessage(t, s, queue.MessageFollowUp, t0.Add(time.Minute))
	err := s.Update(ctx, func(tx queue.Tx) error {
		n, err := tx.CancelMessages(ctx, m.TicketID, "")
		if err == nil && n != 1 {
			return fmt.Errorf("cancelled %d, want 1", n)
		}
		return err
	})
	must(t, "CancelMessages", err)
	if cs := claim(t, o, t0.Add(time.Hour), 10); len(cs) != 0 {
		t.Errorf("a cancelled message was claimed: %v", ids(cs))
	}
	if got := message(t, o, m); got.Status != queue.MessageCancelled {
		t.Errorf("status %q, want cancelled", got.Status)
	}
	if n, err := o.CountMessages(ctx, queue.MessagePending); err != nil || n != 0 {
		t.Errorf("CountMessages(pending) = %d, %v; want 0", n, err)
	}
}

func testMessages(t *testing.T, s queue.Store, o notify.Outbox) {
	ticket := addTicket(t, s, nextPhone())
	a := addMessageFor(t, s, ticket, queue.MessageConfirmation, t0)
	b := addMessageFor(t, s, ticket, queue.MessageCalled, t0.Add(time.Second))
	other := addMessage(t, s, queue.MessageConfirmation, t0)
	ctx := context.Background()
	ms, err := o.Messages(ctx, ticket)
	must(t, "Messages", err)
	var got []int64
	for _, m := range ms {
		got = append(got, m.ID)
		if m.TicketID != ticket || m.DedupeKey == "" || m.To != a.To || m.CreatedAt.IsZero() {
			t.Errorf("message %+v: want ticket %s with its fields", m, ticket)
		}
	}
	if want := []int64{b.ID, a.ID}; !slices.Equal(got, want) {
		t.Errorf("Messages(ticket) = %v, want %v (newest first)", got, want)
	}
	all, err := o.Messages(ctx, "")
	must(t, "Messages(all)", err)
	if len(all) != 3 || all[0].ID != other.ID {
		t.Errorf("Messages(\"\") = %d messages, first %d; want 3, newest (%d) first", len(all), all[0].ID, other.ID)
	}
}

// A claimed message carries its sender, what the dispatcher sends it from:
// a clinic's number as written, the deployment's as "". The SMS log shows
// the same.
func testClaimCarriesSender(t *testing.T, s queue.Store, o notify.Outbox) {
	ticket := addTicket(t, s, nextPhone())
	own := queue.Message{TicketID: ticket, Kind: queue.MessageConfirmation, To: "+14155552671", From: "+15005550111",
		Body: "North: hello", DedupeKey: ticket + ":own", Status: queue.MessagePending, CreatedAt: t0, DueAt: t0}
	err := s.Update(context.Background(), func(tx queue.Tx) error { return tx.AddMessage(context.Background(), &own) })
	must(t, "AddMessage", err)
	deployment := addMessageFor(t, s, ticket, queue.MessageCalled, t0.Add(time.Second))
	want := map[int64]string{own.ID: "+15005550111", deployment.ID: ""}
	cs := claim(t, o, t0.Add(time.Minute), 10)
	if len(cs) != 2 {
		t.Fatalf("claimed %d, want 2", len(cs))
	}
	for _, c := range cs {
		if c.From != want[c.ID] {
			t.Errorf("claimed message %d from %q, want %q", c.ID, c.From, want[c.ID])
		}
	}
	ms, err := o.Messages(context.Background(), ticket)
	must(t, "Messages", err)
	for _, m := range ms {
		if m.From != want[m.ID] {
			t.Errorf("SMS log: message %d from %q, want %q", m.ID, m.From, want[m.ID])
		}
	}
}

package sqlite

import (
	"context"
	"errors"
	"testing"
	"time"

	"smartwait/internal/notify"
	"smartwait/internal/queue"
)

// claimedText commits one ticket with one pending confirmation and claims it.
func claimedText(t *testing.T, db *DB, phone int) (queue.Message, notify.Claim) {
	t.Helper()
	ctx := context.Background()
	insertTickets(t, db, phone, 1)
	now := time.Now().UTC()
	m := queue.Message{TicketID: queue.NewID(), Kind: queue.MessageConfirmation, To: "+14155552671",
		Body: "SmartWait: hello", DedupeKey: queue.NewID(), Status: queue.MessagePending, CreatedAt: now, DueAt: now}
	if err := db.Update(ctx, func(tx queue.Tx) error { return tx.AddMessage(ctx, &m) }); err != nil {
		t.Fatal(err)
	}
	cs, err := db.Claim(ctx, now, time.Minute, 10)
	if err != nil || len(cs) != 1 || cs[0].ID != m.ID {
		t.Fatalf("Claim = %v, %v; want message %d", cs, err, m.ID)
	}
	return m, cs[0]
}

// status reads a message's status and provider id.
func status(t *testing.T, db *DB, m queue.Message) (queue.MessageStatus, string) {
	t.Helper()
	ms, err := db.Messages(context.Background(), m.TicketID)
	if err != nil || len(ms) != 1 {
		t.Fatalf("Messages = %v, %v", ms, err)
	}
	return ms[0].Status, ms[0].ProviderID
}

type markResult struct {
	results []error
	err     error
}

func markAsync(db *DB, c notify.Claim, provider string) <-chan markResult {
	ch := make(chan markResult, 1)
	go func() {
		rs, err := db.MarkSentAll(context.Background(), []notify.Sent{{Claim: c, ProviderID: provider, At: time.Now()}})
		ch <- markResult{rs, err}
	}()
	return ch
}

func setRideWait(db *DB, d time.Duration) {
	db.rides.mu.Lock()
	db.rides.wait = d
	db.rides.mu.Unlock()
}

// recv waits for a mark's answer.
func recv(t *testing.T, ch <-chan markResult) markResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("the mark was never answered")
		return markResult{}
	}
}

// waitQueued waits until n marks wait for a commit.
func waitQueued(t *testing.T, db *DB, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		db.rides.mu.Lock()
		got := len(db.rides.waiting)
		db.rides.mu.Unlock()
		if got == n {
			return
		}
	}
	t.Fatalf("%d marks never queued", n)
}

// A sent mark commits with the next write that succeeds, not with one that
// fails, and is answered only once that write committed.
func TestSentMarkRidesOnTheNextWrite(t *testing.T) {
	db := openCk(t, ckEvery, ckMaxFrames)
	m, c := claimedText(t, db, 1)
	setRideWait(db, time.Hour) // only a write can take the mark
	done := markAsync(db, c, "SMride")
	waitQueued(t, db, 1)

	failed := errors.New("the operation failed")
	if err := db.Update(context.Background(), func(queue.Tx) error { return failed }); !errors.Is(err, failed) {
		t.Fatalf("failing Update = %v", err)
	}
	select {
	case r := <-done:
		t.Fatalf("the mark was answered by a write that rolled back: %v, %v", r.results, r.err)
	case <-time.After(50 * time.Millisecond):
	}
	if st, _ := status(t, db, m); st != queue.MessagePending {
		t.Fatalf("status after a failed write = %q, want pending", st)
	}
	waitQueued(t, db, 1)

	insertTickets(t, db, 2, 1) // a queue write: the mark rides on it
	r := recv(t, done)
	if r.err != nil || len(r.results) != 1 || r.results[0] != nil {
		t.Fatalf("MarkSentAll = %v, %v; want [nil]", r.results, r.err)
	}
	if st, p := status(t, db, m); st != queue.MessageSent || p != "SMride" {
		t.Errorf("after the ride: status %q provider %q, want sent SMride", st, p)
	}
}

// With no write to ride, a mark commits alone after the wait; a mark whose
// lease was lost says so either way.
func TestSentMarkCommitsAloneWhenNoWriteComes(t *testing.T) {
	db := openCk(t, ckEvery, ckMaxFrames)
	setRideWait(db, 5*time.Millisecond)
	m, c := claimedText(t, db, 1)
	r := recv(t, markAsync(db, c, "SMalone"))
	if r.err != nil || len(r.results) != 1 || r.results[0] != nil {
		t.Fatalf("MarkSentAll = %v, %v; want [nil]", r.results, r.err)
	}
	if st, p := status(t, db, m); st != queue.MessageSent || p != "SMalone" {
		t.Errorf("status %q provider %q, want sent SMalone", st, p)
	}
	r = recv(t, markAsync(db, c, "SMagain"))
	if r.err != nil || len(r.results) != 1 || !errors.Is(r.results[0], notify.ErrLeaseLost) {
		t.Errorf("second MarkSentAll = %v, %v; want [ErrLeaseLost]", r.results, r.err)
	}
}

// Close commits the marks still waiting, so a drained dispatcher's last
// records are not lost with the process.
func TestCloseCommitsWaitingMarks(t *testing.T) {
	db := openCk(t, ckEvery, ckMaxFrames)
	m, c := claimedText(t, db, 1)
	setRideWait(db, time.Hour)
	done := markAsync(db, c, "SMclose")
	waitQueued(t, db, 1)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	r := recv(t, done)
	if r.err != nil || len(r.results) != 1 || r.results[0] != nil {
		t.Fatalf("MarkSentAll = %v, %v; want [nil]", r.results, r.err)
	}
	again, err := Open(context.Background(), db.path)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if st, p := status(t, again, m); st != queue.MessageSent || p != "SMclose" {
		t.Errorf("after reopening: status %q provider %q, want sent SMclose", st, p)
	}
}

// A claim waits for the next write too, and takes the texts that write adds:
// the queue's commit that writes a confirmation is the one that claims it.
func TestClaimRidesAndTakesTheTextsItsWriteAdds(t *testing.T) {
	db := openCk(t, ckEvery, ckMaxFrames)
	setRideWait(db, time.Hour)
	ctx := context.Background()
	now := time.Now().UTC()
	type claimed struct {
		cs  []notify.Claim
		err error
	}
	done := make(chan claimed, 1)
	go func() {
		cs, err := db.Claim(ctx, now.Add(time.Second), time.Minute, 10)
		done <- claimed{cs, err}
	}()
	waitQueued(t, db, 1)
	m := queue.Message{TicketID: queue.NewID(), Kind: queue.MessageConfirmation, To: "+14155552671",
		Body: "SmartWait: hello", DedupeKey: queue.NewID(), Status: queue.MessagePending, CreatedAt: now, DueAt: now}
	if err := db.Update(ctx, func(tx queue.Tx) error { return tx.AddMessage(ctx, &m) }); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		if r.err != nil || len(r.cs) != 1 || r.cs[0].ID != m.ID || r.cs[0].Token == "" {
			t.Fatalf("Claim = %v, %v; want message %d", r.cs, r.err, m.ID)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the claim was never answered")
	}
	// With no write to ride and no time to wait, a claim reports its deadline.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if cs, err := db.Claim(short, now.Add(time.Second), time.Minute, 10); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a claim with nothing to ride = %v, %v; want the deadline", cs, err)
	}
}

// A ride that fails undoes only its own writes: riding on a queue write, that
// write commits; committed alone beside others, they commit; its caller gets
// its error.
func TestAFailingRideUndoesOnlyItself(t *testing.T) {
	db := openCk(t, ckEvery, ckMaxFrames)
	m, c := claimedText(t, db, 1)
	setRideWait(db, time.Hour)
	ctx := context.Background()
	boom := errors.New("boom")
	failing := make(chan error, 1)
	go func() {
		failing <- db.rideNext(ctx, "test", func(ctx context.Context, t *tx) error {
			// A write, then the failure: the savepoint must undo the write.
			if _, err := t.tx.ExecContext(ctx, `UPDATE messages SET body = 'changed'`); err != nil {
				return err
			}
			return boom
		})
	}()
	waitQueued(t, db, 1)
	done := markAsync(db, c, "SMbeside")
	waitQueued(t, db, 2)

	insertTickets(t, db, 2, 1) // both ride; the failing one is queued again
	r := recv(t, done)
	if r.err != nil || len(r.results) != 1 || r.results[0] != nil {
		t.Fatalf("the mark beside a failing ride = %v, %v; want [nil]", r.results, r.err)
	}
	waitQueued(t, db, 1)
	db.flushRides() // committed alone now, where its error is answered
	select {
	case err := <-failing:
		if !errors.Is(err, boom) {
			t.Fatalf("the failing ride answered %v, want boom", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the failing ride was never answered")
	}
	ms, err := db.Messages(ctx, m.TicketID)
	if err != nil || len(ms) != 1 {
		t.Fatalf("Messages = %v, %v", ms, err)
	}
	if ms[0].Body != m.Body || ms[0].Status != queue.MessageSent {
		t.Errorf("after the failing ride: body %q status %q, want %q sent", ms[0].Body, ms[0].Status, m.Body)
	}
}

// undoneRide queues a ride that writes, then releases its own savepoint and
// fails: its ROLLBACK TO then finds no savepoint, so its write cannot be
// undone (queue.ErrSavepointFault). It returns the ride's answer.
func undoneRide(t *testing.T, db *DB) <-chan error {
	t.Helper()
	answer := make(chan error, 1)
	go func() {
		answer <- db.rideNext(context.Background(), "test", func(ctx context.Context, t *tx) error {
			if _, err := t.tx.ExecContext(ctx, `UPDATE messages SET body = 'changed'`); err != nil {
				return err
			}
			if _, err := t.tx.ExecContext(ctx, `RELEASE op`); err != nil {
				return err
			}
			return errors.New("boom")
		})
	}()
	waitQueued(t, db, 1)
	return answer
}

// A ride whose savepoint cannot be undone must not commit its write: the
// write it rode on is rolled back and fails, the ride is answered with the
// fault, and a ride beside it is committed later, not lost.
func TestARideThatCannotBeUndoneRollsBackItsWrite(t *testing.T) {
	db := openCk(t, ckEvery, ckMaxFrames)
	m, c := claimedText(t, db, 1)
	setRideWait(db, time.Hour)
	ctx := context.Background()
	undone := undoneRide(t, db)
	done := markAsync(db, c, "SMbeside")
	waitQueued(t, db, 2)

	other := queue.Message{TicketID: queue.NewID(), Kind: queue.MessageConfirmation, To: "+14155552671",
		Body: "SmartWait: rode", DedupeKey: queue.NewID(), Status: queue.MessagePending, CreatedAt: time.Now(), DueAt: time.Now()}
	err := db.Update(ctx, func(tx queue.Tx) error { return tx.AddMessage(ctx, &other) })
	if !errors.Is(err, queue.ErrSavepointFault) {
		t.Fatalf("the Update the ride rode on = %v, want a savepoint fault", err)
	}
	if err := <-undone; !errors.Is(err, queue.ErrSavepointFault) {
		t.Errorf("the ride answered %v, want the savepoint fault", err)
	}
	if ms, err := db.Messages(ctx, other.TicketID); err != nil || len(ms) != 0 {
		t.Errorf("the rolled-back Update's message: %v, %v; want none", ms, err)
	}
	waitQueued(t, db, 1) // the mark, queued again
	db.flushRides()
	if r := recv(t, done); r.err != nil || len(r.results) != 1 || r.results[0] != nil {
		t.Fatalf("the mark beside = %v, %v; want [nil]", r.results, r.err)
	}
	st, provider := status(t, db, m)
	if st != queue.MessageSent || provider != "SMbeside" {
		t.Errorf("the mark beside left %q %q, want sent SMbeside", st, provider)
	}
	if ms, err := db.Messages(ctx, m.TicketID); err != nil || len(ms) != 1 || ms[0].Body != m.Body {
		t.Errorf("after the fault: %v, %v; want body %q", ms, err, m.Body)
	}
}

// Committed alone, a ride whose savepoint cannot be undone rolls the
// transaction back; the rides beside it are committed by the next one.
func TestARideThatCannotBeUndoneAloneKeepsTheOthers(t *testing.T) {
	db := openCk(t, ckEvery, ckMaxFrames)
	m, c := claimedText(t, db, 1)
	setRideWait(db, time.Hour)
	undone := undoneRide(t, db)
	done := markAsync(db, c, "SMalone")
	waitQueued(t, db, 2)

	db.flushRides()
	if err := <-undone; !errors.Is(err, queue.ErrSavepointFault) {
		t.Errorf("the ride answered %v, want the savepoint fault", err)
	}
	waitQueued(t, db, 1)
	db.flushRides()
	if r := recv(t, done); r.err != nil || len(r.results) != 1 || r.results[0] != nil {
		t.Fatalf("the mark beside = %v, %v; want [nil]", r.results, r.err)
	}
	if ms, err := db.Messages(context.Background(), m.TicketID); err != nil || len(ms) != 1 ||
		ms[0].Body != m.Body || ms[0].Status != queue.MessageSent {
		t.Errorf("after the fault: %v, %v; want body %q, sent", ms, err, m.Body)
	}
}

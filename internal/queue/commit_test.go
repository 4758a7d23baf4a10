package queue_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"smartwait/internal/queue"
	"smartwait/internal/sqlite/sqlitetest"
)

// updateCounter counts the transactions the Service opens on the real store.
type updateCounter struct {
	queue.Store
	updates atomic.Int32
}

func (c *updateCounter) Update(ctx context.Context, fn func(queue.Tx) error) error {
	c.updates.Add(1)
	return c.Store.Update(ctx, fn)
}

// groupPhone is the i-th of a set of distinct valid mobile numbers.
func groupPhone(i int) string { return fmt.Sprintf("+141555526%02d", i) }

// waitQueued polls until n operations wait for the next group commit.
func waitQueued(tb testing.TB, svc *queue.Service, n int) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for queue.QueuedOperations(svc) < n {
		if time.Now().After(deadline) {
			tb.Fatalf("%d operations queued, want %d", queue.QueuedOperations(svc), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestGroupCommit: check-ins that arrive while a commit is under way share the
// next transaction. A duplicate phone among them is refused alone; every other
// one commits, with consecutive ticket numbers and versions, and the Changes
// are published in version order.
func TestGroupCommit(t *testing.T) {
	h := newHarness(t)
	cs := &updateCounter{Store: h.db}
	h.svc.Store = cs
	release := sqlitetest.HoldWriteLock(t, h.path)

	type result struct {
		e   queue.Entry
		err error
	}
	const n = 20
	results := make([]result, n)
	var wg sync.WaitGroup
	checkIn := func(i int, phone string) {
		defer wg.Done()
		e, err := h.svc.CheckIn(context.Background(), queue.CheckInRequest{Name: fmt.Sprintf("Group %d", i), Phone: phone, AppointmentTime: "10:00"})
		results[i] = result{e, err}
	}
	// The first blocks on the held write lock, alone in its group ...
	wg.Add(1)
	go checkIn(0, groupPhone(0))
	deadline := time.Now().Add(10 * time.Second)
	for cs.updates.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	// ... while the next nineteen queue behind it; number 10 repeats number 9's phone.
	for i := 1; i < n; i++ {
		wg.Add(1)
		phone := groupPhone(i)
		if i == 10 {
			phone = groupPhone(9)
		}
		go checkIn(i, phone)
		waitQueued(t, h.svc, i)
	}
	release()
	wg.Wait()

	if got := cs.updates.Load(); got != 2 {
		t.Errorf("%d transactions for %d check-ins, want 2 (the first alone, then one group)", got, n)
	}
	numbers := map[string]bool{}
	dup := 0
	for i, r := range results {
		var qe *queue.Error
		switch {
		case errors.As(r.err, &qe) && qe.Code == queue.CodeDuplicate:
			dup++
			if i != 9 && i != 10 {
				t.Errorf("check-in %d refused as a duplicate", i)
			}
		case r.err != nil:
			t.Errorf("check-in %d: %v", i, r.err)
		default:
			numbers[r.e.Number] = true
		}
	}
	if dup != 1 || len(numbers) != n-1 {
		t.Fatalf("%d duplicates and %d distinct tickets, want 1 and %d", dup, len(numbers), n-1)
	}
	for i := 1; i < n; i++ {
		if !numbers[queue.TicketNumber("A", i)] {
			t.Errorf("ticket %s missing: numbers must stay consecutive (%v)", queue.TicketNumber("A", i), numbers)
		}
	}
	changes := h.take()
	if len(changes) != n-1 {
		t.Fatalf("%d changes published, want %d", len(changes), n-1)
	}
	for i, c := range changes {
		if c.Version != int64(i+1) || c.Waiting != i+1 {
			t.Errorf("change %d: version %d, %d waiting; want %d, %d", i, c.Version, c.Waiting, i+1, i+1)
		}
	}
	entries, version, err := h.svc.Queue(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if version != int64(n-1) || len(entries) != n-1 {
		t.Errorf("queue at version %d with %d entries, want %d and %d", version, len(entries), n-1, n-1)
	}
	for i, e := range entries {
		if e.Position != i+1 {
			t.Errorf("queue entry %d at position %d", i, e.Position)
		}
	}
}

// TestGroupCommitWithdrawsExpired: an operation whose deadline passes while it
// waits for the next group answers with the deadline and never commits.
func TestGroupCommitWithdrawsExpired(t *testing.T) {
	h := newHarness(t)
	cs := &updateCounter{Store: h.db}
	h.svc.Store = cs
	release := sqlitetest.HoldWriteLock(t, h.path)
	done := make(chan error, 1)
	go func() {
		_, err := h.svc.CheckIn(context.Background(), queue.CheckInRequest{Name: "First", Phone: groupPhone(1), AppointmentTime: "10:00"})
		done <- err
	}()
	for cs.updates.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := h.svc.CheckIn(ctx, queue.CheckInRequest{Name: "Late", Phone: groupPhone(2), AppointmentTime: "10:00"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("queued check-in past its deadline = %v, want context.DeadlineExceeded", err)
	}
	release()
	if err := <-done; err != nil {
		t.Fatalf("first check-in: %v", err)
	}
	if n := queue.QueuedOperations(h.svc); n != 0 {
		t.Errorf("%d operations still queued", n)
	}
	entries, _, err := h.svc.Queue(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name != "First" {
		t.Errorf("queue after the withdrawn check-in: %+v, want only First", entries)
	}
	// The withdrawn phone is free: nothing of it was committed.
	if _, err := h.svc.CheckIn(context.Background(), queue.CheckInRequest{Name: "Late", Phone: groupPhone(2), AppointmentTime: "10:00"}); err != nil {
		t.Errorf("the withdrawn phone checks in again: %v", err)
	}
}

// TestGroupCommitGathers: after a group of several operations (a busy
// server) the next leader waits for as many to queue, so they share one
// commit; after a lone operation (an idle server) the next does not wait.
func TestGroupCommitGathers(t *testing.T) {
	h := newHarness(t, func(c *queue.Config) { c.CommitGather = 0 })
	cs := &updateCounter{Store: h.db}
	h.svc.Store = cs
	checkIn := func(ctx context.Context, i int) error {
		_, err := h.svc.CheckIn(ctx, queue.CheckInRequest{Name: fmt.Sprintf("Gather %d", i), Phone: groupPhone(i), AppointmentTime: "10:00"})
		return err
	}
	var wg sync.WaitGroup
	errs := make([]error, 20)
	fire := func(i int) {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = checkIn(context.Background(), i) }()
	}

	// A group of three behind a lone one: the server looks busy.
	release := sqlitetest.HoldWriteLock(t, h.path)
	fire(0)
	for cs.updates.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	for i := 1; i <= 3; i++ {
		fire(i)
		waitQueued(t, h.svc, i)
	}
	release()
	wg.Wait()
	if got := cs.updates.Load(); got != 2 {
		t.Fatalf("%d transactions, want 2", got)
	}

	// Busy: the next leader waits (here up to a minute) for three to queue.
	h.svc.Config.CommitGather = time.Minute
	fire(4)
	waitQueued(t, h.svc, 1) // gathering: still queued
	fire(5)
	fire(6)
	wg.Wait()
	if got := cs.updates.Load(); got != 3 {
		t.Errorf("%d transactions after three gathered check-ins, want 3 (one shared commit)", got)
	}

	// A lone operation makes the server idle again; the one after it does not
	// wait for company (its deadline is a failure bound, far below a minute).
	h.svc.Config.CommitGather = 0
	if err := checkIn(context.Background(), 7); err != nil {
		t.Fatal(err)
	}
	h.svc.Config.CommitGather = time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := checkIn(ctx, 8); err != nil {
		t.Errorf("a lone check-in on an idle server: %v (it waited for others)", err)
	}
	for i, err := range errs[:7] {
		if err != nil {
			t.Errorf("check-in %d: %v", i, err)
		}
	}
}

// faultStore is the real SQLite store whose savepoints report a fault (the
// savepoint could not be undone) for an operation that fails, as the stores
// do when the database cannot roll a savepoint back, which a test cannot
// provoke through queue.Tx: the fault and its cause, with the operation's
// own error in the text only.
type faultStore struct {
	queue.Store
	cause error // what made the savepoint fail
}

type faultTx struct {
	queue.Tx
	cause error
}

func (s faultStore) Update(ctx context.Context, fn func(queue.Tx) error) error {
	return s.Store.Update(ctx, func(tx queue.Tx) error { return fn(faultTx{tx, s.cause}) })
}

func (t faultTx) Savepoint(ctx context.Context, fn func() error) error {
	if err := t.Tx.Savepoint(ctx, fn); err != nil {
		return fmt.Errorf("%w: injected after %q: %w", queue.ErrSavepointFault, err, t.cause)
	}
	return nil
}

// faultedGroup checks in one patient alone, then four in one group whose
// third repeats the second's phone (refused as a duplicate, and its savepoint
// faults with cause), and returns the five answers. It checks that the lone
// check-in is the only one in the queue: the faulted group must not commit.
func faultedGroup(t *testing.T, cause error) []error {
	t.Helper()
	h := newHarness(t)
	cs := &updateCounter{Store: faultStore{h.db, cause}}
	h.svc.Store = cs
	release := sqlitetest.HoldWriteLock(t, h.path)
	const n = 5
	errs := make([]error, n)
	var wg sync.WaitGroup
	checkIn := func(i int, phone string) {
		defer wg.Done()
		_, errs[i] = h.svc.CheckIn(context.Background(), queue.CheckInRequest{Name: fmt.Sprintf("Fault %d", i), Phone: phone, AppointmentTime: "10:00"})
	}
	wg.Add(1)
	go checkIn(0, groupPhone(0)) // alone in its group: no savepoint
	for deadline := time.Now().Add(10 * time.Second); cs.updates.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	for i := 1; i < n; i++ {
		wg.Add(1)
		phone := groupPhone(i)
		if i == 3 {
			phone = groupPhone(2) // refused as a duplicate, and its savepoint faults
		}
		go checkIn(i, phone)
		waitQueued(t, h.svc, i)
	}
	release()
	wg.Wait()

	if errs[0] != nil {
		t.Fatalf("the check-in alone: %v", errs[0])
	}
	entries, version, err := h.svc.Queue(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if version != 1 || len(entries) != 1 {
		t.Errorf("queue at version %d with %d entries, want 1 and 1: the faulted group must not commit", version, len(entries))
	}
	return errs
}

// TestGroupCommitGivesUpOnASavepointFault: when one operation's savepoint
// cannot be undone, its writes may be in the transaction, so the whole group
// rolls back: none of its check-ins commits, and none of the others is told
// the failing one's reason (a duplicate phone).
func TestGroupCommitGivesUpOnASavepointFault(t *testing.T) {
	errs := faultedGroup(t, errors.New("disk I/O error"))
	for i := 1; i < len(errs); i++ {
		var qe *queue.Error
		if !errors.Is(errs[i], queue.ErrSavepointFault) || errors.As(errs[i], &qe) {
			t.Errorf("check-in %d in the faulted group: %v, want the fault and no queue error", i, errs[i])
		}
	}
}

// TestGroupCommitFaultAnswersItsCause: a savepoint that could not be undone
// because the database went away answers every caller of the group as any
// failure of the database does (503, UNAVAILABLE), never with the refused
// operation's duplicate.
func TestGroupCommitFaultAnswersItsCause(t *testing.T) {
	errs := faultedGroup(t, queue.ErrUnavailable)
	for i := 1; i < len(errs); i++ {
		var qe *queue.Error
		if !errors.As(errs[i], &qe) || qe.Code != queue.CodeUnavailable {
			t.Errorf("check-in %d in the faulted group: %v, want %s", i, errs[i], queue.CodeUnavailable)
		}
	}
}

package queuetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"smartwait/internal/queue"
)

// An Update whose fn fails leaves nothing behind, and returns fn's error.
func testUpdateRollback(t *testing.T, s queue.Store) {
	tk := newTicket(queue.DefaultQueueID, 1)
	msg := newMessage(tk, queue.MessageConfirmation)
	err := s.Update(context.Background(), func(tx queue.Tx) error {
		return writeEverything(context.Background(), tx, &tk, msg)
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("Update = %v, want fn's error", err)
	}
	assertNothingPersisted(t, s, tk, msg)
}

// An Update whose fn panics rolls back too, and the store stays usable.
func testUpdatePanicRollsBack(t *testing.T, s queue.Store) {
	tk := newTicket(queue.DefaultQueueID, 1)
	msg := newMessage(tk, queue.MessageConfirmation)
	func() {
		defer func() {
			if r := recover(); r == nil {
				t.Errorf("Update swallowed fn's panic")
			}
		}()
		_ = s.Update(context.Background(), func(tx queue.Tx) error {
			if err := writeEverything(context.Background(), tx, &tk, msg); !errors.Is(err, errBoom) {
				return err
			}
			panic("queuetest: panic inside Update")
		})
	}()
	assertNothingPersisted(t, s, tk, msg)
}

// writeEverything writes through every mutating Tx method, then returns errBoom.
func writeEverything(ctx context.Context, tx queue.Tx, tk *queue.Ticket, msg *queue.Message) error {
	q, err := tx.LockQueue(ctx, queue.DefaultQueueID)
	if err != nil {
		return err
	}
	q.Version++
	if err := tx.UpdateQueue(ctx, q); err != nil {
		return err
	}
	if _, err := tx.NextTicketNumber(ctx, queue.DefaultQueueID, "2026-11-28"); err != nil {
		return err
	}
	if err := tx.InsertTicket(ctx, tk); err != nil {
		return err
	}
	tk.Status = queue.StatusCalled
	if err := tx.UpdateTicket(ctx, *tk); err != nil {
		return err
	}
	if err := tx.AddMessage(ctx, msg); err != nil {
		return err
	}
	q.Open, q.Name = false, "Closed by a rolled-back change"
	if err := tx.SaveQueue(ctx, q); err != nil {
		return err
	}
	if err := tx.CreateQueue(ctx, fullLine("queuetest-line", "QT")); err != nil {
		return err
	}
	moved := *tk
	moved.QueueID, moved.Seq, moved.Status = "queuetest-line", queue.OrderKey(true, t0), queue.StatusWaiting
	if err := tx.MoveTicket(ctx, &moved); err != nil {
		return err
	}
	if err := tx.CreateRoom(ctx, queue.Room{Name: "Room 9", Lines: []string{"queuetest-line"}, Open: true}); err != nil {
		return err
	}
	if err := tx.SaveRoom(ctx, "Room 9", queue.Room{Name: "Room 10"}); err != nil {
		return err
	}
	if err := tx.DeleteQueue(ctx, "queuetest-line"); err != nil {
		return err
	}
	return errBoom
}

// assertNoLinesWritten checks that the lines and rooms are a fresh store's: what
// writeEverything wrote to them was undone.
func assertNoLinesWritten(ctx context.Context, tb testing.TB, tx queue.Tx) error {
	tb.Helper()
	ls, err := tx.Lines(ctx)
	if err != nil {
		return err
	}
	if len(ls) != 1 || ls[0] != defaultLine(ls[0].Name) {
		tb.Errorf("lines after rollback = %+v, want the default line alone, unchanged", ls)
	}
	rs, err := tx.Rooms(ctx)
	if err != nil {
		return err
	}
	if len(rs) != 0 {
		tb.Errorf("rooms after rollback = %+v, want none", rs)
	}
	for _, q := range []string{queue.DefaultQueueID, "queuetest-line"} {
		if w, c, err := tx.CountActive(ctx, q); err != nil || w+c != 0 {
			tb.Errorf("CountActive(%s) after rollback = %d, %d, %v, want 0, 0", q, w, c, err)
		}
	}
	return nil
}

// assertNothingPersisted checks that no write of writeEverything survived.
func assertNothingPersisted(tb testing.TB, s queue.Store, tk queue.Ticket, msg *queue.Message) {
	tb.Helper()
	view(tb, s, func(ctx context.Context, tx queue.Tx) error {
		q, err := tx.Queue(ctx, queue.DefaultQueueID)
		if err != nil {
			return err
		}
		if q.Version != 0 {
			tb.Errorf("queue version after rollback = %d, want 0", q.Version)
		}
		if _, err := tx.Ticket(ctx, tk.ID); !errors.Is(err, queue.ErrNotFound) {
			tb.Errorf("ticket after rollback: Ticket error = %v, want ErrNotFound", err)
		}
		return assertNoLinesWritten(ctx, tb, tx)
	})
	update(tb, s, func(ctx context.Context, tx queue.Tx) error {
		if n, err := tx.NextTicketNumber(ctx, queue.DefaultQueueID, "2026-11-28"); err != nil || n != 1 {
			tb.Errorf("NextTicketNumber after rollback = %d, %v, want 1", n, err)
		}
		// The ticket's id and the message's DedupeKey are free again.
		again := tk
		if err := tx.InsertTicket(ctx, &again); err != nil {
			return err
		}
		m := *msg
		m.ID = 0
		if err := tx.AddMessage(ctx, &m); err != nil {
			return err
		}
		if m.ID == 0 {
			tb.Errorf("message after rollback: its DedupeKey is still taken")
		}
		return nil
	})
}

// A committed Update is visible to a later View.
func testViewSeesCommitted(t *testing.T, s queue.Store) {
	tk := insert(t, s, newTicket(queue.DefaultQueueID, 1))[0]
	view(t, s, func(ctx context.Context, tx queue.Tx) error {
		got, err := tx.Ticket(ctx, tk.ID)
		if err != nil {
			return err
		}
		if diff := sameTicket(got, tk); diff != "" {
			t.Errorf("View after commit: %s", diff)
		}
		return nil
	})
}

// 50 concurrent read-modify-write transactions on the queue's version: none is
// lost, none fails.
func testConcurrentCounter(t *testing.T, s queue.Store) {
	const n = 50
	errs := runConcurrently(n, func(int) error {
		return s.Update(context.Background(), func(tx queue.Tx) error {
			ctx := context.Background()
			q, err := tx.LockQueue(ctx, queue.DefaultQueueID)
			if err != nil {
				return err
			}
			q.Version++
			return tx.UpdateQueue(ctx, q)
		})
	})
	for _, err := range errs {
		if err != nil {
			t.Errorf("concurrent Update: %v", err)
		}
	}
	view(t, s, func(ctx context.Context, tx queue.Tx) error {
		q, err := tx.Queue(ctx, queue.DefaultQueueID)
		if err != nil {
			return err
		}
		if q.Version != n {
			t.Errorf("version after %d concurrent increments = %d", n, q.Version)
		}
		return nil
	})
}

// Concurrent check-ins (lock, number, insert) get distinct numbers and seqs, and
// their positions are exactly 1..n.
func testConcurrentInserts(t *testing.T, s queue.Store) {
	const n = 30
	tickets := make([]queue.Ticket, n)
	errs := runConcurrently(n, func(i int) error {
		return s.Update(context.Background(), func(tx queue.Tx) error {
			ctx := context.Background()
			if _, err := tx.LockQueue(ctx, queue.DefaultQueueID); err != nil {
				return err
			}
			num, err := tx.NextTicketNumber(ctx, queue.DefaultQueueID, "2026-11-28")
			if err != nil {
				return err
			}
			tk := newTicket(queue.DefaultQueueID, i+1)
			tk.Number = queue.TicketNumber("A", num)
			if err := tx.InsertTicket(ctx, &tk); err != nil {
				return err
			}
			tickets[i] = tk
			return nil
		})
	})
	numbers, seqs, positions := map[string]bool{}, map[int64]bool{}, map[int]bool{}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent check-in %d: %v", i, err)
		}
		numbers[tickets[i].Number], seqs[tickets[i].Seq] = true, true
	}
	view(t, s, func(ctx context.Context, tx queue.Tx) error {
		for _, tk := range tickets {
			ahead, err := tx.CountWaitingBefore(ctx, queue.DefaultQueueID, tk.Seq)
			if err != nil {
				return err
			}
			positions[ahead+1] = true
		}
		return nil
	})
	for i := 1; i <= n; i++ {
		if !positions[i] || !numbers[queue.TicketNumber("A", i)] {
			t.Fatalf("after %d concurrent check-ins: position %d present %v, number %s present %v; %d distinct seqs",
				n, i, positions[i], queue.TicketNumber("A", i), numbers[queue.TicketNumber("A", i)], len(seqs))
		}
	}
	if len(seqs) != n {
		t.Errorf("%d distinct seqs for %d tickets", len(seqs), n)
	}
}

// Five concurrent check-ins with one phone: exactly one is stored.
func testConcurrentDuplicates(t *testing.T, s queue.Store) {
	const n = 5
	errs := runConcurrently(n, func(i int) error {
		return s.Update(context.Background(), func(tx queue.Tx) error {
			ctx := context.Background()
			if _, err := tx.LockQueue(ctx, queue.DefaultQueueID); err != nil {
				return err
			}
			tk := newTicket(queue.DefaultQueueID, i+1)
			tk.Phone = "+14155552671"
			return tx.InsertTicket(ctx, &tk)
		})
	})
	ok, dup := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, queue.ErrDuplicate):
			dup++
		default:
			t.Errorf("concurrent duplicate check-in: unexpected error %v", err)
		}
	}
	if ok != 1 || dup != n-1 {
		t.Errorf("%d concurrent check-ins with one phone: %d stored, %d duplicates; want 1, %d", n, ok, dup, n-1)
	}
}

// runConcurrently runs fn(0..n-1) in n goroutines released together and returns
// their errors by index. A panic in fn is returned as an error.
func runConcurrently(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					errs[i] = fmt.Errorf("panic: %v", r)
				}
			}()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

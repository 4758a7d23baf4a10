package queuetest

import (
	"context"
	"errors"
	"testing"

	"smartwait/internal/queue"
)

// Savepoint undoes exactly the writes of a failing fn: the writes before it,
// and those of a later successful Savepoint in the same Update, commit.
func testSavepoint(t *testing.T, s queue.Store) {
	kept1 := newTicket(queue.DefaultQueueID, 1)
	lost := newTicket(queue.DefaultQueueID, 2)
	lostMsg := newMessage(lost, queue.MessageConfirmation)
	kept2 := newTicket(queue.DefaultQueueID, 3)
	update(t, s, func(ctx context.Context, tx queue.Tx) error {
		if err := tx.Savepoint(ctx, func() error { return tx.InsertTicket(ctx, &kept1) }); err != nil {
			t.Errorf("first Savepoint = %v", err)
		}
		err := tx.Savepoint(ctx, func() error {
			// Every mutating method, then a failure: none of it may survive.
			return writeEverything(ctx, tx, &lost, lostMsg)
		})
		if !errors.Is(err, errBoom) {
			t.Errorf("failing Savepoint = %v, want fn's error", err)
		}
		return tx.Savepoint(ctx, func() error { return tx.InsertTicket(ctx, &kept2) })
	})
	view(t, s, func(ctx context.Context, tx queue.Tx) error {
		q, err := tx.Queue(ctx, queue.DefaultQueueID)
		if err != nil {
			return err
		}
		if q.Version != 0 {
			t.Errorf("queue version = %d, want 0: the failed savepoint's UpdateQueue survived", q.Version)
		}
		for _, tk := range []queue.Ticket{kept1, kept2} {
			if _, err := tx.Ticket(ctx, tk.ID); err != nil {
				t.Errorf("ticket %s of a successful savepoint: %v", tk.ID, err)
			}
		}
		if _, err := tx.Ticket(ctx, lost.ID); !errors.Is(err, queue.ErrNotFound) {
			t.Errorf("ticket of the failed savepoint: Ticket error = %v, want ErrNotFound", err)
		}
		if w, c, err := tx.CountActive(ctx, queue.DefaultQueueID); err != nil || w != 2 || c != 0 {
			t.Errorf("CountActive = %d, %d, %v; want the two kept tickets waiting", w, c, err)
		}
		ls, err := tx.Lines(ctx)
		if err != nil {
			return err
		}
		if len(ls) != 1 || ls[0] != defaultLine(ls[0].Name) {
			t.Errorf("lines = %+v, want the default line alone, unchanged: the failed savepoint's writes survived", ls)
		}
		if rs, err := tx.Rooms(ctx); err != nil || len(rs) != 0 {
			t.Errorf("rooms = %+v, %v; want none: the failed savepoint's CreateRoom survived", rs, err)
		}
		return nil
	})
	update(t, s, func(ctx context.Context, tx queue.Tx) error {
		if n, err := tx.NextTicketNumber(ctx, queue.DefaultQueueID, "2026-11-28"); err != nil || n != 1 {
			t.Errorf("NextTicketNumber after the failed savepoint = %d, %v, want 1", n, err)
		}
		m := *lostMsg
		m.ID = 0
		if err := tx.AddMessage(ctx, &m); err != nil {
			return err
		}
		if m.ID == 0 {
			t.Errorf("the failed savepoint's message DedupeKey is still taken")
		}
		return nil
	})
}

// A savepoint whose fn hits a constraint (a duplicate phone) leaves the
// transaction usable: the error is fn's, and the next write commits.
func testSavepointAfterConstraint(t *testing.T, s queue.Store) {
	first := newTicket(queue.DefaultQueueID, 1)
	dup := newTicket(queue.DefaultQueueID, 2)
	dup.Phone = first.Phone
	after := newTicket(queue.DefaultQueueID, 3)
	update(t, s, func(ctx context.Context, tx queue.Tx) error {
		if err := tx.Savepoint(ctx, func() error { return tx.InsertTicket(ctx, &first) }); err != nil {
			return err
		}
		if err := tx.Savepoint(ctx, func() error { return tx.InsertTicket(ctx, &dup) }); !errors.Is(err, queue.ErrDuplicate) {
			t.Errorf("duplicate in a savepoint = %v, want ErrDuplicate", err)
		}
		return tx.Savepoint(ctx, func() error { return tx.InsertTicket(ctx, &after) })
	})
	view(t, s, func(ctx context.Context, tx queue.Tx) error {
		if waiting, _, err := tx.CountActive(ctx, queue.DefaultQueueID); err != nil || waiting != 2 {
			t.Errorf("CountActive = %d, %v, want 2 (first and after)", waiting, err)
		}
		return nil
	})
}

package queuetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"smartwait/internal/queue"
)

// A fresh store has the default queue, readable before any write (the staff page
// and the status endpoint read it before the first check-in).
func testDefaultQueue(t *testing.T, s queue.Store) {
	view(t, s, func(ctx context.Context, tx queue.Tx) error {
		q, err := tx.Queue(ctx, queue.DefaultQueueID)
		if err != nil {
			return err
		}
		if q.ID != queue.DefaultQueueID || q.Prefix != "A" || q.Name == "" || q.Version != 0 || q.ServiceTime != 0 {
			t.Errorf("default queue = %+v, want id %q, prefix A, a name, version 0, no service time", q, queue.DefaultQueueID)
		}
		if want := defaultLine(q.Name); q != want {
			t.Errorf("default queue = %+v, want the default line settings %+v", q, want)
		}
		if _, err := tx.Queue(ctx, "no-such-queue"); !errors.Is(err, queue.ErrNotFound) {
			t.Errorf("Queue(unknown) error = %v, want one wrapping ErrNotFound", err)
		}
		return nil
	})
	update(t, s, func(ctx context.Context, tx queue.Tx) error {
		q, err := tx.LockQueue(ctx, queue.DefaultQueueID)
		if err != nil {
			return err
		}
		if q.ID != queue.DefaultQueueID || q.Prefix != "A" || q != defaultLine(q.Name) {
			t.Errorf("LockQueue(default) = %+v", q)
		}
		return nil
	})
}

// UpdateQueue writes the version and the service time, and nothing else.
func testUpdateQueue(t *testing.T, s queue.Store) {
	const svc = 12*time.Minute + 34*time.Second + 500*time.Millisecond
	update(t, s, func(ctx context.Context, tx queue.Tx) error {
		q, err := tx.LockQueue(ctx, queue.DefaultQueueID)
		if err != nil {
			return err
		}
		q.Version, q.ServiceTime = 7, svc
		q.Name, q.Prefix, q.Open, q.Grace, q.ServingRooms = "Changed", "Z", false, time.Minute, 3 // SaveQueue's
		return tx.UpdateQueue(ctx, q)
	})
	view(t, s, func(ctx context.Context, tx queue.Tx) error {
		q, err := tx.Queue(ctx, queue.DefaultQueueID)
		if err != nil {
			return err
		}
		want := defaultLine(q.Name)
		want.Version, want.ServiceTime = 7, svc
		if q != want {
			t.Errorf("after UpdateQueue: %+v, want %+v: version 7, service time %v, settings untouched", q, want, svc)
		}
		return nil
	})
}

// Ticket numbers count per queue and per day, across transactions.
func testNextTicketNumber(t *testing.T, s queue.Store) {
	steps := []struct {
		queue, day string
		want       int
	}{
		{queue.DefaultQueueID, "2026-11-28", 1},
		{queue.DefaultQueueID, "2026-11-28", 2},
		{queue.DefaultQueueID, "2026-11-29", 1},
		{otherQueue, "2026-11-28", 1},
		{queue.DefaultQueueID, "2026-11-28", 3},
		{otherQueue, "2026-11-28", 2},
		{queue.DefaultQueueID, "2026-11-29", 2},
	}
	for i, st := range steps {
		update(t, s, func(ctx context.Context, tx queue.Tx) error {
			n, err := tx.NextTicketNumber(ctx, st.queue, st.day)
			if err != nil {
				return err
			}
			if n != st.want {
				t.Errorf("step %d: NextTicketNumber(%s, %s) = %d, want %d", i, st.queue, st.day, n, st.want)
			}
			return nil
		})
	}
	// Within one transaction too.
	update(t, s, func(ctx context.Context, tx queue.Tx) error {
		for want := 4; want <= 6; want++ {
			n, err := tx.NextTicketNumber(ctx, queue.DefaultQueueID, "2026-11-28")
			if err != nil {
				return err
			}
			if n != want {
				t.Errorf("NextTicketNumber in one transaction = %d, want %d", n, want)
			}
		}
		return nil
	})
}

func testPing(t *testing.T, s queue.Store) {
	if err := s.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

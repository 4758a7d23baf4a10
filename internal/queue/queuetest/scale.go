package queuetest

import (
	"context"
	"testing"
	"time"

	"smartwait/internal/queue"
)

// Positions and counts stay exact across hundreds of tickets in mixed statuses
// (a store may count in blocks of seqs: this crosses several block boundaries),
// checked against a model of the queue after every round of changes.
func testCountsAtScale(t *testing.T, s queue.Store) {
	const n = 700
	ts := make([]queue.Ticket, n)
	update(t, s, func(ctx context.Context, tx queue.Tx) error {
		for i := range ts {
			ts[i] = newTicket(queue.DefaultQueueID, i+1)
			if err := tx.InsertTicket(ctx, &ts[i]); err != nil {
				return err
			}
			if i%97 == 0 { // another queue's tickets interleaved
				other := newTicket(otherQueue, n+i)
				if err := tx.InsertTicket(ctx, &other); err != nil {
					return err
				}
			}
		}
		return nil
	})
	check := func(round string) {
		t.Helper()
		var waiting, called int
		view(t, s, func(ctx context.Context, tx queue.Tx) error {
			for i, tk := range ts {
				// Every 8th ticket and those around multiples of 256 (a likely
				// block size): checking all 700 is slow under the race detector.
				if r := (i + 1) % 256; i%8 == 0 || r <= 1 || r >= 255 || i == n-1 {
					got, err := tx.CountWaitingBefore(ctx, queue.DefaultQueueID, tk.Seq)
					if err != nil {
						return err
					}
					if got != waiting {
						t.Fatalf("%s: CountWaitingBefore(ticket %d) = %d, want %d", round, i, got, waiting)
					}
				}
				switch tk.Status {
				case queue.StatusWaiting:
					waiting++
				case queue.StatusCalled:
					called++
				}
			}
			w, c, err := tx.CountActive(ctx, queue.DefaultQueueID)
			if err != nil {
				return err
			}
			if w != waiting || c != called {
				t.Fatalf("%s: CountActive = %d, %d, want %d, %d", round, w, c, waiting, called)
			}
			all, err := tx.CountWaitingBefore(ctx, queue.DefaultQueueID, ts[n-1].Seq+1)
			if err != nil {
				return err
			}
			if all != waiting {
				t.Fatalf("%s: CountWaitingBefore(after the last) = %d, want %d", round, all, waiting)
			}
			return nil
		})
	}
	check("all waiting")
	rounds := []struct {
		name  string
		every int
		from  queue.Status
		to    queue.Status
	}{
		{"called every 3rd", 3, queue.StatusWaiting, queue.StatusCalled},
		{"completed every 2nd called", 2, queue.StatusCalled, queue.StatusCompleted},
		{"no-show every 5th waiting", 5, queue.StatusWaiting, queue.StatusNoShow},
		{"cancelled every 7th waiting", 7, queue.StatusWaiting, queue.StatusCancelled},
		{"the rest called", 1, queue.StatusWaiting, queue.StatusCalled},
	}
	for _, r := range rounds {
		update(t, s, func(ctx context.Context, tx queue.Tx) error {
			k := 0
			for i := range ts {
				if ts[i].Status != r.from {
					continue
				}
				if k++; k%r.every != 0 {
					continue
				}
				ts[i].Status = r.to
				if r.to == queue.StatusCalled {
					ts[i].CalledAt = t0.Add(time.Duration(i) * time.Second)
				} else {
					ts[i].CompletedAt = t0.Add(time.Hour)
				}
				if err := tx.UpdateTicket(ctx, ts[i]); err != nil {
					return err
				}
			}
			return nil
		})
		check(r.name)
	}
}

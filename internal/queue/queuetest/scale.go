package queuetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"smartwait/internal/queue"
)

// scaleGap is the key distance from the i-th ticket of testCountsAtScale to the
// next: runs of consecutive keys, medium gaps and jumps, so that blocks of any
// likely size (256 keys, 2^18, 2^27) hold one ticket, several, or hundreds, and
// block boundaries fall inside runs.
func scaleGap(i int) int64 {
	switch {
	case i%50 == 49:
		return 1<<19 + 12345
	case i%10 == 9:
		return 40_000
	case i%7 == 3:
		return 300
	}
	return 1
}

// Positions and counts stay exact across hundreds of tickets in mixed statuses,
// with keys dense and sparse (a store may count in blocks of keys: this crosses
// many block boundaries), checked against a model of the queue after every
// round of changes, moves to other keys among them.
func testCountsAtScale(t *testing.T, s queue.Store) {
	const n = 700
	ts := make([]queue.Ticket, n)
	update(t, s, func(ctx context.Context, tx queue.Tx) error {
		key := queue.OrderKey(false, t0)
		for i := range ts {
			ts[i] = newTicket(queue.DefaultQueueID, i+1)
			ts[i].Seq = key
			key += scaleGap(i)
			if err := tx.InsertTicket(ctx, &ts[i]); err != nil {
				return err
			}
			if i%97 == 0 { // another queue's tickets interleaved, at the same keys
				other := newTicket(otherQueue, n+i)
				other.Seq = ts[i].Seq
				if err := tx.InsertTicket(ctx, &other); err != nil {
					return err
				}
			}
		}
		return nil
	})
	// checked reports whether check counts the ticket at i: every 8th, the last,
	// and those next to a boundary of a likely block (checking all 700 is slow
	// under the race detector).
	checked := func(i int) bool {
		if i%8 == 0 || i == n-1 {
			return true
		}
		for _, shift := range []int{8, 18, 27} {
			if ts[i].Seq>>shift != ts[i-1].Seq>>shift || ts[i].Seq>>shift != ts[i+1].Seq>>shift {
				return true
			}
		}
		return false
	}
	check := func(round string) {
		t.Helper()
		var waiting, called int
		view(t, s, func(ctx context.Context, tx queue.Tx) error {
			for i, tk := range ts {
				if checked(i) {
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
	// Every 9th ticket moves: alternately 3·2^18 keys later (into another block,
	// past others), or one key down (where, inside a run, its predecessor's key
	// is taken and its own, counting as free, is the next: it stays put).
	update(t, s, func(ctx context.Context, tx queue.Tx) error {
		for i := 9; i < n; i += 9 {
			if (i/9)%2 == 0 {
				ts[i].Seq += 3 << 18
			} else {
				ts[i].Seq -= 1
			}
			if err := tx.MoveTicket(ctx, &ts[i]); err != nil {
				return err
			}
		}
		return nil
	})
	slices.SortFunc(ts, func(a, b queue.Ticket) int { return compareSeq(a.Seq, b.Seq) })
	check("every 9th moved")
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

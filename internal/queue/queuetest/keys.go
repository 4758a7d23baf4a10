package queuetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"smartwait/internal/queue"
)

// InsertTicket keeps the key a ticket wants when no ticket of its queue has it,
// whatever that ticket's status, and otherwise gives it the next free key above;
// Seq tells the caller which. Keys of other queues do not count.
func testWantedKeys(t *testing.T, s queue.Store) {
	k := queue.OrderKey(false, t0)
	steps := []struct {
		name     string
		queue    string
		wanted   int64
		status   queue.Status
		want     int64
		withPrev bool // inserted in the previous step's transaction, which it must see
	}{
		{"free", queue.DefaultQueueID, k, queue.StatusCompleted, k, false},
		{"taken by a completed ticket", queue.DefaultQueueID, k, queue.StatusWaiting, k + 1, false},
		{"taken, and the next by an active ticket", queue.DefaultQueueID, k, queue.StatusCalled, k + 2, false},
		{"free above a run", queue.DefaultQueueID, k + 5, queue.StatusWaiting, k + 5, false},
		{"free in a gap", queue.DefaultQueueID, k + 3, queue.StatusCancelled, k + 3, false},
		{"run k+2..k+3: the next free", queue.DefaultQueueID, k + 2, queue.StatusWaiting, k + 4, false},
		{"run k+2..k+5: past the run", queue.DefaultQueueID, k + 2, queue.StatusWaiting, k + 6, true},
		{"another queue's keys are its own", otherQueue, k, queue.StatusWaiting, k, false},
		{"below every key", queue.DefaultQueueID, k - 1, queue.StatusWaiting, k - 1, false},
		{"urgent, far below", queue.DefaultQueueID, queue.OrderKey(true, t0), queue.StatusWaiting, queue.OrderKey(true, t0), false},
		{"no key wanted", queue.DefaultQueueID, 0, queue.StatusWaiting, 0, false},
		{"no key wanted again", queue.DefaultQueueID, 0, queue.StatusWaiting, 1, true},
	}
	var stored []queue.Ticket
	for i := 0; i < len(steps); {
		j := i + 1
		for j < len(steps) && steps[j].withPrev {
			j++
		}
		batch := make([]queue.Ticket, j-i)
		for b, st := range steps[i:j] {
			batch[b] = newTicket(st.queue, i+b+1)
			batch[b].Seq, batch[b].Status = st.wanted, st.status
			if !st.status.Active() {
				batch[b].CompletedAt = t0.Add(time.Hour)
			}
		}
		update(t, s, func(ctx context.Context, tx queue.Tx) error {
			for b := range batch {
				if err := tx.InsertTicket(ctx, &batch[b]); err != nil {
					return err
				}
			}
			return nil
		})
		for b, st := range steps[i:j] {
			if batch[b].Seq != st.want {
				t.Errorf("%s: wanted %d, got Seq %d, want %d (k%+d)", st.name, st.wanted, batch[b].Seq, st.want, st.want-k)
			}
		}
		stored = append(stored, batch...)
		i = j
	}
	view(t, s, func(ctx context.Context, tx queue.Tx) error {
		for _, want := range stored {
			got, err := tx.Ticket(ctx, want.ID)
			if err != nil {
				return err
			}
			if diff := sameTicket(got, want); diff != "" {
				t.Errorf("%s: stored ticket: %s", want.Name, diff)
			}
		}
		// The waiting ones in key order: Seq is their order.
		var want []queue.Ticket
		for _, tk := range stored {
			if tk.QueueID == queue.DefaultQueueID && tk.Status == queue.StatusWaiting {
				want = append(want, tk)
			}
		}
		slices.SortFunc(want, func(a, b queue.Ticket) int { return compareSeq(a.Seq, b.Seq) })
		got, err := tx.WaitingTickets(ctx, queue.DefaultQueueID, 0)
		if err != nil {
			return err
		}
		if !equalStrings(ids(got), ids(want)) {
			t.Errorf("WaitingTickets = %v, want by key %v", names(got), names(want))
		}
		return nil
	})
}

func compareSeq(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Urgent and DueAt come back from every query that returns tickets.
func testUrgentDueEverywhere(t *testing.T, s queue.Store) {
	urgent := newTicket(queue.DefaultQueueID, 1)
	urgent.Urgent, urgent.DueAt = true, t0.Add(-90*time.Minute+3*time.Millisecond) // booked earlier than check-in
	urgent.Seq = queue.OrderKey(true, urgent.DueAt)
	plain := newTicket(queue.DefaultQueueID, 2)
	plain.DueAt = time.Time{} // not set
	plain.Seq = queue.OrderKey(false, plain.CheckInTime)
	called := newTicket(queue.DefaultQueueID, 3)
	called.Urgent, called.Status, called.CalledAt = true, queue.StatusCalled, t0.Add(time.Hour)
	called.Seq = queue.OrderKey(true, called.DueAt)
	want := insert(t, s, urgent, plain, called)
	view(t, s, func(ctx context.Context, tx queue.Tx) error {
		lists := map[string]func() ([]queue.Ticket, error){
			"ActiveTickets":  func() ([]queue.Ticket, error) { return tx.ActiveTickets(ctx, queue.DefaultQueueID) },
			"WaitingTickets": func() ([]queue.Ticket, error) { return tx.WaitingTickets(ctx, queue.DefaultQueueID, 0) },
			"TicketsSince":   func() ([]queue.Ticket, error) { return tx.TicketsSince(ctx, queue.DefaultQueueID, t0) },
			"Ticket": func() ([]queue.Ticket, error) {
				var out []queue.Ticket
				for _, w := range want {
					tk, err := tx.Ticket(ctx, w.ID)
					if err != nil {
						return nil, err
					}
					out = append(out, tk)
				}
				return out, nil
			},
		}
		for name, list := range lists {
			got, err := list()
			if err != nil {
				return err
			}
			if len(got) == 0 {
				t.Errorf("%s returned nothing", name)
			}
			for _, g := range got {
				for _, w := range want {
					if g.ID == w.ID {
						if diff := sameTicket(g, w); diff != "" {
							t.Errorf("%s: %s: %s", name, w.Name, diff)
						}
					}
				}
			}
		}
		return nil
	})
}

// Tickets without a phone (front-desk patients) never clash with each other,
// while a phone still does.
func testPhonelessTickets(t *testing.T, s queue.Store) {
	var ts []queue.Ticket
	for i := range 3 {
		tk := newTicket(queue.DefaultQueueID, i+1)
		tk.Phone = ""
		ts = append(ts, tk)
	}
	ts[2].Status, ts[2].CalledAt = queue.StatusCalled, t0.Add(time.Hour)
	insert(t, s, ts...)
	update(t, s, func(ctx context.Context, tx queue.Tx) error { // two more in one transaction
		for n := 4; n <= 5; n++ {
			tk := newTicket(queue.DefaultQueueID, n)
			tk.Phone = ""
			if err := tx.InsertTicket(ctx, &tk); err != nil {
				return err
			}
		}
		return nil
	})
	view(t, s, func(ctx context.Context, tx queue.Tx) error {
		if w, c, err := tx.CountActive(ctx, queue.DefaultQueueID); err != nil || w != 4 || c != 1 {
			t.Errorf("CountActive = %d, %d, %v; want 4 phoneless waiting, 1 called", w, c, err)
		}
		return nil
	})
	a := insert(t, s, newTicket(queue.DefaultQueueID, 6))[0]
	b := newTicket(queue.DefaultQueueID, 7)
	b.Phone = a.Phone
	if err := updateErr(s, func(ctx context.Context, tx queue.Tx) error { return tx.InsertTicket(ctx, &b) }); !errors.Is(err, queue.ErrDuplicate) {
		t.Errorf("a second active ticket with a phone = %v, want ErrDuplicate", err)
	}
}

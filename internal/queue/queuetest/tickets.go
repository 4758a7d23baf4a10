package queuetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"smartwait/internal/queue"
)

// Every field round-trips, Seq being the key wanted when it is free (the
// zero DueAt is kept as "not set").
func testTicketRoundTrip(t *testing.T, s queue.Store) {
	tests := []struct {
		name   string
		ticket func() queue.Ticket
	}{
		{"waiting, no key wanted, no due time", func() queue.Ticket {
			tk := newTicket(queue.DefaultQueueID, 1)
			tk.DueAt = time.Time{}
			return tk
		}},
		{"every field", func() queue.Ticket {
			tk := newTicket(queue.DefaultQueueID, 2)
			tk.Name, tk.Room, tk.Status = "José García 李小明 O'Connor-Smith", "Room 3", queue.StatusCalled
			tk.CalledAt = t0.Add(30*time.Minute + 123*time.Millisecond)
			tk.ReadyAt = t0.Add(20 * time.Minute)
			tk.Urgent, tk.DueAt = true, t0.Add(25*time.Minute+7*time.Millisecond)
			tk.Seq = queue.OrderKey(true, tk.DueAt)
			return tk
		}},
		{"finished", func() queue.Ticket {
			tk := newTicket(otherQueue, 3)
			tk.Status, tk.CalledAt, tk.CompletedAt = queue.StatusCompleted, t0.Add(time.Hour), t0.Add(2*time.Hour)
			tk.Seq = queue.OrderKey(false, tk.DueAt)
			return tk
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tk := tc.ticket()
			wanted := tk.Seq
			want := insert(t, s, tk)[0]
			if want.Seq != wanted {
				t.Errorf("InsertTicket set Seq = %d, want the free key wanted, %d", want.Seq, wanted)
			}
			view(t, s, func(ctx context.Context, tx queue.Tx) error {
				got, err := tx.Ticket(ctx, want.ID)
				if err != nil {
					return err
				}
				if diff := sameTicket(got, want); diff != "" {
					t.Errorf("Ticket after InsertTicket: %s", diff)
				}
				return nil
			})
		})
	}
}

func testTicketNotFound(t *testing.T, s queue.Store) {
	insert(t, s, newTicket(queue.DefaultQueueID, 1))
	view(t, s, func(ctx context.Context, tx queue.Tx) error {
		if _, err := tx.Ticket(ctx, queue.NewID()); !errors.Is(err, queue.ErrNotFound) {
			t.Errorf("Ticket(unknown) error = %v, want one wrapping ErrNotFound", err)
		}
		return nil
	})
	// The error reaches the caller of View unchanged in meaning.
	err := s.View(context.Background(), func(tx queue.Tx) error {
		_, err := tx.Ticket(context.Background(), queue.NewID())
		return err
	})
	if !errors.Is(err, queue.ErrNotFound) {
		t.Errorf("View returning Ticket's error = %v, want one wrapping ErrNotFound", err)
	}
}

// A ticket that wants key 0 (Seq left zero) gets the queue's lowest free key:
// 0, 1, 2… in insert order, whether tickets come in separate transactions, in
// one, or interleaved with another queue's, whose keys are its own. (Before
// order keys, the store gave MAX+1 from 1; the order of such inserts is kept.)
func testSeqMonotonic(t *testing.T, s queue.Store) {
	var others []int64
	var seqs []int64
	n := 0
	for i := 0; i < 3; i++ {
		n++
		a := insert(t, s, newTicket(queue.DefaultQueueID, n))[0]
		n++
		others = append(others, insert(t, s, newTicket(otherQueue, n))[0].Seq)
		seqs = append(seqs, a.Seq)
	}
	update(t, s, func(ctx context.Context, tx queue.Tx) error {
		for i := 0; i < 3; i++ {
			n++
			tk := newTicket(queue.DefaultQueueID, n)
			if err := tx.InsertTicket(ctx, &tk); err != nil {
				return err
			}
			seqs = append(seqs, tk.Seq)
		}
		return nil
	})
	if want := []int64{0, 1, 2, 3, 4, 5}; !slices.Equal(seqs, want) {
		t.Errorf("Seq of inserts wanting key 0 = %v, want %v", seqs, want)
	}
	if want := []int64{0, 1, 2}; !slices.Equal(others, want) {
		t.Errorf("Seq of the other queue's inserts = %v, want %v", others, want)
	}
}

// UpdateTicket stores the mutable fields and only those: not the place in the
// line either (MoveTicket's).
func testUpdateTicket(t *testing.T, s queue.Store) {
	tk := insert(t, s, newTicket(queue.DefaultQueueID, 1))[0]
	want := tk
	tk.Status, tk.Room, tk.CalledAt, tk.ReadyAt = queue.StatusCalled, "Room 2", t0.Add(time.Hour), t0.Add(50*time.Minute)
	tk.QuotedWait = 99 // mutable: a quote corrected once the store settled the key
	want.Status, want.Room, want.CalledAt, want.ReadyAt, want.QuotedWait = tk.Status, tk.Room, tk.CalledAt, tk.ReadyAt, tk.QuotedWait
	tk.Name, tk.Phone, tk.Number = "Changed", "+14155550000", "Z-999"                  // not mutable
	tk.QueueID, tk.Seq, tk.Urgent, tk.DueAt = otherQueue, 77, true, t0.Add(-time.Hour) // nor these
	setTicket(t, s, tk)
	tk.Status, tk.CompletedAt = queue.StatusCompleted, t0.Add(90*time.Minute)
	want.Status, want.CompletedAt = tk.Status, tk.CompletedAt
	setTicket(t, s, tk)
	view(t, s, func(ctx context.Context, tx queue.Tx) error {
		got, err := tx.Ticket(ctx, tk.ID)
		if err != nil {
			return err
		}
		if diff := sameTicket(got, want); diff != "" {
			t.Errorf("after UpdateTicket: %s", diff)
		}
		return nil
	})
}

// ActiveTickets: called first by CalledAt then Seq, then waiting by Seq; nothing
// finished, nothing from another queue.
func testActiveTicketsOrder(t *testing.T, s queue.Store) {
	ts := make([]queue.Ticket, 7)
	for i := range ts {
		ts[i] = newTicket(queue.DefaultQueueID, i+1)
	}
	ts = insert(t, s, ts...)
	insert(t, s, newTicket(otherQueue, 8))
	call := func(i int, at time.Duration) {
		ts[i].Status, ts[i].CalledAt = queue.StatusCalled, t0.Add(at)
		setTicket(t, s, ts[i])
	}
	call(4, time.Hour)   // called first, though last in check-in order
	call(2, 2*time.Hour) // called at the same time as 0: Seq decides
	call(0, 2*time.Hour)
	ts[1].Status, ts[1].CompletedAt = queue.StatusCompleted, t0.Add(3*time.Hour)
	setTicket(t, s, ts[1])
	ts[5].Status, ts[5].CompletedAt = queue.StatusCancelled, t0.Add(3*time.Hour)
	setTicket(t, s, ts[5])
	want := []queue.Ticket{ts[4], ts[0], ts[2], ts[3], ts[6]}
	view(t, s, func(ctx context.Context, tx queue.Tx) error {
		got, err := tx.ActiveTickets(ctx, queue.DefaultQueueID)
		if err != nil {
			return err
		}
		if !equalStrings(ids(got), ids(want)) {
			t.Errorf("ActiveTickets = %v, want %v", names(got), names(want))
		}
		for i := range got {
			if i < len(want) && got[i].ID == want[i].ID {
				if diff := sameTicket(got[i], want[i]); diff != "" {
					t.Errorf("ActiveTickets[%d]: %s", i, diff)
				}
			}
		}
		empty, err := tx.ActiveTickets(ctx, "no-such-queue")
		if err != nil {
			return err
		}
		if len(empty) != 0 {
			t.Errorf("ActiveTickets(unknown queue) = %v, want none", names(empty))
		}
		return nil
	})
}

func testWaitingTickets(t *testing.T, s queue.Store) {
	ts := make([]queue.Ticket, 5)
	for i := range ts {
		ts[i] = newTicket(queue.DefaultQueueID, i+1)
	}
	ts = insert(t, s, ts...)
	insert(t, s, newTicket(otherQueue, 6))
	ts[1].Status, ts[1].CalledAt = queue.StatusCalled, t0.Add(time.Hour)
	setTicket(t, s, ts[1])
	waiting := []queue.Ticket{ts[0], ts[2], ts[3], ts[4]}
	tests := []struct {
		limit int
		want  []queue.Ticket
	}{
		{0, waiting},
		{-1, waiting},
		{2, waiting[:2]},
		{4, waiting},
		{10, waiting},
	}
	for _, tc := range tests {
		view(t, s, func(ctx context.Context, tx queue.Tx) error {
			got, err := tx.WaitingTickets(ctx, queue.DefaultQueueID, tc.limit)
			if err != nil {
				return err
			}
			if !equalStrings(ids(got), ids(tc.want)) {
				t.Errorf("WaitingTickets(limit %d) = %v, want %v", tc.limit, names(got), names(tc.want))
			}
			return nil
		})
	}
}

// CountWaitingBefore is the number of waiting tickets ahead: position − 1.
func testCountWaitingBefore(t *testing.T, s queue.Store) {
	ts := make([]queue.Ticket, 6)
	for i := range ts {
		ts[i] = insert(t, s, newTicket(queue.DefaultQueueID, i+1))[0]
		if i%2 == 0 {
			insert(t, s, newTicket(otherQueue, 100+i)) // interleaved, never counted
		}
	}
	ts[0].Status, ts[0].CalledAt = queue.StatusCalled, t0.Add(time.Hour)
	setTicket(t, s, ts[0])
	ts[3].Status, ts[3].CompletedAt = queue.StatusNoShow, t0.Add(time.Hour)
	setTicket(t, s, ts[3])
	tests := []struct {
		name string
		seq  int64
		want int
	}{
		{"first ticket", ts[0].Seq, 0},
		{"behind a called one", ts[1].Seq, 0},
		{"second waiting", ts[2].Seq, 1},
		{"behind a no-show", ts[4].Seq, 2},
		{"last", ts[5].Seq, 3},
		{"past the end", ts[5].Seq + 1000, 4},
		{"before the start", 0, 0},
	}
	for _, tc := range tests {
		view(t, s, func(ctx context.Context, tx queue.Tx) error {
			got, err := tx.CountWaitingBefore(ctx, queue.DefaultQueueID, tc.seq)
			if err != nil {
				return err
			}
			if got != tc.want {
				t.Errorf("%s: CountWaitingBefore(seq %d) = %d, want %d", tc.name, tc.seq, got, tc.want)
			}
			return nil
		})
	}
}

func testCountActive(t *testing.T, s queue.Store) {
	ts := make([]queue.Ticket, 6)
	for i := range ts {
		ts[i] = newTicket(queue.DefaultQueueID, i+1)
	}
	ts = insert(t, s, ts...)
	insert(t, s, newTicket(otherQueue, 7))
	for i, st := range []queue.Status{queue.StatusCalled, queue.StatusCalled, queue.StatusCompleted, queue.StatusNoShow} {
		ts[i].Status = st
		setTicket(t, s, ts[i])
	}
	view(t, s, func(ctx context.Context, tx queue.Tx) error {
		waiting, called, err := tx.CountActive(ctx, queue.DefaultQueueID)
		if err != nil {
			return err
		}
		if waiting != 2 || called != 2 {
			t.Errorf("CountActive = %d waiting, %d called, want 2, 2", waiting, called)
		}
		return nil
	})
}

package queuetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"smartwait/internal/queue"
)

// OptOut records a number once (the first time counts) and cancels its
// pending texts, not other numbers' nor those sent; OptIn forgets it.
func testOptOuts(t *testing.T, s queue.Store) {
	const phone, other = "+14155552671", "+14155552672"
	msgs := []*queue.Message{
		{TicketID: "t1", Kind: queue.MessageFollowUp, To: phone, Body: "later", DedupeKey: "a", CreatedAt: t0, DueAt: t0.Add(time.Hour)},
		{TicketID: "t1", Kind: queue.MessageConfirmation, To: phone, Body: "sent", DedupeKey: "b", Status: queue.MessageSent, CreatedAt: t0, DueAt: t0},
		{TicketID: "t2", Kind: queue.MessageFollowUp, To: other, Body: "other", DedupeKey: "c", CreatedAt: t0, DueAt: t0.Add(time.Hour)},
	}
	update(t, s, func(ctx context.Context, tx queue.Tx) error {
		for _, m := range msgs {
			if err := tx.AddMessage(ctx, m); err != nil {
				return err
			}
		}
		if err := tx.OptOut(ctx, phone, t0); err != nil {
			return err
		}
		return tx.OptOut(ctx, phone, t0.Add(time.Minute)) // again: the first time stays
	})
	view(t, s, func(ctx context.Context, tx queue.Tx) error {
		at, err := tx.OptedOut(ctx, phone)
		if err != nil || !at.Equal(t0) {
			t.Errorf("OptedOut = %v, %v; want %v", at, err, t0)
		}
		if at, err := tx.OptedOut(ctx, other); err != nil || !at.IsZero() {
			t.Errorf("OptedOut(other) = %v, %v", at, err)
		}
		return nil
	})
	for i, want := range []queue.MessageStatus{queue.MessageCancelled, queue.MessageSent, queue.MessagePending} {
		ms, err := s.(interface {
			Messages(context.Context, string) ([]queue.Message, error)
		}).Messages(context.Background(), msgs[i].TicketID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.DedupeKey == msgs[i].DedupeKey && m.Status != want {
				t.Errorf("message %s: %s, want %s", m.DedupeKey, m.Status, want)
			}
		}
	}
	update(t, s, func(ctx context.Context, tx queue.Tx) error { return tx.OptIn(ctx, phone) })
	view(t, s, func(ctx context.Context, tx queue.Tx) error {
		if at, err := tx.OptedOut(ctx, phone); err != nil || !at.IsZero() {
			t.Errorf("after OptIn: %v, %v", at, err)
		}
		return nil
	})
}

// TextedSince sees a number's texts of a kind from a moment on, inclusive.
func testTextedSince(t *testing.T, s queue.Store) {
	const phone = "+14155552671"
	update(t, s, func(ctx context.Context, tx queue.Tx) error {
		return tx.AddMessage(ctx, &queue.Message{TicketID: "", Kind: queue.MessageReply, To: phone, Body: "hi",
			DedupeKey: "reply:SM1", CreatedAt: t0, DueAt: t0})
	})
	view(t, s, func(ctx context.Context, tx queue.Tx) error {
		for _, tc := range []struct {
			phone string
			kind  queue.MessageKind
			since time.Time
			want  bool
		}{
			{phone, queue.MessageReply, t0, true},
			{phone, queue.MessageReply, t0.Add(-time.Hour), true},
			{phone, queue.MessageReply, t0.Add(time.Millisecond), false},
			{phone, queue.MessageCalled, t0, false},
			{"+14155552672", queue.MessageReply, t0, false},
		} {
			if got, err := tx.TextedSince(ctx, tc.phone, tc.kind, tc.since); err != nil || got != tc.want {
				t.Errorf("TextedSince(%s, %s, %v) = %v, %v; want %v", tc.phone, tc.kind, tc.since, got, err, tc.want)
			}
		}
		return nil
	})
}

// ActiveTicketByPhone is the newest waiting or called ticket of a number, in
// any queue; finished ones and other numbers' do not count.
func testActiveTicketByPhone(t *testing.T, s queue.Store) {
	const phone = "+14155552671"
	old, newer, done, stranger := newTicket(queue.DefaultQueueID, 1), newTicket(otherQueue, 2), newTicket(queue.DefaultQueueID, 3), newTicket(queue.DefaultQueueID, 4)
	old.Phone, newer.Phone, done.Phone = phone, phone, phone
	newer.Status = queue.StatusCalled
	done.Status = queue.StatusCompleted
	got := insert(t, s, old, newer, done, stranger)
	view(t, s, func(ctx context.Context, tx queue.Tx) error {
		tk, err := tx.ActiveTicketByPhone(ctx, phone)
		if err != nil || tk.ID != got[1].ID {
			t.Errorf("ActiveTicketByPhone = %s, %v; want the newer, called ticket %s", tk.ID, err, got[1].ID)
		}
		if _, err := tx.ActiveTicketByPhone(ctx, "+14155552673"); !errors.Is(err, queue.ErrNotFound) {
			t.Errorf("a number without tickets: %v, want ErrNotFound", err)
		}
		return nil
	})
}

// The two-way SMS fields round-trip: UpdateTicket stores ArrivedAt (HERE),
// MoveTicket stores Delays (LATE), and every read returns them.
func testTextFields(t *testing.T, s queue.Store) {
	tk := insert(t, s, newTicket(queue.DefaultQueueID, 1))[0]
	tk.ArrivedAt = t0.Add(3 * time.Minute)
	update(t, s, func(ctx context.Context, tx queue.Tx) error { return tx.UpdateTicket(ctx, tk) })
	tk.Delays, tk.DueAt = 1, t0.Add(20*time.Minute)
	tk.Seq = queue.OrderKey(false, tk.DueAt)
	update(t, s, func(ctx context.Context, tx queue.Tx) error { return tx.MoveTicket(ctx, &tk) })
	view(t, s, func(ctx context.Context, tx queue.Tx) error {
		got, err := tx.Ticket(ctx, tk.ID)
		if err != nil {
			return err
		}
		active, err := tx.ActiveTickets(ctx, queue.DefaultQueueID)
		if err != nil || len(active) != 1 {
			t.Fatalf("active = %v, %v", active, err)
		}
		for _, g := range []queue.Ticket{got, active[0]} {
			if !g.ArrivedAt.Equal(tk.ArrivedAt) || g.Delays != 1 {
				t.Errorf("read back: arrived %v, delays %d; want %v, 1", g.ArrivedAt, g.Delays, tk.ArrivedAt)
			}
		}
		return nil
	})
}

// LastTold is the ToldUntil of a ticket's newest text that told a wait; texts
// that told none, and other tickets', do not count.
func testLastTold(t *testing.T, s queue.Store) {
	add := func(key, ticket string, created, told time.Time) {
		update(t, s, func(ctx context.Context, tx queue.Tx) error {
			return tx.AddMessage(ctx, &queue.Message{TicketID: ticket, Kind: queue.MessageConfirmation, To: "+14155552671",
				Body: "b", DedupeKey: key, CreatedAt: created, DueAt: created, ToldUntil: told})
		})
	}
	add("a", "t1", t0, t0.Add(15*time.Minute))
	add("b", "t1", t0.Add(time.Minute), t0.Add(40*time.Minute))
	add("c", "t1", t0.Add(2*time.Minute), time.Time{}) // tells no wait
	add("d", "t2", t0.Add(3*time.Minute), t0.Add(90*time.Minute))
	view(t, s, func(ctx context.Context, tx queue.Tx) error {
		for id, want := range map[string]time.Time{"t1": t0.Add(40 * time.Minute), "t2": t0.Add(90 * time.Minute), "t3": {}} {
			if got, err := tx.LastTold(ctx, id); err != nil || !got.Equal(want) {
				t.Errorf("LastTold(%s) = %v, %v; want %v", id, got, err, want)
			}
		}
		return nil
	})
}

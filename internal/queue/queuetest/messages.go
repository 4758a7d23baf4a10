package queuetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"smartwait/internal/queue"
)

// newMessage returns a pending message of the kind for the ticket, deduplicated
// per ticket and kind.
func newMessage(tk queue.Ticket, kind queue.MessageKind) *queue.Message {
	return &queue.Message{
		TicketID: tk.ID, Kind: kind, To: tk.Phone, Body: "SmartWait: " + string(kind),
		DedupeKey: tk.ID + ":" + string(kind), Status: queue.MessagePending,
		CreatedAt: t0, DueAt: t0,
	}
}

// addMessages adds the messages in one transaction and fails on error.
func addMessages(tb testing.TB, s queue.Store, ms ...*queue.Message) {
	tb.Helper()
	update(tb, s, func(ctx context.Context, tx queue.Tx) error {
		for _, m := range ms {
			if err := tx.AddMessage(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
}

// cancel runs CancelMessages in its own transaction and returns the count.
func cancel(tb testing.TB, s queue.Store, ticketID string, kind queue.MessageKind) int {
	tb.Helper()
	var n int
	update(tb, s, func(ctx context.Context, tx queue.Tx) error {
		var err error
		n, err = tx.CancelMessages(ctx, ticketID, kind)
		return err
	})
	return n
}

// AddMessage sets distinct ids; a second message with a DedupeKey already in the
// outbox is not added (no error, ID 0), in the same transaction or a later one.
func testAddMessageDedupe(t *testing.T, s queue.Store) {
	tk := insert(t, s, newTicket(queue.DefaultQueueID, 1))[0]
	a, b := newMessage(tk, queue.MessageConfirmation), newMessage(tk, queue.MessageCalled)
	addMessages(t, s, a, b)
	if a.ID <= 0 || b.ID <= 0 || a.ID == b.ID {
		t.Fatalf("AddMessage ids = %d, %d, want distinct and > 0", a.ID, b.ID)
	}
	again := newMessage(tk, queue.MessageConfirmation)
	again.Body = "a different body, same cause"
	addMessages(t, s, again)
	if again.ID != 0 {
		t.Errorf("AddMessage with an existing DedupeKey: ID = %d, want 0", again.ID)
	}
	update(t, s, func(ctx context.Context, tx queue.Tx) error {
		c := newMessage(tk, queue.MessageGetReady)
		if err := tx.AddMessage(ctx, c); err != nil {
			return err
		}
		d := newMessage(tk, queue.MessageGetReady)
		if err := tx.AddMessage(ctx, d); err != nil {
			return err
		}
		if c.ID <= 0 || d.ID != 0 {
			t.Errorf("same DedupeKey twice in one transaction: ids %d, %d, want > 0 and 0", c.ID, d.ID)
		}
		return nil
	})
	// Three distinct causes are in the outbox, each once.
	if n := cancel(t, s, tk.ID, ""); n != 3 {
		t.Errorf("CancelMessages after dedupe = %d, want 3 (confirmation, called, get_ready)", n)
	}
}

// CancelMessages cancels only pending messages of the ticket and kind ("" = all).
func testCancelMessages(t *testing.T, s queue.Store) {
	tk := insert(t, s, newTicket(queue.DefaultQueueID, 1))[0]
	other := insert(t, s, newTicket(queue.DefaultQueueID, 2))[0]
	sent := newMessage(tk, queue.MessageConfirmation)
	sent.Status, sent.Attempts, sent.SentAt, sent.ProviderID = queue.MessageSent, 1, t0.Add(time.Second), "SM123"
	followUp := newMessage(tk, queue.MessageFollowUp)
	followUp.DueAt = t0.Add(10 * time.Minute)
	addMessages(t, s,
		sent,
		newMessage(tk, queue.MessageCalled),
		newMessage(tk, queue.MessageGetReady),
		followUp,
		newMessage(other, queue.MessageFollowUp),
		newMessage(other, queue.MessageConfirmation),
	)
	steps := []struct {
		name   string
		ticket string
		kind   queue.MessageKind
		want   int
	}{
		{"one kind", tk.ID, queue.MessageFollowUp, 1},
		{"same kind again", tk.ID, queue.MessageFollowUp, 0},
		{"a kind already sent", tk.ID, queue.MessageConfirmation, 0},
		{"every kind: the pending rest", tk.ID, "", 2},
		{"every kind again", tk.ID, "", 0},
		{"unknown ticket", queue.NewID(), "", 0},
		{"the other ticket was untouched", other.ID, "", 2},
	}
	for _, st := range steps {
		if got := cancel(t, s, st.ticket, st.kind); got != st.want {
			t.Errorf("%s: CancelMessages(kind %q) = %d, want %d", st.name, st.kind, got, st.want)
		}
	}
}

// A message keeps its sender: a clinic's number read back as written, the
// deployment's ("") as "" — through RecordDelivery, the read a delivery
// report makes of a sent message.
func testMessageSender(t *testing.T, s queue.Store) {
	tk := insert(t, s, newTicket(queue.DefaultQueueID, 1))[0]
	own, deployment := newMessage(tk, queue.MessageConfirmation), newMessage(tk, queue.MessageCalled)
	own.From = "+15005550111"
	for i, m := range []*queue.Message{own, deployment} {
		m.Status, m.Attempts, m.SentAt, m.ProviderID = queue.MessageSent, 1, t0.Add(time.Second), fmt.Sprintf("SMsender%d", i)
	}
	addMessages(t, s, own, deployment)
	for _, want := range []*queue.Message{own, deployment} {
		update(t, s, func(ctx context.Context, tx queue.Tx) error {
			got, _, err := tx.RecordDelivery(ctx, want.ProviderID, queue.MessageDelivered, "")
			if err != nil {
				return err
			}
			if got.ID != want.ID || got.From != want.From {
				t.Errorf("message %d read back with From %q (id %d), want %q", want.ID, got.From, got.ID, want.From)
			}
			return nil
		})
	}
}

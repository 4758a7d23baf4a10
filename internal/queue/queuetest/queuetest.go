// Package queuetest is the conformance suite every queue.Store implementation must
// pass: SQLite and PostgreSQL run the same tests, unchanged. It uses only the
// queue.Store and queue.Tx methods, never SQL, and assumes only what their doc
// comments promise.
package queuetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"smartwait/internal/queue"
)

// RunStoreTests runs the conformance suite. open must return an empty, migrated
// store (a fresh database or schema) on every call, and arrange its cleanup on tb.
// Each subtest opens its own store, so subtests do not see each other's data.
//
// What the suite assumes beyond the method docs: a fresh store holds the default
// queue (version 0, prefix "A", the default line settings: open, public,
// position 0, grace DefaultGrace, no hours) and no rooms; tickets and ticket
// numbers may be written for a queue id that has no queue row (as a deleted
// line's tickets stay); every message the suite writes belongs to a stored
// ticket.
func RunStoreTests(t *testing.T, open func(tb testing.TB) queue.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s queue.Store)
	}{
		{"DefaultQueue", testDefaultQueue},
		{"UpdateQueue", testUpdateQueue},
		{"Lines", testLines},
		{"CreateQueue", testCreateQueue},
		{"SaveQueue", testSaveQueue},
		{"DeleteQueue", testDeleteQueue},
		{"DefaultQueueRecreated", testDefaultQueueRecreated},
		{"Clinics", testClinics},
		{"SaveClinic", testSaveClinic},
		{"DeleteClinic", testDeleteClinic},
		{"Rooms", testRooms},
		{"SaveRoom", testSaveRoom},
		{"NextTicketNumber", testNextTicketNumber},
		{"TicketRoundTrip", testTicketRoundTrip},
		{"TicketNotFound", testTicketNotFound},
		{"SeqMonotonic", testSeqMonotonic},
		{"WantedKeys", testWantedKeys},
		{"UrgentDueEverywhere", testUrgentDueEverywhere},
		{"PhonelessTickets", testPhonelessTickets},
		{"MoveToOtherQueue", testMoveToOtherQueue},
		{"MoveWithinQueue", testMoveWithinQueue},
		{"MoveErrors", testMoveErrors},
		{"MoveThenStatusChange", testMoveThenStatusChange},
		{"UpdateTicket", testUpdateTicket},
		{"ActiveTicketsOrder", testActiveTicketsOrder},
		{"WaitingTickets", testWaitingTickets},
		{"CountWaitingBefore", testCountWaitingBefore},
		{"CountActive", testCountActive},
		{"CountsAtScale", testCountsAtScale},
		{"Duplicates", testDuplicates},
		{"TicketsSince", testTicketsSince},
		{"RecentFinished", testRecentFinished},
		{"RecentCheckIns", testRecentCheckIns},
		{"AddMessageDedupe", testAddMessageDedupe},
		{"CancelMessages", testCancelMessages},
		{"MessageSender", testMessageSender},
		{"OptOuts", testOptOuts},
		{"TextedSince", testTextedSince},
		{"ActiveTicketByPhone", testActiveTicketByPhone},
		{"TextFields", testTextFields},
		{"LastTold", testLastTold},
		{"UpdateRollback", testUpdateRollback},
		{"UpdatePanicRollsBack", testUpdatePanicRollsBack},
		{"Savepoint", testSavepoint},
		{"SavepointAfterConstraint", testSavepointAfterConstraint},
		{"ViewSeesCommitted", testViewSeesCommitted},
		{"ConcurrentCounter", testConcurrentCounter},
		{"ConcurrentInserts", testConcurrentInserts},
		{"ConcurrentDuplicates", testConcurrentDuplicates},
		{"ConcurrentPhoneLimit", testConcurrentPhoneLimit},
		{"Ping", testPing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t))
		})
	}
}

// otherQueue is a second queue id that has no queue row, as the id of a deleted
// line's tickets: ticket, counter and message methods work with it all the same.
// Tests that need a queue row create their own (CreateQueue).
const otherQueue = "queuetest-other"

// t0 is the suite's reference time. Stores may keep only milliseconds, so every
// time the suite stores is a whole number of milliseconds.
var t0 = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

var errBoom = errors.New("queuetest: boom")

// updateErr runs fn in s.Update and returns its error.
func updateErr(s queue.Store, fn func(ctx context.Context, tx queue.Tx) error) error {
	ctx := context.Background()
	return s.Update(ctx, func(tx queue.Tx) error { return fn(ctx, tx) })
}

// update runs fn in s.Update and fails the test on error.
func update(tb testing.TB, s queue.Store, fn func(ctx context.Context, tx queue.Tx) error) {
	tb.Helper()
	ctx := context.Background()
	if err := s.Update(ctx, func(tx queue.Tx) error { return fn(ctx, tx) }); err != nil {
		tb.Fatalf("Update: %v", err)
	}
}

// view runs fn in s.View and fails the test on error.
func view(tb testing.TB, s queue.Store, fn func(ctx context.Context, tx queue.Tx) error) {
	tb.Helper()
	ctx := context.Background()
	if err := s.View(ctx, func(tx queue.Tx) error { return fn(ctx, tx) }); err != nil {
		tb.Fatalf("View: %v", err)
	}
}

// newTicket returns a waiting ticket for the queue with a phone derived from n,
// checked in and due n minutes after t0. Its Seq is 0: the queue's lowest free
// key (tests of the order keys set their own).
func newTicket(queueID string, n int) queue.Ticket {
	return queue.Ticket{
		ID:              queue.NewID(),
		QueueID:         queueID,
		Number:          queue.TicketNumber("A", n),
		Day:             t0.Format(time.DateOnly),
		Name:            fmt.Sprintf("Patient %d", n),
		Phone:           fmt.Sprintf("+1415555%04d", n),
		AppointmentTime: "10:30",
		Status:          queue.StatusWaiting,
		CheckInTime:     t0.Add(time.Duration(n) * time.Minute),
		QuotedWait:      n,
		DueAt:           t0.Add(time.Duration(n) * time.Minute),
	}
}

// insert stores the tickets, each in its own transaction, and returns them with
// their Seq set.
func insert(tb testing.TB, s queue.Store, ts ...queue.Ticket) []queue.Ticket {
	tb.Helper()
	for i := range ts {
		update(tb, s, func(ctx context.Context, tx queue.Tx) error {
			return tx.InsertTicket(ctx, &ts[i])
		})
	}
	return ts
}

// setTicket stores t's mutable fields in its own transaction.
func setTicket(tb testing.TB, s queue.Store, t queue.Ticket) {
	tb.Helper()
	update(tb, s, func(ctx context.Context, tx queue.Tx) error { return tx.UpdateTicket(ctx, t) })
}

// ids returns the ids of ts, for comparing orders.
func ids(ts []queue.Ticket) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}

// names returns the names of ts: readable in failure messages.
func names(ts []queue.Ticket) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Name
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// sameTicket reports the first field in which got differs from want, or "".
func sameTicket(got, want queue.Ticket) string {
	switch {
	case got.ID != want.ID:
		return fmt.Sprintf("ID %q, want %q", got.ID, want.ID)
	case got.QueueID != want.QueueID:
		return fmt.Sprintf("QueueID %q, want %q", got.QueueID, want.QueueID)
	case got.Seq != want.Seq:
		return fmt.Sprintf("Seq %d, want %d", got.Seq, want.Seq)
	case got.Number != want.Number:
		return fmt.Sprintf("Number %q, want %q", got.Number, want.Number)
	case got.Day != want.Day:
		return fmt.Sprintf("Day %q, want %q", got.Day, want.Day)
	case got.Name != want.Name:
		return fmt.Sprintf("Name %q, want %q", got.Name, want.Name)
	case got.Phone != want.Phone:
		return fmt.Sprintf("Phone %q, want %q", got.Phone, want.Phone)
	case got.AppointmentTime != want.AppointmentTime:
		return fmt.Sprintf("AppointmentTime %q, want %q", got.AppointmentTime, want.AppointmentTime)
	case got.Status != want.Status:
		return fmt.Sprintf("Status %q, want %q", got.Status, want.Status)
	case got.Room != want.Room:
		return fmt.Sprintf("Room %q, want %q", got.Room, want.Room)
	case !got.CheckInTime.Equal(want.CheckInTime):
		return fmt.Sprintf("CheckInTime %v, want %v", got.CheckInTime, want.CheckInTime)
	case !got.CalledAt.Equal(want.CalledAt):
		return fmt.Sprintf("CalledAt %v, want %v", got.CalledAt, want.CalledAt)
	case !got.CompletedAt.Equal(want.CompletedAt):
		return fmt.Sprintf("CompletedAt %v, want %v", got.CompletedAt, want.CompletedAt)
	case got.QuotedWait != want.QuotedWait:
		return fmt.Sprintf("QuotedWait %d, want %d", got.QuotedWait, want.QuotedWait)
	case !got.ReadyAt.Equal(want.ReadyAt):
		return fmt.Sprintf("ReadyAt %v, want %v", got.ReadyAt, want.ReadyAt)
	case got.Urgent != want.Urgent:
		return fmt.Sprintf("Urgent %v, want %v", got.Urgent, want.Urgent)
	case !got.DueAt.Equal(want.DueAt):
		return fmt.Sprintf("DueAt %v, want %v", got.DueAt, want.DueAt)
	}
	return ""
}

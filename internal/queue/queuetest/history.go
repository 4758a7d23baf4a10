package queuetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"smartwait/internal/queue"
)

// Duplicates are caught among the active tickets of the same queue only: a patient
// whose visit ended may check in again with the same phone.
func testDuplicates(t *testing.T, s queue.Store) {
	tests := []struct {
		name      string
		first     queue.Status
		queue     string // of the second ticket
		samePhone bool
		wantDup   bool
	}{
		{"waiting, same phone", queue.StatusWaiting, queue.DefaultQueueID, true, true},
		{"called, same phone", queue.StatusCalled, queue.DefaultQueueID, true, true},
		{"completed, same phone", queue.StatusCompleted, queue.DefaultQueueID, true, false},
		{"no-show, same phone", queue.StatusNoShow, queue.DefaultQueueID, true, false},
		{"cancelled, same phone", queue.StatusCancelled, queue.DefaultQueueID, true, false},
		{"waiting, other phone", queue.StatusWaiting, queue.DefaultQueueID, false, false},
		{"waiting, other queue", queue.StatusWaiting, otherQueue, true, false},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			first := newTicket(queue.DefaultQueueID, 10*i+1)
			first = insert(t, s, first)[0]
			if tc.first != queue.StatusWaiting {
				first.Status = tc.first
				setTicket(t, s, first)
			}
			second := newTicket(tc.queue, 10*i+2)
			if tc.samePhone {
				second.Phone = first.Phone
			}
			err := s.Update(context.Background(), func(tx queue.Tx) error {
				return tx.InsertTicket(context.Background(), &second)
			})
			if got := errors.Is(err, queue.ErrDuplicate); got != tc.wantDup || (!tc.wantDup && err != nil) {
				t.Fatalf("second InsertTicket: error %v, want duplicate %v", err, tc.wantDup)
			}
			if tc.wantDup {
				// The refused ticket was not stored.
				view(t, s, func(ctx context.Context, tx queue.Tx) error {
					if _, err := tx.Ticket(ctx, second.ID); !errors.Is(err, queue.ErrNotFound) {
						t.Errorf("refused ticket: Ticket error = %v, want ErrNotFound", err)
					}
					return nil
				})
				// Once the first visit is over, the phone may check in again.
				first.Status, first.CompletedAt = queue.StatusCompleted, t0.Add(time.Hour)
				setTicket(t, s, first)
				insert(t, s, second)
			}
		})
	}
}

// TicketsSince returns every ticket checked in at or after since, by Seq, whatever
// its status.
func testTicketsSince(t *testing.T, s queue.Store) {
	yesterday := newTicket(queue.DefaultQueueID, 1)
	yesterday.CheckInTime = t0.Add(-time.Millisecond)
	atStart := newTicket(queue.DefaultQueueID, 2)
	atStart.CheckInTime = t0
	later := newTicket(queue.DefaultQueueID, 3)
	later.CheckInTime = t0.Add(3 * time.Hour)
	done := newTicket(queue.DefaultQueueID, 4)
	done.CheckInTime = t0.Add(time.Hour)
	done.Status, done.CalledAt, done.CompletedAt = queue.StatusCompleted, t0.Add(2*time.Hour), t0.Add(150*time.Minute)
	other := newTicket(otherQueue, 5)
	ts := insert(t, s, yesterday, atStart, later, done, other)
	want := ts[1:4]
	view(t, s, func(ctx context.Context, tx queue.Tx) error {
		got, err := tx.TicketsSince(ctx, queue.DefaultQueueID, t0)
		if err != nil {
			return err
		}
		if !equalStrings(ids(got), ids(want)) {
			t.Fatalf("TicketsSince(t0) = %v, want %v", names(got), names(want))
		}
		for i := range got {
			if diff := sameTicket(got[i], want[i]); diff != "" {
				t.Errorf("TicketsSince[%d]: %s", i, diff)
			}
		}
		none, err := tx.TicketsSince(ctx, queue.DefaultQueueID, t0.Add(24*time.Hour))
		if err != nil {
			return err
		}
		if len(none) != 0 {
			t.Errorf("TicketsSince(tomorrow) = %v, want none", names(none))
		}
		return nil
	})
}

// RecentFinished: every finished ticket of the queue, newest finish first, with
// CompletedAt − CalledAt as the time it held its room (0 when it was never
// called), the room, when it finished, its check-in time and whether it was a
// walk-in (due when it checked in) or urgent; active tickets and other queues
// do not count.
func testRecentFinished(t *testing.T, s queue.Store) {
	visits := []struct {
		status            queue.Status
		queue             string
		called, completed time.Duration // after t0; called 0 = never called; completed 0 = active
	}{
		{queue.StatusCompleted, queue.DefaultQueueID, 10 * time.Minute, 22 * time.Minute},                     // 12m, finished 3rd
		{queue.StatusCompleted, queue.DefaultQueueID, 22 * time.Minute, 90 * time.Minute},                     // 68m, finished 5th
		{queue.StatusCompleted, queue.DefaultQueueID, 30 * time.Minute, 35 * time.Minute},                     // 5m, finished 4th
		{queue.StatusNoShow, queue.DefaultQueueID, 40 * time.Minute, 100 * time.Minute},                       // held 60m, finished 6th
		{queue.StatusCompleted, otherQueue, 40 * time.Minute, 120 * time.Minute},                              // other queue
		{queue.StatusCompleted, queue.DefaultQueueID, 0, 130 * time.Minute},                                   // never called, finished 7th
		{queue.StatusCompleted, queue.DefaultQueueID, 5 * time.Minute, 20*time.Minute + 250*time.Millisecond}, // 15m0.25s, finished 1st
		{queue.StatusCancelled, queue.DefaultQueueID, 0, 21 * time.Minute},                                    // left while waiting, finished 2nd
		{queue.StatusWaiting, queue.DefaultQueueID, 0, 0},                                                     // active
		{queue.StatusCalled, queue.DefaultQueueID, 50 * time.Minute, 0},                                       // active
	}
	for i, v := range visits {
		tk := newTicket(v.queue, i+1) // checks in and is due at t0 + i+1 minutes
		tk.Status = v.status
		if i == 6 {
			tk.DueAt = tk.CheckInTime.Add(20 * time.Minute) // booked for later
		}
		if i == 3 {
			tk.Urgent = true
		}
		if v.called > 0 {
			tk.Room = fmt.Sprintf("Room %d", i%2+1)
		}
		if v.completed > 0 {
			tk.CompletedAt = t0.Add(v.completed)
		}
		if v.called > 0 {
			tk.CalledAt = t0.Add(v.called)
		}
		insert(t, s, tk)
	}
	m := time.Minute
	in := func(n int) time.Time { return t0.Add(time.Duration(n) * m) }
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	all := []queue.Finished{
		{Status: queue.StatusCompleted, At: at(130 * m), CheckIn: in(6), WalkIn: true},
		{Status: queue.StatusNoShow, Held: 60 * m, Room: "Room 2", At: at(100 * m), CheckIn: in(4), WalkIn: true, Urgent: true},
		{Status: queue.StatusCompleted, Held: 68 * m, Room: "Room 2", At: at(90 * m), CheckIn: in(2), WalkIn: true},
		{Status: queue.StatusCompleted, Held: 5 * m, Room: "Room 1", At: at(35 * m), CheckIn: in(3), WalkIn: true},
		{Status: queue.StatusCompleted, Held: 12 * m, Room: "Room 1", At: at(22 * m), CheckIn: in(1), WalkIn: true},
		{Status: queue.StatusCancelled, At: at(21 * m), CheckIn: in(8), WalkIn: true},
		{Status: queue.StatusCompleted, Held: 15*m + 250*time.Millisecond, Room: "Room 1", At: at(20*m + 250*time.Millisecond), CheckIn: in(7), WalkIn: false},
	}
	tests := []struct {
		limit int
		want  []queue.Finished
	}{
		{10, all},
		{7, all},
		{0, all},
		{2, all[:2]},
		{1, all[:1]},
	}
	for _, tc := range tests {
		view(t, s, func(ctx context.Context, tx queue.Tx) error {
			got, err := tx.RecentFinished(ctx, queue.DefaultQueueID, tc.limit)
			if err != nil {
				return err
			}
			if !slices.EqualFunc(got, tc.want, func(a, b queue.Finished) bool {
				return a.Status == b.Status && a.Held == b.Held && a.Room == b.Room && a.At.Equal(b.At) &&
					a.CheckIn.Equal(b.CheckIn) && a.WalkIn == b.WalkIn && a.Urgent == b.Urgent
			}) {
				t.Errorf("RecentFinished(limit %d) = %v, want %v", tc.limit, got, tc.want)
			}
			return nil
		})
	}
}

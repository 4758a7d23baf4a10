package queuetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"smartwait/internal/queue"
)

// RecentCheckIns returns a phone's check-in times since a moment, newest first, in
// every queue and status, at most limit; other phones and earlier check-ins are not
// counted.
func testRecentCheckIns(t *testing.T, s queue.Store) {
	const phone = "+14155552671"
	var tks []queue.Ticket
	for i, q := range []string{queue.DefaultQueueID, otherQueue, queue.DefaultQueueID, otherQueue} {
		tk := newTicket(q, i+1) // checked in i+1 minutes after t0
		tk.Phone = phone
		tk.Status = queue.StatusCancelled // several tickets of one phone in one queue
		tks = append(tks, tk)
	}
	stranger := newTicket(queue.DefaultQueueID, 9)
	insert(t, s, append(tks, stranger)...)

	tests := []struct {
		name  string
		since time.Time
		limit int
		want  []time.Time
	}{
		{"all", t0, 0, []time.Time{tks[3].CheckInTime, tks[2].CheckInTime, tks[1].CheckInTime, tks[0].CheckInTime}},
		{"since is inclusive", tks[1].CheckInTime, 0, []time.Time{tks[3].CheckInTime, tks[2].CheckInTime, tks[1].CheckInTime}},
		{"limit keeps the newest", t0, 2, []time.Time{tks[3].CheckInTime, tks[2].CheckInTime}},
		{"none since", t0.Add(time.Hour), 3, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			view(t, s, func(ctx context.Context, tx queue.Tx) error {
				got, err := tx.RecentCheckIns(ctx, phone, tc.since, tc.limit)
				if err != nil {
					return err
				}
				if len(got) != len(tc.want) {
					t.Fatalf("RecentCheckIns = %v, want %v", got, tc.want)
				}
				for i := range got {
					if !got[i].Equal(tc.want[i]) {
						t.Fatalf("RecentCheckIns = %v, want %v", got, tc.want)
					}
				}
				return nil
			})
		})
	}
}

// Concurrent check-ins of one phone that count its recent check-ins and insert only
// below a limit store exactly limit tickets, even in different queues (which hold
// different queue locks): RecentCheckIns serializes them.
func testConcurrentPhoneLimit(t *testing.T, s queue.Store) {
	const n, limit = 8, 3
	errLimited := errors.New("over the limit")
	errs := runConcurrently(n, func(i int) error {
		return s.Update(context.Background(), func(tx queue.Tx) error {
			ctx := context.Background()
			recent, err := tx.RecentCheckIns(ctx, "+14155552671", t0, limit)
			if err != nil {
				return err
			}
			if len(recent) >= limit {
				return errLimited
			}
			q := queue.DefaultQueueID
			if i%2 == 1 {
				q = otherQueue
			}
			tk := newTicket(q, i+1)
			tk.Phone, tk.Status = "+14155552671", queue.StatusCancelled
			return tx.InsertTicket(ctx, &tk)
		})
	})
	stored, limited := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			stored++
		case errors.Is(err, errLimited):
			limited++
		default:
			t.Errorf("concurrent check-in: unexpected error %v", err)
		}
	}
	if stored != limit || limited != n-limit {
		t.Errorf("%d concurrent check-ins of one phone, limit %d: %d stored, %d limited; want %d, %d",
			n, limit, stored, limited, limit, n-limit)
	}
}

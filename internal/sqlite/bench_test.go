package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"smartwait/internal/queue"
	"smartwait/internal/sqlite"
)

// fillWaiting inserts n waiting tickets into the default queue in one transaction
// and returns the last one's seq.
func fillWaiting(tb testing.TB, db *sqlite.DB, n int) int64 {
	tb.Helper()
	ctx := context.Background()
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	var last int64
	err := db.Update(ctx, func(tx queue.Tx) error {
		for i := range n {
			tk := queue.Ticket{ID: queue.NewID(), QueueID: queue.DefaultQueueID, Number: queue.TicketNumber("A", i+1),
				Day: "2026-11-28", Name: "Patient", Phone: fmt.Sprintf("+1415%07d", i), AppointmentTime: "10:00",
				Status: queue.StatusWaiting, CheckInTime: at.Add(time.Duration(i) * time.Second)}
			if err := tx.InsertTicket(ctx, &tk); err != nil {
				return err
			}
			last = tk.Seq
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return last
}

// BenchmarkCountWaitingBefore measures a position lookup's core, the count of
// waiting tickets ahead of the last one, in its own read transaction.
func BenchmarkCountWaitingBefore(b *testing.B) {
	for _, n := range []int{10, 10_000} {
		b.Run(fmt.Sprintf("waiting=%d", n), func(b *testing.B) {
			db := MustOpenDB(b)
			last := fillWaiting(b, db, n)
			ctx := context.Background()
			b.ResetTimer()
			for b.Loop() {
				err := db.View(ctx, func(tx queue.Tx) error {
					ahead, err := tx.CountWaitingBefore(ctx, queue.DefaultQueueID, last)
					if err == nil && ahead != n-1 {
						err = fmt.Errorf("ahead = %d, want %d", ahead, n-1)
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

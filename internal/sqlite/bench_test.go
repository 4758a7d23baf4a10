package sqlite_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"smartwait/internal/queue"
	"smartwait/internal/sqlite"
)

// fillWaiting inserts n waiting tickets into the default queue in one transaction,
// checked in every apart until now with their order keys (queue.OrderKey), so
// that a check-in through the Service goes after them, and returns the last
// one's seq.
func fillWaiting(tb testing.TB, db *sqlite.DB, n int, every time.Duration) int64 {
	tb.Helper()
	ctx := context.Background()
	at := time.Now().Add(-time.Duration(n) * every).Truncate(time.Millisecond)
	var last int64
	err := db.Update(ctx, func(tx queue.Tx) error {
		for i := range n {
			checkIn := at.Add(time.Duration(i) * every)
			tk := queue.Ticket{ID: queue.NewID(), QueueID: queue.DefaultQueueID, Number: queue.TicketNumber("A", i+1),
				Day: "2026-11-28", Name: "Patient", Phone: fmt.Sprintf("+1415%07d", i), AppointmentTime: "10:00",
				Status: queue.StatusWaiting, CheckInTime: checkIn, DueAt: checkIn, Seq: queue.OrderKey(false, checkIn)}
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
// waiting tickets ahead of the last one, in its own read transaction, with
// check-ins a millisecond apart (dense keys: hundreds per waiting_buckets
// block), 100 ms apart and a second apart (sparse: one per block).
func BenchmarkCountWaitingBefore(b *testing.B) {
	for _, every := range []time.Duration{time.Millisecond, 100 * time.Millisecond, time.Second} {
		for _, n := range []int{10, 10_000} {
			b.Run(fmt.Sprintf("every=%v/waiting=%d", every, n), func(b *testing.B) {
				db := MustOpenDB(b)
				last := fillWaiting(b, db, n, every)
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
}

// BenchmarkServiceCheckIn measures a whole check-in transaction through the queue
// service on SQLite (lock, counts, number, insert, outbox row, version, commit),
// from two goroutines as concurrent requests would.
func BenchmarkServiceCheckIn(b *testing.B) {
	db := MustOpenDB(b)
	svc := &queue.Service{Store: db, Config: queue.DefaultConfig()}
	ctx := context.Background()
	var i atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k := i.Add(1)
			phone := fmt.Sprintf("+1415%03d%04d", 200+k/10000, k%10000) // valid US numbers
			if _, err := svc.CheckIn(ctx, queue.CheckInRequest{Name: "Patient", Phone: phone, AppointmentTime: "10:00"}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkServiceStatus measures a patient's position lookup through the queue
// service (ticket, queue, counts, position: one read transaction) for the last of
// 10 and of 10,000 waiting tickets.
func BenchmarkServiceStatus(b *testing.B) {
	for _, n := range []int{10, 10_000} {
		b.Run(fmt.Sprintf("waiting=%d", n), func(b *testing.B) {
			db := MustOpenDB(b)
			fillWaiting(b, db, n-1, time.Second)
			svc := &queue.Service{Store: db, Config: queue.DefaultConfig()}
			ctx := context.Background()
			last, err := svc.CheckIn(ctx, queue.CheckInRequest{Name: "Last", Phone: "+14155552671", AppointmentTime: "10:00"})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				st, err := svc.Status(ctx, last.ID)
				if err != nil {
					b.Fatal(err)
				}
				if st.Position != n {
					b.Fatalf("position = %d, want %d", st.Position, n)
				}
			}
		})
	}
}

// BenchmarkActiveTickets measures reading a queue's whole active list, what
// call-next, complete, no-show and cancel read under the write lock, at 10 and
// 10,000 waiting (two of them called).
func BenchmarkActiveTickets(b *testing.B) {
	for _, n := range []int{10, 10_000} {
		b.Run(fmt.Sprintf("waiting=%d", n), func(b *testing.B) {
			db := MustOpenDB(b)
			fillWaiting(b, db, n+2, time.Second)
			ctx := context.Background()
			err := db.Update(ctx, func(tx queue.Tx) error {
				ts, err := tx.WaitingTickets(ctx, queue.DefaultQueueID, 2)
				for i := 0; err == nil && i < len(ts); i++ {
					ts[i].Status, ts[i].CalledAt = queue.StatusCalled, time.Now()
					err = tx.UpdateTicket(ctx, ts[i])
				}
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				err := db.View(ctx, func(tx queue.Tx) error {
					ts, err := tx.ActiveTickets(ctx, queue.DefaultQueueID)
					if err == nil && len(ts) != n+2 {
						err = fmt.Errorf("%d active, want %d", len(ts), n+2)
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

package postgres_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"smartwait/internal/postgres"
	"smartwait/internal/postgres/pgtest"
	"smartwait/internal/queue"
)

// Benchmarks of the store through queue.Service, as internal/sqlite's; results
// are in docs/benchmarks.md under "Several instances".

// fillWaiting inserts n waiting tickets into the default queue in one transaction,
// checked in a second apart until now with their order keys (queue.OrderKey), so
// that a check-in through the Service goes after them.
func fillWaiting(tb testing.TB, db *postgres.DB, n int) {
	tb.Helper()
	ctx := context.Background()
	at := time.Now().Add(-time.Duration(n) * time.Second).Truncate(time.Millisecond)
	err := db.Update(ctx, func(tx queue.Tx) error {
		if _, err := tx.LockQueue(ctx, queue.DefaultQueueID); err != nil {
			return err
		}
		for i := range n {
			checkIn := at.Add(time.Duration(i) * time.Second)
			tk := queue.Ticket{ID: queue.NewID(), QueueID: queue.DefaultQueueID, Number: queue.TicketNumber("A", i+1),
				Day: "2026-11-28", Name: "Patient", Phone: fmt.Sprintf("+1415%07d", i), AppointmentTime: "10:00",
				Status: queue.StatusWaiting, CheckInTime: checkIn, DueAt: checkIn, Seq: queue.OrderKey(false, checkIn)}
			if err := tx.InsertTicket(ctx, &tk); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkServiceCheckIn measures whole check-in transactions through the queue
// service, from one instance (one pool) and from two instances (two pools on one
// schema), with concurrent requests on each.
func BenchmarkServiceCheckIn(b *testing.B) {
	for _, instances := range []int{1, 2} {
		b.Run(fmt.Sprintf("instances=%d", instances), func(b *testing.B) {
			url := pgtest.SchemaURL(b)
			svcs := make([]*queue.Service, instances)
			for i := range svcs {
				svcs[i] = newService(pgtest.OpenURL(b, url))
			}
			ctx := context.Background()
			var n atomic.Int64
			b.SetParallelism(4)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					k := n.Add(1)
					phone := fmt.Sprintf("+1415%03d%04d", 200+k/10000, k%10000) // valid US numbers
					s := svcs[int(k)%instances]
					if _, err := s.CheckIn(ctx, queue.CheckInRequest{Name: "Patient", Phone: phone, AppointmentTime: "10:00"}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkServiceStatus measures a patient's position lookup (one read-only
// transaction) for the last of 10 and of 10,000 waiting tickets.
func BenchmarkServiceStatus(b *testing.B) {
	for _, n := range []int{10, 10_000} {
		b.Run(fmt.Sprintf("waiting=%d", n), func(b *testing.B) {
			db := pgtest.Open(b)
			fillWaiting(b, db, n-1)
			svc := newService(db)
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

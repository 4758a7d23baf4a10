package notify_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"smartwait/internal/notify"
	"smartwait/internal/queue"
	"smartwait/internal/sms/twiliofake"
)

// BenchmarkDispatch measures messages dispatched per second from a SQLite outbox
// through the real Twilio client to the in-process fake over loopback HTTP: claim,
// send, record, for b.N messages already due.
//
//	go test -run '^$' -bench Dispatch -benchtime 5000x ./internal/notify/
//
// The latency cases make the fake answer after a delay, like a real provider
// across the internet: there the workers, not the database, set the rate.
func BenchmarkDispatch(b *testing.B) {
	for _, bc := range []struct {
		workers int
		latency time.Duration
	}{{1, 0}, {8, 0}, {32, 0}, {8, 20 * time.Millisecond}, {32, 20 * time.Millisecond}} {
		b.Run(fmt.Sprintf("workers=%d/latency=%v", bc.workers, bc.latency), func(b *testing.B) {
			workers := bc.workers
			fake := twiliofake.New(b)
			fake.SetDelay(bc.latency)
			db := openDB(b, "")
			ctx := context.Background()
			err := db.Update(ctx, func(tx queue.Tx) error {
				for i := range b.N {
					m := &queue.Message{TicketID: queue.NewID(), Kind: queue.MessageConfirmation, To: phone(i % 1000),
						Body:      "Riverside Clinic: Hi Ana, you're checked in: ticket A-001, number 3 in line, about 30 min.",
						DedupeKey: fmt.Sprintf("bench:%d", i)}
					if err := tx.AddMessage(ctx, m); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			d := &notify.Dispatcher{Outbox: db, Sender: fake.Sender(""), Workers: workers,
				Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
			b.ResetTimer()
			n, err := d.Dispatch(ctx)
			b.StopTimer()
			if err != nil || n != b.N || len(fake.Messages()) != b.N {
				b.Fatalf("dispatched %d (%v), fake got %d; want %d", n, err, len(fake.Messages()), b.N)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

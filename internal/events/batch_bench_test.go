package events

import (
	"fmt"
	"testing"
	"time"

	"smartwait/internal/queue"
)

// BenchmarkBatchCallNext builds the events of a call-next with 2,000 waiting:
// 2,000 position_updates and the broadcasts (docs/benchmarks.md).
func BenchmarkBatchCallNext(b *testing.B) {
	at := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	c := queue.Change{Kind: queue.ChangeCalled, QueueID: "default", Version: 4242, At: at, Waiting: 2000, NowServing: "A001"}
	c.Ticket.ID, c.Ticket.Number, c.Ticket.Status = "0b6f7d0c-4f7e-4a8e-9a55-3f1f6f0b2a11", "A001", queue.StatusCalled
	for i := range 2000 {
		var e queue.Entry
		e.ID, e.Number, e.Status = fmt.Sprintf("0b6f7d0c-4f7e-4a8e-9a55-%012d", i), fmt.Sprintf("A%03d", i+2), queue.StatusWaiting
		e.Position, e.EstimatedWait, e.EstimatedWaitLow, e.EstimatedWaitHigh = i+1, 15*(i+1), 10*(i+1), 20*(i+1)
		c.Moved = append(c.Moved, e)
	}
	b.ReportAllocs()
	for b.Loop() {
		if bt := Batch(c); len(bt.Messages) < 2000 {
			b.Fatal("short batch")
		}
	}
}

package queue_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"smartwait/internal/queue"
)

// countingStore is the real SQLite store with a count of the whole-queue reads
// its transactions make; it changes no behaviour.
type countingStore struct {
	queue.Store
	activeReads atomic.Int64
}

type countingTx struct {
	queue.Tx
	s *countingStore
}

func (c *countingStore) Update(ctx context.Context, fn func(queue.Tx) error) error {
	return c.Store.Update(ctx, func(tx queue.Tx) error { return fn(countingTx{tx, c}) })
}

func (c *countingStore) View(ctx context.Context, fn func(queue.Tx) error) error {
	return c.Store.View(ctx, func(tx queue.Tx) error { return fn(countingTx{tx, c}) })
}

func (t countingTx) ActiveTickets(ctx context.Context, queueID string) ([]queue.Ticket, error) {
	t.s.activeReads.Add(1)
	return t.Tx.ActiveTickets(ctx, queueID)
}

// TestConcurrentOperationsReuseTheRememberedQueue checks that operations queued
// behind one another on one Service find the basis the previous one left, instead
// of each reading the whole queue under the write lock (which made concurrent
// check-ins O(N) each: 200/s instead of thousands). The basis must be remembered
// before the Service lets the next operation in; the publisher runs at that
// point, so a reader reacting to the event (as the realtime layer does) probes it
// deterministically.
func TestConcurrentOperationsReuseTheRememberedQueue(t *testing.T) {
	h := newHarness(t)
	store := &countingStore{Store: h.db}
	h.svc.Store = store
	ctx := context.Background()
	h.svc.Publisher = queue.PublisherFunc(func(c queue.Change) {
		if _, _, err := h.svc.Queue(ctx, c.QueueID); err != nil {
			t.Error(err)
		}
	})
	// Enough patients wait before the concurrent phase that none of its six
	// call-nexts can find the queue empty, however the goroutines are scheduled
	// (on a loaded machine the call-nexts could run before any new check-in).
	// Only the first operation reads the queue; the next ones reuse its basis.
	for i := range 6 {
		h.checkIn(t, i)
	}
	if n := store.activeReads.Load(); n != 1 {
		t.Fatalf("the first check-ins read the queue %d times, want 1", n)
	}
	var wg sync.WaitGroup
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := h.svc.CheckIn(ctx, queue.CheckInRequest{Name: "P", Phone: fmt.Sprintf("+1415555%04d", 3000+i), AppointmentTime: "9"})
			if err != nil {
				t.Error(err)
			}
		}()
		if i%10 == 0 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := h.svc.CallNext(ctx, "", "1"); err != nil {
					t.Error(err)
				}
			}()
		}
	}
	wg.Wait()
	if n := store.activeReads.Load(); n != 1 {
		t.Errorf("66 concurrent operations read the whole queue %d more times, want 0", n-1)
	}
}

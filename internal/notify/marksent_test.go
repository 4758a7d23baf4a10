package notify_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"smartwait/internal/notify"
	"smartwait/internal/queue"
	"smartwait/internal/sms/twiliofake"
	"smartwait/internal/sqlite"
)

// markCounter is the real SQLite outbox, counting MarkSentAll's calls and
// holding the first one until every worker has a text sent, so that the
// gathering is seen however the goroutines are scheduled.
type markCounter struct {
	*sqlite.DB
	sent    func() int // texts the fake accepted so far
	workers int

	mu    sync.Mutex
	calls []int // texts per call
}

func (o *markCounter) MarkSentAll(ctx context.Context, sent []notify.Sent) ([]error, error) {
	o.mu.Lock()
	first := len(o.calls) == 0
	o.calls = append(o.calls, len(sent))
	o.mu.Unlock()
	if first {
		deadline := time.Now().Add(10 * time.Second)
		for o.sent() < o.workers && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(20 * time.Millisecond) // the other workers reach the marker
	}
	return o.DB.MarkSentAll(ctx, sent)
}

// The texts the workers send meanwhile are recorded together: a burst of 40
// confirmations costs fewer outbox writes than texts, and every one is
// recorded as sent with its own provider id.
func TestSentTextsAreRecordedTogether(t *testing.T) {
	fake := twiliofake.New(t)
	db := openDB(t, "")
	e := newEnv(t, db, fake, nil)
	const n, workers = 40, 8
	out := &markCounter{DB: db, sent: func() int { return len(fake.Messages()) }, workers: workers}
	e.disp.Outbox = out
	e.disp.Workers = workers
	var ids []string
	for i := range n {
		ids = append(ids, e.checkIn(t, "Ana Lima", phone(i)).ID)
	}
	if got := e.dispatch(t); got != n {
		t.Fatalf("Dispatch processed %d texts, want %d", got, n)
	}
	sids := map[string]bool{}
	for _, id := range ids {
		m := e.messages(t, id)[0]
		if m.Status != queue.MessageSent || m.ProviderID == "" || sids[m.ProviderID] {
			t.Errorf("ticket %s: status %q provider %q; want sent with its own provider id", id, m.Status, m.ProviderID)
		}
		sids[m.ProviderID] = true
	}
	out.mu.Lock()
	defer out.mu.Unlock()
	total, most := 0, 0
	for _, c := range out.calls {
		total += c
		most = max(most, c)
	}
	if total != n || len(out.calls) >= n || most < 2 {
		t.Errorf("MarkSentAll calls %v: want %d texts in fewer calls than texts, some gathered", out.calls, n)
	}
}

package realtime_test

import (
	"fmt"
	"sync"
	"testing"

	"smartwait/internal/realtime"
)

// batchSink records each call of an inline subscriber's send: the events of
// the messages it got together.
type batchSink struct {
	mu    sync.Mutex
	calls [][]string
	fail  bool // panic instead
}

func (k *batchSink) send(ms []realtime.Message) error {
	if k.fail {
		panic("send failed")
	}
	var evs []string
	for _, m := range ms {
		evs = append(evs, m.Event+"@"+m.ID)
	}
	k.mu.Lock()
	k.calls = append(k.calls, evs)
	k.mu.Unlock()
	return nil
}

// TestInlineSubscribersGetTheirBatchInOneCall: with enough inline subscribers
// for the parallel path (four shards), each gets one call per batch holding its own
// message and the broadcast, in batch order; batches arrive in order; a
// subscriber whose send panics is dropped without holding up the others.
func TestInlineSubscribersGetTheirBatchInOneCall(t *testing.T) {
	h := realtime.NewHub(realtime.Config{SendShards: 4})
	defer h.Close()
	const n, batches = 300, 4
	sinks, subs := callSubscribers(h, n)
	sinks[7].fail = true
	deliverCalls(h, n, batches)
	h.Sync()
	for i, k := range sinks {
		k.mu.Lock()
		calls := k.calls
		k.mu.Unlock()
		if i == 7 {
			if len(calls) != 0 || subs[i].Reason() != realtime.ReasonFailed {
				t.Errorf("panicking subscriber: calls %v, reason %q", calls, subs[i].Reason())
			}
			continue
		}
		if len(calls) != batches {
			t.Fatalf("subscriber %d: %d calls, want %d: %v", i, len(calls), batches, calls)
		}
		for v, evs := range calls {
			want := []string{
				"own@" + realtime.FormatID("q", int64(v+1), i+1),
				"everyone@" + realtime.FormatID("q", int64(v+1), n+1),
			}
			if fmt.Sprint(evs) != fmt.Sprint(want) {
				t.Errorf("subscriber %d, batch %d: got %v, want %v", i, v+1, evs, want)
			}
		}
	}
}

// callSubscribers subscribes n inline subscribers to h, subscriber i in
// rooms p<i> and "all": the patients of deliverCalls' batches.
func callSubscribers(h *realtime.Hub, n int) ([]*batchSink, []*realtime.Subscriber) {
	sinks := make([]*batchSink, n)
	subs := make([]*realtime.Subscriber, n)
	for i := range sinks {
		sinks[i] = &batchSink{}
		subs[i] = h.SubscribeInline("test", sinks[i].send, nil)
		h.Join(subs[i], fmt.Sprintf("p%d", i))
		h.Join(subs[i], "all")
	}
	return sinks, subs
}

// deliverCalls hands h batches 1 to batches of stream "q", each shaped like
// a call-next's: an "own" message to each of rooms p0 … p<n-1>, then
// "everyone" to room "all".
func deliverCalls(h *realtime.Hub, n, batches int) {
	for v := int64(1); v <= int64(batches); v++ {
		b := realtime.Batch{Stream: "q", Version: v}
		for i := range n {
			b.Add(fmt.Sprintf("p%d", i), "own", i)
		}
		b.Add("all", "everyone", v)
		h.Deliver(b)
	}
}

package realtime_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"smartwait/internal/realtime"
)

// Every subscriber gets all its messages of a batch in one call, in batch
// order, whatever the rooms it is in and wherever their messages are in the
// batch (two rooms of its own whose messages come in the other order, a
// shared message before the personal ones); a queued subscriber gets the
// shared messages in order.
func TestLargeBatchKeepsEachSubscribersMessagesTogether(t *testing.T) {
	h := realtime.NewHub(realtime.Config{SendShards: 2})
	defer h.Close()
	const n = 300
	sinks, _ := callSubscribers(h, n)
	two := &batchSink{} // two rooms of its own, whose messages come in the other order
	s2 := h.SubscribeInline("test", two.send, nil)
	h.Join(s2, "b")
	h.Join(s2, "a")
	h.Join(s2, "all")
	late := &batchSink{} // in one room, whose only message is the last
	h.Join(h.SubscribeInline("test", late.send, nil), "display")
	var queued []string // a queued subscriber in the broadcast room
	var qmu sync.Mutex
	qs := h.Subscribe("test", func(m realtime.Message) error {
		qmu.Lock()
		queued = append(queued, m.Event)
		qmu.Unlock()
		return nil
	}, nil)
	h.Join(qs, "all")
	h.Join(qs, "head")

	b := realtime.Batch{Stream: "q", Version: 1}
	b.Add("head", "first", 0) // a shared message before the personal ones
	b.Add("all", "early", 0)
	for i := range n {
		b.Add(fmt.Sprintf("p%d", i), "own", i)
	}
	b.Add("a", "a", 0)
	b.Add("b", "b", 0)
	b.Add("all", "everyone", 0)
	b.Add("display", "display", 0)
	h.Deliver(b)
	h.Sync()

	id := func(n int) string { return realtime.FormatID("q", 1, n) }
	for i, k := range sinks {
		want := []string{"early@" + id(2), "own@" + id(3+i), "everyone@" + id(n+5)}
		if len(k.calls) != 1 || !slices.Equal(k.calls[0], want) {
			t.Fatalf("subscriber %d got %v, want one call %v", i, k.calls, want)
		}
	}
	want := []string{"early@" + id(2), "a@" + id(n+3), "b@" + id(n+4), "everyone@" + id(n+5)}
	if len(two.calls) != 1 || !slices.Equal(two.calls[0], want) {
		t.Fatalf("the subscriber of two rooms got %v, want one call %v", two.calls, want)
	}
	if want := []string{"display@" + id(n+6)}; len(late.calls) != 1 || !slices.Equal(late.calls[0], want) {
		t.Fatalf("the display got %v, want %v", late.calls, want)
	}
	eventually(t, func() bool {
		qmu.Lock()
		defer qmu.Unlock()
		return slices.Equal(queued, []string{"first", "early", "everyone"})
	}, "the queued subscriber gets the shared messages in order")
	if got := h.Stats().Published; got != int64(n+6) {
		t.Fatalf("published %d, want %d", got, n+6)
	}
}

// Joins, leaves and disconnects while large batches are delivered: under
// -race this proves the routing, the sending goroutines and the room changes
// share the hub safely; every call a subscriber gets holds its messages of
// one batch, in order, and batches arrive in order.
func TestLargeBatchesWhileRoomsChange(t *testing.T) {
	h := realtime.NewHub(realtime.Config{SendShards: 2})
	defer h.Close()
	const n, batches = 300, 20
	sinks, subs := callSubscribers(h, n)
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // churn: the last 50 leave and join their rooms, some close
		defer wg.Done()
		for k := 0; !stop.Load(); k++ {
			s := subs[n-50+k%50]
			h.Leave(s, "all")
			h.Join(s, "all")
			h.Join(s, fmt.Sprintf("p%d", k%n))
			if k%97 == 0 {
				s.Close()
			}
		}
	}()
	deliverCalls(h, n, batches)
	h.Sync()
	stop.Store(true)
	wg.Wait()
	for i, k := range sinks {
		var last realtime.Position
		for _, call := range k.calls {
			for j, ev := range call {
				_, id, _ := strings.Cut(ev, "@")
				pos, ok := realtime.ParseID(id)
				if !ok {
					t.Fatalf("subscriber %d: event %q", i, ev)
				}
				if j > 0 && pos.Version != last.Version {
					t.Fatalf("subscriber %d: one call mixes batches: %v", i, call)
				}
				if pos.Version < last.Version || (pos.Version == last.Version && pos.N <= last.N) {
					t.Fatalf("subscriber %d: %v out of order (after %+v)", i, call, last)
				}
				last = pos
			}
		}
		if i < n-50 && len(k.calls) != batches {
			t.Fatalf("subscriber %d outside the churn got %d calls, want %d", i, len(k.calls), batches)
		}
	}
}

// eventually fails t unless ok becomes true within failAfter.
func eventually(t *testing.T, ok func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(failAfter); !ok(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

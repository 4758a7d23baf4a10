package realtime

import (
	"fmt"
	"testing"
	"time"
)

// waitLong bounds a wait for what must happen (a collection started on a
// goroutine of its own): long enough for a loaded machine under -race.
const waitLong = 10 * time.Second

// fakeHeap is a runtime whose heap the test sets, counting collections.
type fakeHeap struct {
	state     heapState
	collected chan struct{} // one value per collection started
	release   chan struct{} // a collection ends when it receives
}

func newFakeHeap() *fakeHeap {
	return &fakeHeap{collected: make(chan struct{}, 16), release: make(chan struct{}, 16)}
}

func (f *fakeHeap) collector(min int) *gapCollector {
	c := newGapCollector(min)
	c.read = func() heapState { return f.state }
	c.collect = func() {
		f.collected <- struct{}{}
		<-f.release
	}
	return c
}

// collections returns how many collections started: it waits up to waitLong
// for want of them (each starts on a goroutine of its own), then 20 ms for
// any more.
func (f *fakeHeap) collections(want int) int {
	n := 0
	timeout := time.After(waitLong)
	for n < want {
		select {
		case <-f.collected:
			n++
		case <-timeout:
			return n
		}
	}
	for {
		select {
		case <-f.collected:
			n++
		case <-time.After(20 * time.Millisecond):
			return n
		}
	}
}

// TestGapCollectorCollectsWhenTheNextBurstWouldReachTheGoal: the look after a
// large fan-out collects exactly when the heap plus what was allocated since
// the last look reaches nearGoal of the goal; never on the first look, after a
// small fan-out, or while its own collection runs.
func TestGapCollectorCollectsWhenTheNextBurstWouldReachTheGoal(t *testing.T) {
	f := newFakeHeap()
	c := f.collector(100)
	look := func(sends int, objects, goal, allocs uint64, want int) int {
		f.state = heapState{objects: objects, goal: goal, allocs: allocs}
		c.after(sends)
		return f.collections(want)
	}
	const mb = 1 << 20
	if n := look(2000, 35*mb, 40*mb, 100*mb, 0); n != 0 {
		t.Fatalf("first look: %d collections, want 0 (nothing to compare with)", n)
	}
	// 3 MB allocated since, 20 + 3 < 0.8 × 40: the next burst fits.
	if n := look(2000, 20*mb, 40*mb, 103*mb, 0); n != 0 {
		t.Fatalf("far from the goal: %d collections, want 0", n)
	}
	// A small fan-out is not looked at, however full the heap.
	if n := look(99, 39*mb, 40*mb, 110*mb, 0); n != 0 {
		t.Fatalf("small fan-out: %d collections, want 0", n)
	}
	// 3 MB since the last look (at 110), 30 + 3 ≥ 32: collect now.
	if n := look(2000, 30*mb, 40*mb, 113*mb, 1); n != 1 {
		t.Fatalf("near the goal: %d collections, want 1", n)
	}
	// While that collection runs, another look starts none.
	if n := look(2000, 39*mb, 40*mb, 120*mb, 0); n != 0 {
		t.Fatalf("during its own collection: %d collections, want 0", n)
	}
	f.release <- struct{}{}
	for deadline := time.Now().Add(waitLong); c.busy.Load(); {
		if time.Now().After(deadline) {
			t.Fatal("the collection never ended")
		}
		time.Sleep(time.Millisecond)
	}
	if n := look(2000, 39*mb, 40*mb, 125*mb, 1); n != 1 {
		t.Fatalf("after it ended: %d collections, want 1", n)
	}
	f.release <- struct{}{}
}

// TestGapCollectorOff: a minimum below 1 never looks.
func TestGapCollectorOff(t *testing.T) {
	f := newFakeHeap()
	c := f.collector(-1)
	read := 0
	c.read = func() heapState { read++; return heapState{objects: 39, goal: 40, allocs: uint64(read+1) * 100} }
	for range 3 {
		c.after(1_000_000)
	}
	if read != 0 || f.collections(0) != 0 {
		t.Fatalf("off: %d reads, want none", read)
	}
}

// TestHubCollectsAfterLargeFanOuts: the hub looks at the heap after a batch
// that reached CollectAfter inline subscribers, not after smaller ones.
func TestHubCollectsAfterLargeFanOuts(t *testing.T) {
	h := NewHub(Config{CollectAfter: 3})
	defer h.Close()
	f := newFakeHeap()
	looks := make(chan int, 16)
	h.gc = f.collector(3)
	h.gc.read = func() heapState {
		looks <- 1
		return heapState{objects: 39, goal: 40, allocs: uint64(len(looks)) * 100}
	}
	for i := range 3 {
		s := h.SubscribeInline("test", func([]Message) error { return nil }, nil)
		h.Join(s, "all")
		if i < 2 {
			h.Join(s, "two")
		}
	}
	deliver := func(room string, v int64) {
		b := Batch{Stream: DefaultStream, Version: v}
		b.Add(room, "ev", v)
		h.Deliver(b)
		h.Sync()
	}
	deliver("two", 1)
	if len(looks) != 0 {
		t.Fatalf("a fan-out to 2 looked at the heap %d times", len(looks))
	}
	deliver("all", 2) // the first look: only recorded
	deliver("all", 3)
	if len(looks) != 2 {
		t.Fatalf("two fan-outs to 3: %d looks, want 2", len(looks))
	}
	if n := f.collections(1); n != 1 {
		t.Fatalf("collections: %d, want 1", n)
	}
	f.release <- struct{}{}
}

// TestHubCountsClientsNotMessages: CollectAfter counts the subscribers a
// batch reaches (as SMARTWAIT_COLLECT_AFTER promises), not their messages:
// two messages each to two subscribers are a fan-out to 2.
func TestHubCountsClientsNotMessages(t *testing.T) {
	h := NewHub(Config{CollectAfter: 3})
	defer h.Close()
	looks := 0
	h.gc = newFakeHeap().collector(3)
	h.gc.read = func() heapState { looks++; return heapState{goal: 40} }
	for i := range 2 {
		s := h.SubscribeInline("test", func([]Message) error { return nil }, nil)
		h.Join(s, fmt.Sprintf("p%d", i))
		h.Join(s, "all")
	}
	b := Batch{Stream: DefaultStream, Version: 1}
	b.Add("p0", "own", 0)
	b.Add("p1", "own", 1)
	b.Add("all", "everyone", 1)
	h.Deliver(b)
	h.Sync()
	if looks != 0 {
		t.Fatalf("4 messages to 2 subscribers looked at the heap %d times, want 0", looks)
	}
}

// TestReadHeapReadsTheRuntime: the metric names are the runtime's (an
// unknown one would panic in Value.Uint64), and the values move as they should.
func TestReadHeapReadsTheRuntime(t *testing.T) {
	s := readHeap()
	if s.objects == 0 || s.goal == 0 || s.allocs == 0 {
		t.Fatalf("implausible heap: %+v", s)
	}
	// Large objects (over 32 KiB): the runtime counts them as they are
	// made, where small ones are counted a span at a time.
	kept := make([][]byte, 0, 16)
	for range 16 {
		kept = append(kept, make([]byte, 64<<10))
	}
	s2 := readHeap()
	if s2.allocs < s.allocs+uint64(len(kept))*64<<10 {
		t.Fatalf("allocating 1 MiB moved the allocated bytes from %d to %d", s.allocs, s2.allocs)
	}
}

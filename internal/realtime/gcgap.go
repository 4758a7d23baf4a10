package realtime

import (
	"runtime"
	"runtime/metrics"
	"sync/atomic"
)

// Collecting in the gap between fan-outs.
//
// A call-next to 2,000 waiting patients allocates about 3 MB between its
// request and its last write, so every few calls the heap reaches the
// collector's goal during one. The collection then runs beside that call: its
// transaction and its writes pay for marking (assists, write barriers), and
// the first patient hears of the call 12–25 ms after it was made instead of
// about 5 (docs/benchmarks.md, "Collecting between fan-outs"). After a large
// fan-out, when another cycle of work like the one just ended would bring the
// heap near its goal, the hub starts the collection at once, on a goroutine of
// its own, in the gap before the next change: the collector runs about as
// often as it would anyway, a little earlier, and out of the way.

// DefaultCollectAfter is Config.CollectAfter's default: the fan-out size, in
// inline subscribers, from which a delivery is followed by a look at the heap.
// Smaller fan-outs allocate too little to matter.
const DefaultCollectAfter = 1000

// nearGoal is how close to its goal, as a fraction, the heap may come before
// the runtime starts its own cycle: it starts ahead of the goal, by an amount
// it sets from the last cycles, so the hub counts a margin.
const nearGoal = 0.8

// heapState is what the gap collector reads of the runtime.
type heapState struct {
	objects uint64 // bytes in heap objects, live or not yet swept
	goal    uint64 // the heap size at which the current cycle should end
	allocs  uint64 // bytes allocated since the process started
}

// gapCollector decides, after each large fan-out, whether to collect now.
// Only the hub's dispatcher calls after; a collection it starts runs on a
// goroutine of its own.
type gapCollector struct {
	min     int         // fan-out size that is followed by a look (< 1: never)
	busy    atomic.Bool // a collection started here is still running
	last    uint64      // heapState.allocs at the previous look; 0 before the first
	read    func() heapState
	collect func()
}

func newGapCollector(min int) *gapCollector {
	return &gapCollector{min: min, read: readHeap, collect: runtime.GC}
}

// after is called once a batch has been handed to its inline subscribers:
// clients of them. It starts a collection when the allocations since the
// last look, made again, would bring the heap near its goal.
func (c *gapCollector) after(clients int) {
	if c.min < 1 || clients < c.min {
		return
	}
	s := c.read()
	since := s.allocs - c.last
	first := c.last == 0
	c.last = s.allocs
	if first || float64(s.objects+since) < nearGoal*float64(s.goal) {
		return
	}
	if !c.busy.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer c.busy.Store(false)
		c.collect()
	}()
}

// heapSamples are the runtime metrics readHeap reads (runtime/metrics).
var heapSamples = [...]string{"/memory/classes/heap/objects:bytes", "/gc/heap/goal:bytes", "/gc/heap/allocs:bytes"}

// readHeap reads the runtime's heap metrics: no stop of the world, a few
// microseconds.
func readHeap() heapState {
	var s [len(heapSamples)]metrics.Sample
	for i, name := range heapSamples {
		s[i].Name = name
	}
	metrics.Read(s[:])
	return heapState{objects: s[0].Value.Uint64(), goal: s[1].Value.Uint64(), allocs: s[2].Value.Uint64()}
}

package sim

import (
	"container/heap"
	"slices"
	"time"
)

// eventKind is what happens at an event.
type eventKind int

const (
	evArrive eventKind = iota // a patient checks in
	evLeave                   // a waiting patient gives up and cancels
	evDone                    // a visit ends and its room frees
	evNoShow                  // staff give up on a called patient who did not come
	evRooms                   // staff open or close rooms: room is how many serve now
)

// event is one scheduled happening of the simulation.
type event struct {
	at      time.Time
	seq     int // scheduling order: breaks ties so that runs are repeatable
	kind    eventKind
	patient int
	room    int
}

// eventQueue is a min-heap of events by time, then scheduling order.
type eventQueue struct {
	items []event
	next  int
}

func (q *eventQueue) push(e event) {
	e.seq = q.next
	q.next++
	heap.Push((*eventHeap)(q), e)
}

func (q *eventQueue) pop() event { return heap.Pop((*eventHeap)(q)).(event) }

// Len is the number of pending events.
func (q *eventQueue) Len() int { return len(q.items) }

// eventHeap implements heap.Interface for eventQueue.
type eventHeap eventQueue

func (h *eventHeap) Len() int { return len(h.items) }
func (h *eventHeap) Less(i, j int) bool {
	a, b := h.items[i], h.items[j]
	if !a.at.Equal(b.at) {
		return a.at.Before(b.at)
	}
	return a.seq < b.seq
}
func (h *eventHeap) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *eventHeap) Push(x any)    { h.items = append(h.items, x.(event)) }
func (h *eventHeap) Pop() any {
	e := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return e
}

func sortFloats(xs []float64) { slices.Sort(xs) }

package realtime

import (
	"slices"
	"sync"
)

// Streaming a large batch. A call-next with 2,000 waiting is a batch of
// 2,000 position_updates, each for one patient's room, and the patients
// room's queue_update for all of them. Routing all of it before the first
// write kept every socket waiting another 1–1.5 ms (docs/benchmarks.md,
// "Where a call-next's fan-out spends its time"), while the second core sat
// idle: the clients had nothing to read yet. So a large batch is written
// while it is routed: the dispatcher walks the batch in order and hands each
// inline subscriber, when it first meets it, all the messages of the batch
// for the rooms it is in; writer goroutines write them as they come.
//
// Each subscriber still gets its messages of the batch in batch order and in
// one send (one write(2)): they are found through an index of the batch by
// room, not by waiting for the end of the routing. A subscriber that joins a
// room while the batch is routed may get that room's earlier messages of the
// batch too, which a join racing a delivery may always do.

// streamFrom is the batch length from which a batch is streamed: below it
// the routing is too short to be worth a writer goroutine.
const streamFrom = 256

// streamChunks are the sizes, in subscribers, of the chunks handed to a
// writer: the first small, so that the first write leaves early, then larger,
// so that the hand-overs stay few.
var streamChunks = [...]int{8, 32, 128}

// span is where a room's messages are in the batch being streamed: the first
// and the last, chained through Hub.next.
type span struct{ first, last int32 }

// streamJob is one subscriber's messages of the batch: idx[from:to] of its chunk.
type streamJob struct {
	s        *Subscriber
	from, to int32
}

// streamChunk is what the router hands a writer at once.
type streamChunk struct {
	jobs []streamJob
	idx  []int32 // message indexes, per job, in batch order
}

// streamable reports whether live is delivered by deliverStream: it is large,
// and addresses rooms only (a staff session's end goes the routed way).
func streamable(live []Message) bool {
	if len(live) < streamFrom {
		return false
	}
	for i := range live {
		if live[i].Session != "" {
			return false
		}
	}
	return true
}

// deliverStream delivers live (stamped, in the replay buffer already) to the
// members of each message's room, writing to inline subscribers while it
// routes. h.deliverMu is held.
func (h *Hub) deliverStream(live []Message) {
	h.indexRooms(live)
	defer h.forgetRooms()
	h.markShared(live)

	// One writer goroutine per shard, each writing its share in order.
	writers := make([]chan streamChunk, len(h.work))
	var wg sync.WaitGroup
	for k := range writers {
		writers[k] = make(chan streamChunk, 64)
		wg.Add(1)
		go func(in <-chan streamChunk) {
			defer wg.Done()
			var msgs []Message
			for c := range in {
				msgs = writeChunk(live, c, msgs)
			}
		}(writers[k])
	}
	chunks := make([]streamChunk, len(h.work))
	sizes := make([]int, len(h.work)) // index into streamChunks, per shard
	flush := func(k int) {
		if len(chunks[k].jobs) > 0 {
			writers[k] <- chunks[k]
			chunks[k] = streamChunk{}
			sizes[k] = min(sizes[k]+1, len(streamChunks)-1)
		}
	}

	var members, queued []*Subscriber
	counted, run := 0, "" // published messages are counted per run of one event
	for i := range live {
		m := &live[i]
		if m.Event != run {
			h.stats.publish(run, i-counted)
			counted, run = i, m.Event
		}
		queued = queued[:0]
		h.mu.RLock()
		members = h.appendMembers(m.Room, members[:0])
		for _, s := range members {
			if !s.inline {
				queued = append(queued, s)
				continue
			}
			if s.gen == h.gen {
				continue // it has all its messages of the batch already
			}
			s.gen = h.gen
			c := &chunks[s.shard]
			from := int32(len(c.idx))
			c.idx = h.appendMessagesFor(c.idx, s)
			slices.Sort(c.idx[from:])
			c.jobs = append(c.jobs, streamJob{s: s, from: from, to: int32(len(c.idx))})
		}
		h.mu.RUnlock()
		for _, s := range queued {
			h.offer(s, *m) // outside the lock: a full queue removes s
		}
		for k := range chunks {
			if len(chunks[k].jobs) >= streamChunks[sizes[k]] {
				flush(k)
			}
		}
	}
	h.stats.publish(run, len(live)-counted)
	for k := range chunks {
		flush(k)
		close(writers[k])
	}
	wg.Wait()
}

// writeChunk sends each job of c its messages of live; msgs is scratch
// space, returned for the next chunk.
func writeChunk(live []Message, c streamChunk, msgs []Message) []Message {
	for _, j := range c.jobs {
		msgs = msgs[:0]
		for _, i := range c.idx[j.from:j.to] {
			msgs = append(msgs, live[i])
		}
		if err := j.s.safeSendBatch(msgs); err != nil {
			j.s.failed(err)
		}
		clear(msgs) // let go of the payloads
	}
	return msgs[:0]
}

// appendMessagesFor appends the indexes of the batch's messages for the
// rooms s is in. h.mu is held (s.rooms).
func (h *Hub) appendMessagesFor(dst []int32, s *Subscriber) []int32 {
	for r := range s.rooms {
		if sp, ok := h.spans[r]; ok {
			for j := sp.first; j >= 0; j = h.next[j] {
				dst = append(dst, j)
			}
		}
	}
	return dst
}

// indexRooms records where each room's messages are in live (h.spans,
// h.next), for appendMessagesFor.
func (h *Hub) indexRooms(live []Message) {
	if h.spans == nil {
		h.spans = map[string]span{}
	}
	h.next = slices.Grow(h.next[:0], len(live))[:len(live)]
	for i := range live {
		h.next[i] = -1
		r := live[i].Room
		if sp, ok := h.spans[r]; ok {
			h.next[sp.last] = int32(i)
			sp.last = int32(i)
			h.spans[r] = sp
		} else {
			h.spans[r] = span{first: int32(i), last: int32(i)}
		}
	}
}

// forgetRooms empties the index; a huge batch's is not kept.
func (h *Hub) forgetRooms() {
	clear(h.spans)
	if cap(h.next) > 1<<16 {
		h.spans, h.next = nil, nil
	}
}

// markShared gives every message whose room has several members its
// encoding cache, before any writer starts: the writers read the messages
// while the router walks on.
func (h *Hub) markShared(live []Message) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for r, sp := range h.spans {
		if len(h.rooms[r]) < 2 {
			continue
		}
		for j := sp.first; j >= 0; j = h.next[j] {
			live[j].enc = &encodings{}
		}
	}
}

package realtime

import "unsafe"

// messageOverhead is what one kept Message costs besides its strings and
// payload: the struct itself, in the batch's slice.
const messageOverhead = int(unsafe.Sizeof(Message{}))

// ring is the replay buffer of one stream: the most recent batches, with
// contiguous versions, holding at most maxMessages messages and maxBytes bytes
// (see messageSize) — except that the newest batch is always kept whatever its
// size, so a client that saw part of it can still resume. A gap in versions
// (an instance that missed batches) empties it, because a replay across a gap
// would silently skip events.
//
// Both bounds matter: a message count alone let the ring hold hundreds of
// megabytes, because one message may be a queue_refresh carrying the whole
// active queue (about 440 bytes a ticket: 880 KB for 2,000 waiting).
type ring struct {
	shard       string // the stream's shard (Batch.Shard)
	maxMessages int
	maxBytes    int
	batches     []Batch
	count       int // messages in batches
	bytes       int // messageSize of the messages in batches
}

// messageSize estimates the memory one kept message holds.
func messageSize(m Message) int {
	return messageOverhead + len(m.Room) + len(m.Event) + len(m.ID) + len(m.Data)
}

func batchSize(b Batch) int {
	n := 0
	for _, m := range b.Messages {
		n += messageSize(m)
	}
	return n
}

func (r *ring) add(b Batch) {
	if n := len(r.batches); n > 0 && b.Version != r.batches[n-1].Version+1 {
		r.batches, r.count, r.bytes = nil, 0, 0
	}
	r.batches = append(r.batches, b)
	r.count += len(b.Messages)
	r.bytes += batchSize(b)
	drop := 0
	for (r.count > r.maxMessages || r.bytes > r.maxBytes) && drop < len(r.batches)-1 {
		r.count -= len(r.batches[drop].Messages)
		r.bytes -= batchSize(r.batches[drop])
		drop++
	}
	if drop > 0 {
		// Zero the evicted slots, so their payloads can be collected, and
		// slice past them. Copying the kept batches to a new array instead
		// cost O(ring) on every batch once the ring was full — a third of the
		// bytes a check-in allocated; append moves the kept ones when the
		// array fills, amortized O(1).
		clear(r.batches[:drop])
		r.batches = r.batches[drop:]
	}
}

// since returns the messages for rooms that come after p, or ok false when the
// ring does not hold every batch after p.
func (r *ring) since(p Position, rooms []string) (msgs []Message, ok bool) {
	if len(r.batches) == 0 {
		return nil, false
	}
	first, last := r.batches[0].Version, r.batches[len(r.batches)-1].Version
	// The client must have seen everything before our first batch (p at least
	// first−1, fully) and nothing we have not seen (p at most last).
	if p.Version > last || p.Version < first-1 || p.Version == first-1 && p.N != 0 {
		return nil, false
	}
	want := make(map[string]bool, len(rooms))
	for _, room := range rooms {
		want[room] = true
	}
	for _, b := range r.batches {
		for i, m := range b.Messages {
			if want[m.Room] && p.after(b.Version, i+1) {
				msgs = append(msgs, m)
			}
		}
	}
	return msgs, true
}

package realtime

// ring is the replay buffer of one stream: the most recent batches, with
// contiguous versions, holding at most limit messages. A gap in versions (an
// instance that missed batches) empties it, because a replay across a gap would
// silently skip events.
type ring struct {
	limit   int
	batches []Batch
	count   int // messages in batches
}

func (r *ring) add(b Batch) {
	if n := len(r.batches); n > 0 && b.Version != r.batches[n-1].Version+1 {
		r.batches, r.count = nil, 0
	}
	r.batches = append(r.batches, b)
	r.count += len(b.Messages)
	drop := 0
	for r.count > r.limit && drop < len(r.batches)-1 {
		r.count -= len(r.batches[drop].Messages)
		drop++
	}
	if drop > 0 {
		r.batches = append(r.batches[:0:0], r.batches[drop:]...)
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

package redisbroker

import (
	"slices"
	"time"

	"smartwait/internal/realtime"
)

// HoldGap is how long the broker holds a batch that arrived ahead of its turn
// (version v+2 before v+1) waiting for the missing one, before delivering anyway.
const HoldGap = 250 * time.Millisecond

// sequencer puts each stream's batches back into version order before they
// reach the handler. Instances publish their own batches locally at once and
// each other's through Redis, so when two instances commit changes of one queue
// within a millisecond, an instance can receive version 11 (its own) before 10
// (the other's, still in Redis): a patient would see position 4 and then a stale
// 5. The sequencer holds 11 until 10 arrives, or for HoldGap when 10 was lost
// (a dropped publish), then delivers what it has in order; the version gap then
// tells clients to fetch state.
//
// Until a stream's first batch has been delivered the sequencer does not know
// which version comes next, so it cannot tell "ahead of its turn" from "first":
// at start-up, and after every resync, two instances committing at once would
// otherwise deliver an instance's own version 2 before the other's 1, still in
// Redis. So the first batch of an unknown stream waits HoldGap too, gathering
// what else arrives meanwhile, and everything gathered is then delivered in
// version order. Only version 1, which nothing can precede, passes at once. Its
// methods are called with Broker.deliverMu held.
type sequencer struct {
	last  map[string]int64                    // per stream: the last version delivered
	held  map[string]map[int64]realtime.Batch // per stream: batches ahead of their turn
	timer map[string]*hold
	shard map[string]string            // per stream: its shard, for forget
	flush func(stream string, h *hold) // called by h's timer, without the lock held
}

// hold is one wait of a stream for a missing version. Its timer's flush passes
// it back, so that expire can tell a current wait from one that ended as the
// timer fired (Stop came too late): such a stale flush, once it gets the lock,
// must not cut short the stream's next wait.
type hold struct{ t *time.Timer }

func newSequencer(flush func(stream string, h *hold)) *sequencer {
	return &sequencer{
		last:  map[string]int64{},
		held:  map[string]map[int64]realtime.Batch{},
		timer: map[string]*hold{},
		shard: map[string]string{},
		flush: flush,
	}
}

// add returns the batches to deliver now, in order: b and any held ones it
// unblocks, or nothing when b must wait for an earlier version. A batch without a
// stream, a stream's version 1, the next version and a late one (at or below the
// last delivered version: it was given up on) pass at once; any other batch of a
// stream with nothing delivered yet waits, as its predecessors may be on the way.
func (q *sequencer) add(b realtime.Batch) []realtime.Batch {
	if b.Stream != "" && b.Shard != "" {
		q.shard[b.Stream] = b.Shard
	}
	last, known := q.last[b.Stream]
	if b.Stream == "" || (known && b.Version <= last+1) || (!known && b.Version == 1) {
		if b.Stream != "" && (!known || b.Version > last) {
			q.last[b.Stream] = b.Version
		}
		return q.unblocked(b.Stream, []realtime.Batch{b})
	}
	if q.held[b.Stream] == nil {
		q.held[b.Stream] = map[int64]realtime.Batch{}
	}
	q.held[b.Stream][b.Version] = b
	if q.timer[b.Stream] == nil {
		s, h := b.Stream, &hold{}
		h.t = time.AfterFunc(HoldGap, func() { q.flush(s, h) })
		q.timer[s] = h
	}
	return nil
}

// unblocked appends to out the held batches of stream that now follow in order.
func (q *sequencer) unblocked(stream string, out []realtime.Batch) []realtime.Batch {
	held := q.held[stream]
	for len(held) > 0 {
		next, ok := held[q.last[stream]+1]
		if !ok {
			return out
		}
		delete(held, next.Version)
		q.last[stream] = next.Version
		out = append(out, next)
	}
	q.stop(stream)
	return out
}

// release gives up waiting on stream: it returns every held batch in version
// order and moves the stream past them.
func (q *sequencer) release(stream string) []realtime.Batch {
	held := q.held[stream]
	versions := make([]int64, 0, len(held))
	for v := range held {
		versions = append(versions, v)
	}
	slices.Sort(versions)
	out := make([]realtime.Batch, 0, len(versions))
	for _, v := range versions {
		out = append(out, held[v])
		q.last[stream] = max(q.last[stream], v)
	}
	q.stop(stream)
	return out
}

// expire is release for the timer of h: it does nothing unless h is still the
// stream's current wait.
func (q *sequencer) expire(stream string, h *hold) []realtime.Batch {
	if q.timer[stream] != h {
		return nil
	}
	return q.release(stream)
}

// releaseAll releases every stream (Redis went away: nothing more will arrive).
func (q *sequencer) releaseAll() []realtime.Batch {
	var out []realtime.Batch
	for s := range q.held {
		out = append(out, q.release(s)...)
	}
	return out
}

// reset forgets every stream's position (after a resync, sequences start afresh).
func (q *sequencer) reset() []realtime.Batch {
	out := q.releaseAll()
	clear(q.last)
	clear(q.shard)
	return out
}

// forget releases the streams of the given shards and forgets their
// positions: the instance no longer follows them, so the next batch it gets
// of one (after following it again) starts the stream afresh.
func (q *sequencer) forget(shards []string) []realtime.Batch {
	var out []realtime.Batch
	for stream, shard := range q.shard {
		if slices.Contains(shards, shard) {
			out = append(out, q.release(stream)...)
			delete(q.last, stream)
			delete(q.shard, stream)
		}
	}
	return out
}

func (q *sequencer) stop(stream string) {
	delete(q.held, stream)
	if h := q.timer[stream]; h != nil {
		h.t.Stop()
		delete(q.timer, stream)
	}
}

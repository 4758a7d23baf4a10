package realtime

import "slices"

// MaxSince bounds the streams one JoinFrom may resume, so that a client cannot
// make the hub walk its replay buffer for an unbounded list.
const MaxSince = 64

// JoinFrom adds s to rooms and brings it up to date from the replay buffer:
// for each stream in since (stream → the last version whose events the
// client has seen), the messages for rooms that came after that version are
// handed to s, oldest first and stream by stream, before any message
// delivered after the join — none missed, none twice, because the join and
// the hand-over happen under the lock that serialises delivery (as
// SubscribeFrom's). An inline subscriber's send gets them in one call; any
// other subscriber queues them.
//
// missing lists, sorted, the streams of since the buffer can no longer
// resume (evicted, never seen by this instance, forgotten by a resync): the
// caller sends the client a snapshot of those instead. So is a stream whose
// replay would take the hand-over past limit messages (0: no limit): a
// transport with a bounded queue could not take it, and one snapshot message
// is smaller. With more than MaxSince streams only the first MaxSince
// (sorted) are resumed; callers validate the length first.
func (h *Hub) JoinFrom(s *Subscriber, rooms []string, since map[string]int64, limit int) (missing []string) {
	streams := make([]string, 0, len(since))
	for st := range since {
		streams = append(streams, st)
	}
	slices.Sort(streams)
	if len(streams) > MaxSince {
		missing, streams = streams[MaxSince:], streams[:MaxSince]
	}
	if len(streams) > 0 {
		h.Sync() // a client resuming right after an event must find it in the buffer
	}
	h.deliverMu.Lock()
	defer h.deliverMu.Unlock()
	for _, r := range rooms {
		h.Join(s, r)
	}
	var replay []Message
	for _, st := range streams {
		rg := h.replay[st]
		if rg == nil {
			missing = append(missing, st)
			continue
		}
		msgs, ok := rg.since(Position{Stream: st, Version: since[st]}, rooms)
		if !ok || limit > 0 && len(replay)+len(msgs) > limit {
			missing = append(missing, st)
			continue
		}
		replay = append(replay, msgs...)
	}
	slices.Sort(missing)
	if len(replay) > 0 {
		h.handOver(s, replay)
	}
	return missing
}

// handOver gives s msgs now, in order; the caller holds deliverMu, so no live
// message can come between.
func (h *Hub) handOver(s *Subscriber, msgs []Message) {
	if s.inline {
		if err := s.safeSendBatch(msgs); err != nil {
			s.failed(err)
		}
		return
	}
	for _, m := range msgs {
		if !s.enqueue(m) {
			h.remove(s, ReasonSlow)
			return
		}
	}
}

package realtime

import "sync"

// SubscribeInline adds a push-mode subscriber whose send never blocks (it
// queues in the transport, as the Socket.IO engine does): the hub's
// dispatcher calls it directly, in delivery order, with no queue or goroutine
// of the hub's in between, and with all the messages one batch has for the
// subscriber at once, so that a transport can write them together. A fan-out
// to thousands of sockets then costs one call, and one write(2), per socket
// (docs/decisions.md, "Fan-out: one write per socket per batch"). Errors and
// panics drop the subscriber as for Subscribe.
func (h *Hub) SubscribeInline(transport string, send func([]Message) error, onClose func(reason string)) *Subscriber {
	s := h.newSubscriber(transport, nil, onClose)
	s.sendBatch = send
	s.inline = true
	s.shard = int(h.nextShard.Add(1)) % len(h.work)
	h.add(s)
	return s
}

// offer hands m to s: an inline subscriber's send runs now, on the
// dispatcher; any other subscriber queues it.
func (h *Hub) offer(s *Subscriber, m Message) {
	if s.inline {
		if err := s.safeSendBatch([]Message{m}); err != nil {
			s.failed(err)
		}
		return
	}
	if !s.enqueue(m) {
		h.remove(s, ReasonSlow)
	}
}

// shardWork is what one batch sends to the inline subscribers of one shard:
// every (subscriber, message) pair in delivery order, chained per subscriber
// so that each subscriber's messages go to it in one call (a position_update
// and the patients room's queue_update become one write to the socket).
type shardWork struct {
	d     []delivery
	heads []int32 // first delivery of each subscriber, in order of first appearance
	tails []int32 // last delivery of each subscriber (where the chain grows)
	msgs  []Message
}

// delivery is message msg (an index into the batch) for subscriber s; next
// chains s's next delivery in the same batch (-1: none).
type delivery struct {
	s    *Subscriber
	msg  int32
	next int32
}

// add records message msg of batch gen for s.
func (w *shardWork) add(s *Subscriber, msg int32, gen uint64) {
	i := int32(len(w.d))
	w.d = append(w.d, delivery{s: s, msg: msg, next: -1})
	if s.gen != gen {
		s.gen, s.group = gen, int32(len(w.heads))
		w.heads = append(w.heads, i)
		w.tails = append(w.tails, i)
		return
	}
	w.d[w.tails[s.group]].next = i
	w.tails[s.group] = i
}

// run calls each subscriber's send with its messages of the batch, then
// empties w for the next batch (keeping its buffers unless they grew huge).
func (w *shardWork) run(batch []Message) {
	for _, head := range w.heads {
		msgs := w.msgs[:0]
		s := w.d[head].s
		for i := head; i >= 0; i = w.d[i].next {
			msgs = append(msgs, batch[w.d[i].msg])
		}
		if err := s.safeSendBatch(msgs); err != nil {
			s.failed(err)
		}
		clear(msgs)
		w.msgs = msgs[:0]
	}
	clear(w.d) // let go of the subscribers
	if cap(w.d) > 1<<16 {
		w.d, w.heads, w.tails = nil, nil, nil // a huge fan-out once: do not keep its buffers
		return
	}
	w.d, w.heads, w.tails = w.d[:0], w.heads[:0], w.tails[:0]
}

// parallelFrom is the number of inline sends from which a batch's sends are
// spread over the shards' goroutines: below it, one goroutine is cheaper.
const parallelFrom = 64

// sendInline runs the sends collected in h.work: each shard's in order, on
// goroutines of their own when there are many, so that a fan-out to
// thousands of sockets uses every core for its write(2)s while each socket
// still gets its messages in order (a subscriber belongs to one shard).
func (h *Hub) sendInline(batch []Message, total int) {
	if total < parallelFrom || len(h.work) == 1 {
		for k := range h.work {
			h.work[k].run(batch)
		}
		return
	}
	var wg sync.WaitGroup
	for k := 1; k < len(h.work); k++ {
		if len(h.work[k].d) > 0 {
			wg.Add(1)
			go func(w *shardWork) {
				defer wg.Done()
				w.run(batch)
			}(&h.work[k])
		}
	}
	h.work[0].run(batch)
	wg.Wait()
}

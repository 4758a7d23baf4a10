package realtime

import (
	"context"
	"log/slog"
	"runtime"
	"runtime/trace"
	"sync"
	"sync/atomic"
	"time"
)

// Config tunes a Hub. Zero values take the defaults.
type Config struct {
	// BufferSize is how many messages may wait for one subscriber before it is
	// dropped as too slow. Default 256: a call-next sends a patient at most a
	// few messages, so only a stalled connection fills it.
	BufferSize int
	// ReplaySize is how many messages per stream the replay buffer keeps for
	// resuming streams (Last-Event-ID). Default 4096.
	ReplaySize int
	// ReplayBytes bounds the same buffer by size (payloads, ids and room names,
	// plus a fixed cost per message), per stream. Default 4 MiB: with 50
	// waiting that is the last ~90 queue changes, about what ReplaySize keeps;
	// with hundreds waiting it keeps fewer, since a queue_refresh carries the
	// whole active queue. The newest batch is kept even when it alone is larger.
	ReplayBytes int
	// InboxSize is how many delivered batches may wait for the hub's
	// dispatcher. Default 1024. When it is full the batch is dropped and every
	// subscriber is told to resync: the publisher is never made to wait.
	InboxSize int
	// SendShards is how many goroutines write a large batch to the inline
	// subscribers (Socket.IO), each to its own share of them. Default: half
	// the cores (at least one), leaving the rest to the requests that make
	// the next changes: on 2 cores one writer delivered a call-next to 2,000
	// sockets sooner than two (docs/benchmarks.md).
	SendShards int
	// CollectAfter is the fan-out size, in Socket.IO subscribers, after
	// which the hub looks at the heap and, when another such burst would
	// bring it near the collector's goal, collects at once, between changes
	// rather than during the next (gcgap.go). Default DefaultCollectAfter;
	// negative: never.
	CollectAfter int
	// Follower is the broker when it carries only the shards this
	// instance follows (redisbroker); nil when every batch reaches every
	// hub. See Follow.
	Follower ShardFollower
	// UnfollowAfter is how long a shard stays followed after its last
	// subscriber left. Default DefaultUnfollowAfter.
	UnfollowAfter time.Duration
	Log           *slog.Logger     // nil: slog.Default()
	Now           func() time.Time // nil: time.Now
}

// Hub routes delivered batches to the subscribers of each message's room. It is
// the Handler of the deployment's Broker. All methods are safe for concurrent use.
type Hub struct {
	cfg Config

	// deliverMu serialises Deliver, Resync and the join-with-replay of
	// SubscribeFrom, so a resuming subscriber neither misses nor repeats a batch.
	deliverMu sync.Mutex
	replay    map[string]*ring // by stream; guarded by deliverMu
	work      []shardWork      // inline sends of the batch being delivered, by shard; guarded by deliverMu
	gen       uint64           // counts delivered batches; guarded by deliverMu
	live      []Message        // the hub's copy of the batch being delivered; guarded by deliverMu
	gc        *gapCollector    // collects after large fan-outs; used by the dispatcher only
	nextShard atomic.Uint32    // spreads inline subscribers over the shards

	// What every ring holds, for Stats without waiting on deliverMu.
	replayMessages, replayBytes atomic.Int64

	mu       sync.RWMutex // guards rooms, subs, sessions and ended, never held while sending
	rooms    map[string]*room
	subs     map[*Subscriber]struct{}
	sessions map[string]map[*Subscriber]struct{} // staff session id → bound subscribers
	ended    map[string]time.Time                // recently ended sessions, see BindSession
	closed   bool

	followMu sync.Mutex // guards follows and every Subscriber.following; taken before mu
	follows  follows

	stats stats

	// Deliver and Resync hand work to one dispatcher goroutine through inbox, so
	// the publisher (a queue operation, via the broker) only pays for a channel
	// send, and the fan-out keeps delivery order.
	inbox    chan inboxItem
	overflow atomic.Bool // a batch was dropped because inbox was full
	stop     chan struct{}
	stopped  chan struct{}
	stopOnce sync.Once
}

var _ Handler = (*Hub)(nil)

// NewHub returns an empty hub.
func NewHub(cfg Config) *Hub {
	if cfg.BufferSize <= 0 {
		cfg.BufferSize = 256
	}
	if cfg.ReplaySize <= 0 {
		cfg.ReplaySize = 4096
	}
	if cfg.ReplayBytes <= 0 {
		cfg.ReplayBytes = 4 << 20
	}
	if cfg.InboxSize <= 0 {
		cfg.InboxSize = 1024
	}
	if cfg.SendShards <= 0 {
		cfg.SendShards = max(1, runtime.GOMAXPROCS(0)/2)
	}
	if cfg.CollectAfter == 0 {
		cfg.CollectAfter = DefaultCollectAfter
	}
	if cfg.UnfollowAfter <= 0 {
		cfg.UnfollowAfter = DefaultUnfollowAfter
	}
	h := &Hub{
		cfg:      cfg,
		replay:   map[string]*ring{},
		rooms:    map[string]*room{},
		subs:     map[*Subscriber]struct{}{},
		sessions: map[string]map[*Subscriber]struct{}{},
		ended:    map[string]time.Time{},
		follows:  follows{count: map[string]int{}, idle: map[string]*idleShard{}},
		stats:    newStats(),
		inbox:    make(chan inboxItem, cfg.InboxSize),
		work:     make([]shardWork, cfg.SendShards),
		gc:       newGapCollector(cfg.CollectAfter),
		stop:     make(chan struct{}),
		stopped:  make(chan struct{}),
	}
	go h.dispatch()
	return h
}

func (h *Hub) log() *slog.Logger {
	if h.cfg.Log != nil {
		return h.cfg.Log
	}
	return slog.Default()
}

func (h *Hub) now() time.Time {
	if h.cfg.Now != nil {
		return h.cfg.Now()
	}
	return time.Now()
}

// Subscribe adds a push-mode subscriber: a writer goroutine calls send for each
// message, in order, while messages are pending. send may block on the network:
// only that subscriber waits, and once its queue is full it is dropped. A send
// that returns an error (ErrSlow: as too slow) or panics drops it too. onClose
// (may be nil) is called once, on its own goroutine, when the hub drops the
// subscriber (too slow, send panicked, hub closed) — not after Close.
func (h *Hub) Subscribe(transport string, send func(Message) error, onClose func(reason string)) *Subscriber {
	s := h.newSubscriber(transport, send, onClose)
	h.add(s)
	return s
}

// SubscribeFrom adds a pull-mode subscriber to rooms and, when last is the id of
// an event this hub can still replay, returns the messages for those rooms that
// came after it (ok true). Otherwise ok is false and the caller sends a snapshot
// first. Either way no message is missed or repeated between the replay and the
// live queue.
func (h *Hub) SubscribeFrom(transport string, rooms []string, last string) (s *Subscriber, replay []Message, ok bool) {
	s = h.newSubscriber(transport, nil, nil)
	if last != "" {
		h.Sync() // a client resuming right after an event must find it here
	}
	h.deliverMu.Lock()
	defer h.deliverMu.Unlock()
	h.add(s)
	for _, r := range rooms {
		h.Join(s, r)
	}
	if last == "" {
		return s, nil, false
	}
	p, valid := ParseID(last)
	if !valid {
		return s, nil, false
	}
	rg := h.replay[p.Stream]
	if rg == nil {
		return s, nil, false
	}
	replay, ok = rg.since(p, rooms)
	return s, replay, ok
}

func (h *Hub) newSubscriber(transport string, send func(Message) error, onClose func(string)) *Subscriber {
	return &Subscriber{
		hub: h, transport: transport, send: send, onClose: onClose, limit: h.cfg.BufferSize,
		ready: make(chan struct{}, 1), done: make(chan struct{}), rooms: map[string]struct{}{},
	}
}

func (h *Hub) add(s *Subscriber) {
	h.mu.Lock()
	closed := h.closed
	if !closed {
		h.subs[s] = struct{}{}
		h.stats.connect(s.transport, 1)
	}
	h.mu.Unlock()
	if closed {
		s.markClosed(ReasonHub)
	}
}

// Join adds s to room name. Joining twice is harmless; a closed subscriber joins nothing.
func (h *Hub) Join(s *Subscriber, name string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[s]; !ok {
		return
	}
	r := h.rooms[name]
	if r == nil {
		r = &room{}
		h.rooms[name] = r
	}
	r.add(s)
	s.rooms[name] = struct{}{}
}

// Leave removes s from room.
func (h *Hub) Leave(s *Subscriber, room string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.leave(s, room)
}

func (h *Hub) leave(s *Subscriber, name string) {
	if r := h.rooms[name]; r != nil && r.remove(s) {
		delete(h.rooms, name)
	}
	delete(s.rooms, name)
}

// InRoom reports whether s has joined room.
func (h *Hub) InRoom(s *Subscriber, room string) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	_, ok := s.rooms[room]
	return ok
}

// RoomCount returns the number of rooms s has joined.
func (h *Hub) RoomCount(s *Subscriber) int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(s.rooms)
}

// remove drops s from the hub; onClose runs for every reason but ReasonClosed.
func (h *Hub) remove(s *Subscriber, reason string) {
	h.mu.Lock()
	if _, ok := h.subs[s]; ok {
		for room := range s.rooms {
			h.leave(s, room)
		}
		h.unbind(s)
		delete(h.subs, s)
		h.stats.connect(s.transport, -1)
	}
	h.mu.Unlock()
	h.unfollowAll(s)
	if !s.markClosed(reason) {
		return
	}
	if reason != ReasonClosed {
		h.stats.drop(reason)
		if s.onClose != nil {
			go s.onClose(reason)
		}
	}
}

// Deliver implements Handler: it hands the batch to the hub's dispatcher and
// returns at once. The dispatcher queues each message for the members of its
// room, in order; batches of a stream enter the replay buffer. If the
// dispatcher is so far behind that its inbox is full, the batch is dropped and
// every subscriber is told to resync.
func (h *Hub) Deliver(b Batch) {
	if !stamped(b) {
		// The batch may be shared with other in-process hubs: stamp a copy.
		msgs := make([]Message, len(b.Messages))
		for i, m := range b.Messages {
			m.Stream, m.Version = b.Stream, b.Version
			msgs[i] = m
		}
		b.Messages = msgs
	}
	h.enqueue(inboxItem{batch: b})
}

// stamped reports whether every message of b carries b's stream and version
// (Batch.Add sets them), so that the hub can keep b's messages as they are.
func stamped(b Batch) bool {
	for i := range b.Messages {
		if b.Messages[i].Stream != b.Stream || b.Messages[i].Version != b.Version {
			return false
		}
	}
	return true
}

func (h *Hub) deliver(b Batch) {
	h.deliverMu.Lock()
	defer h.deliverMu.Unlock()
	// The regions show in an execution trace of the running server
	// (docs/benchmarks.md, "Reading a call-next's steps from a trace").
	route := trace.StartRegion(context.Background(), "realtime.route")
	if b.Stream != "" {
		rg := h.replay[b.Stream]
		if rg == nil {
			rg = &ring{shard: b.Shard, maxMessages: h.cfg.ReplaySize, maxBytes: h.cfg.ReplayBytes}
			h.replay[b.Stream] = rg
		}
		count, bytes := rg.count, rg.bytes
		rg.add(b)
		h.replayMessages.Add(int64(rg.count - count))
		h.replayBytes.Add(int64(rg.bytes - bytes))
	}
	// The hub's own copies carry the encoding caches while they are sent:
	// the replay buffer keeps b, shared with the publisher and any other
	// in-process hub, and never holds encodings. The copies go in a buffer
	// kept from batch to batch (a call-next's 2,000 messages are 240 kB); a
	// member's queue holds copies of its own.
	live := append(h.live[:0], b.Messages...)
	defer func() {
		clear(live) // let go of the payloads and the subscribers' caches
		h.live = live[:0]
		if cap(live) > 1<<14 {
			h.live = nil // a huge batch once (over ~2 MB of messages): do not keep its buffer
		}
	}()
	// members is a room's own slice (read under h.mu) or, for a session's
	// message, bound: never appended to when it is a room's.
	var members, bound, slow []*Subscriber
	h.gen++
	inline := 0
	counted, run := 0, "" // published messages are counted per run of one event
	// One read lock for the whole batch, not one per message: joins and
	// leaves wait for the routing (about 0.5 ms for 2,000 messages);
	// nothing in the loop takes h.mu but endSession, which is let through.
	h.mu.RLock()
	for i := range live {
		m := &live[i]
		if m.Event != run {
			h.stats.publish(run, i-counted)
			counted, run = i, m.Event
		}
		if m.Session != "" {
			h.mu.RUnlock()
			bound = h.endSession(m.Session, bound[:0])
			members = bound
			h.mu.RLock()
		} else {
			members = h.members(m.Room)
		}
		if len(members) > 1 {
			// Encoded once for every member; a message with one member
			// (a patient's own) needs no cache.
			m.enc = &encodings{}
		}
		for _, s := range members {
			switch {
			case s.inline:
				h.work[s.shard].add(s, int32(i), h.gen)
				inline++
			case s.overflow == h.gen: // already slow in this batch
			case !s.enqueue(*m):
				s.overflow = h.gen
				slow = append(slow, s) // removed once the lock is let go
			}
		}
	}
	h.mu.RUnlock()
	for _, s := range slow {
		h.remove(s, ReasonSlow)
	}
	h.stats.publish(run, len(live)-counted)
	route.End()
	clients := 0 // the inline subscribers this batch reaches (each shard's chains)
	for k := range h.work {
		clients += len(h.work[k].heads)
	}
	send := trace.StartRegion(context.Background(), "realtime.send")
	h.sendInline(live, inline)
	send.End()
	h.gc.after(clients)
}

// members returns the members of room name, as the room holds them: h.mu
// must be held while they are used.
func (h *Hub) members(name string) []*Subscriber {
	if r := h.rooms[name]; r != nil {
		return r.members
	}
	return nil
}

// Resync implements Handler: events may have been lost, so the replay buffer is
// forgotten and every subscriber gets an EventResync message, after the batches
// delivered before it.
func (h *Hub) Resync(reason string) {
	if reason == "" {
		reason = "broker outage"
	}
	h.enqueue(inboxItem{resync: reason})
}

func (h *Hub) resync(reason string) {
	h.deliverMu.Lock()
	defer h.deliverMu.Unlock()
	h.log().Warn("realtime: telling every client to resync", "reason", reason)
	h.replay = map[string]*ring{}
	h.replayMessages.Store(0)
	h.replayBytes.Store(0)
	m := Message{Event: EventResync, Data: resyncPayload(h.now()), enc: &encodings{}}
	h.mu.RLock()
	all := make([]*Subscriber, 0, len(h.subs))
	for s := range h.subs {
		all = append(all, s)
	}
	h.mu.RUnlock()
	for _, s := range all {
		h.offer(s, m)
	}
}

func resyncPayload(now time.Time) []byte {
	return []byte(`{"type":"resync","timestamp":"` + now.UTC().Format("2006-01-02T15:04:05.000Z07:00") + `"}`)
}

// Close stops the dispatcher, drops every subscriber (their onClose runs) and
// refuses new ones. Batches still in the inbox are discarded.
func (h *Hub) Close() {
	h.stopOnce.Do(func() { close(h.stop) })
	<-h.stopped
	h.mu.Lock()
	h.closed = true
	all := make([]*Subscriber, 0, len(h.subs))
	for s := range h.subs {
		all = append(all, s)
	}
	h.mu.Unlock()
	for _, s := range all {
		h.remove(s, ReasonHub)
	}
	h.stopFollowing()
}

// Stats is a point-in-time view of the hub for /health and /metrics.
type Stats struct {
	Connections map[string]int   `json:"connections"` // open subscribers by transport
	Subscribers int              `json:"subscribers"` // open subscribers, all transports
	Rooms       int              `json:"rooms"`       // rooms with at least one member
	Sessions    int              `json:"sessions"`    // staff sessions with a bound subscriber
	Published   int64            `json:"published"`   // messages delivered to the hub
	Dropped     map[string]int64 `json:"dropped"`     // subscribers dropped by reason
	// ReplayMessages and ReplayBytes are what the replay buffers of all
	// streams hold (bytes as the ReplayBytes bound counts them).
	ReplayMessages int `json:"replayMessages"`
	ReplayBytes    int `json:"replayBytes"`
}

// Stats returns the hub's current figures.
func (h *Hub) Stats() Stats {
	h.mu.RLock()
	rooms, subs, sessions := len(h.rooms), len(h.subs), len(h.sessions)
	h.mu.RUnlock()
	st := h.stats.snapshot()
	st.Rooms, st.Subscribers, st.Sessions = rooms, subs, sessions
	st.ReplayMessages, st.ReplayBytes = int(h.replayMessages.Load()), int(h.replayBytes.Load())
	return st
}

// Package redisbroker is the realtime.Broker of a deployment with several
// instances: every instance publishes the batches of its own committed changes to
// the Redis pub/sub channel of the batch's shard (a line; a clinic once lines
// belong to clinics) and delivers what arrives on the channels it follows to its
// own hub, which fans out to that instance's sockets and SSE streams.
//
// Channels are sharded (SPUBLISH/SSUBSCRIBE, Redis 7): "<prefix>:{<shard>}",
// the braces a hash tag, so on Redis Cluster each shard's traffic lives on one
// node and an instance talks only to the nodes of the shards its clients follow.
// The hub tells the broker which shards those are (realtime.ShardFollower): an
// instance whose clients follow two clinics out of a thousand receives two
// clinics' batches, not a thousand. Batches with no shard (a session's end, a
// test message) go on "<prefix>:all", which every instance follows. On a
// server without sharded pub/sub (Redis 6, miniredis) the same channels are
// used with PUBLISH/SUBSCRIBE; Status reports which ("sharded" or "channels").
// On Redis Cluster (a URL with addr= parameters, see CheckURL) the broker
// subscribes to each shard on the master that owns its slot, one connection
// per master it needs (see subscription); a cluster needs Redis 7 on every node.
//
// Redis is a side channel, never a dependency of a queue operation. An instance
// delivers its own batches to its own hub first, without a round trip through
// Redis, so its clients keep receiving events while Redis is down; Publish never
// waits on the network; and when the subscription comes back after an outage the
// broker tells its hub to resync its clients, because batches of other instances
// may have been lost meanwhile. Pub/sub is at-most-once by design: the per-stream
// version in every batch is what lets clients notice a gap and fetch state again,
// and what the broker uses to hand each queue's batches to the hub in order (see
// sequencer).
package redisbroker

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"smartwait/internal/realtime"
)

var _ realtime.Broker = (*Broker)(nil)

// Options tune a Broker. The zero value is usable.
type Options struct {
	// Channel is the prefix of the pub/sub channels; "" means
	// "smartwait:<db>:events" with the URL's database number. Redis pub/sub
	// ignores database numbers, so putting it in the channels keeps
	// deployments that share a server by database apart.
	Channel string
	// Shards lists every shard there is (the deployment's lines), for the
	// instances whose clients follow realtime.AllShards; nil: AllShards
	// follows only the shards this instance publishes to.
	Shards func(ctx context.Context) ([]string, error)
	// ShardsRefresh is how often the list is read again while AllShards is
	// followed, so that a line created on another instance is followed too
	// (default 10 s).
	ShardsRefresh time.Duration
	// QueueSize bounds the batches waiting to be published (default 4096). When
	// it is full Publish drops the batch for the other instances and says so.
	QueueSize int
	// Log receives outage and recovery reports; nil: slog.Default().
	Log *slog.Logger
}

// Broker carries batches between instances over Redis pub/sub. Create it with New;
// its methods are safe for concurrent use.
type Broker struct {
	client   conn   // publishes; a *redis.Client or *redis.ClusterClient
	route    router // where each channel's subscription goes
	cluster  bool
	prefix   string // of every channel; see Options.Channel
	listAll  func(ctx context.Context) ([]string, error)
	refresh  time.Duration
	instance string // tags this instance's messages so it skips its own echoes
	log      *slog.Logger

	out  chan outgoing // encoded batches waiting for the publisher
	done chan struct{} // closed when the publisher has drained out

	deliverMu sync.Mutex // one Deliver/Resync at a time, in order
	handler   realtime.Handler
	seq       *sequencer // guarded by deliverMu

	closeMu sync.RWMutex // Publish holds it shared, Close exclusively
	closed  bool

	subscribed atomic.Bool   // the subscription is in place: publishing is worth trying
	lastErr    atomic.Value  // string: the most recent Redis error, for Status
	dropped    atomic.Uint64 // batches the other instances did not get
	subDone    chan struct{} // closed when the subscriber goroutine returns
	cancelSub  context.CancelFunc

	// shardMu guards sub, mode, the followed shards and the queue of
	// subscribe commands for them. It is never held across a call to Redis.
	shardMu sync.Mutex
	sub     *subscription // the live subscription; Close closes it to end a blocked read
	mode    string        // modeSharded or modeChannels, once known
	shards  map[string]*shardSub
	all     bool       // realtime.AllShards is followed
	cmds    []shardCmd // subscribe commands waiting for the commander, in order
	cmdKick chan struct{}
	// unconfirmed counts the followed shards sub has not yet confirmed, and
	// subReady says sub has confirmed them all once: only then is the broker
	// subscribed (Status ok, Publish sends, the resync after an outage).
	// Before, a subscription whose shared channel answered was "restored" at
	// once, while the subscriptions of the shards went out afterwards: when a
	// shard's master was the one that had died (SIGKILL, awaiting promotion of
	// its replica) the broker flapped between ok and degraded and told its
	// clients to resync on every retry, and batches published between that
	// resync and the shard's confirmation were lost without a resync after
	// them (TestClusterMasterKilled).
	unconfirmed int
	subReady    bool
}

// New returns a broker for the Redis server at url (redis://[user:pass@]host:port/db,
// or rediss:// for TLS), or for the Redis Cluster it names
// (redis://[user:pass@]host:port?addr=host2:port2&addr=…, see CheckURL). It
// does not connect: Start does.
func New(url string, opts Options) (*Broker, error) {
	t, err := parseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redisbroker: invalid REDIS_URL: %w", err)
	}
	if opts.Channel == "" {
		opts.Channel = "smartwait:" + strconv.Itoa(t.db) + ":events"
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = 4096
	}
	if opts.ShardsRefresh <= 0 {
		opts.ShardsRefresh = 10 * time.Second
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	client, route := t.client()
	b := &Broker{
		client:   client,
		route:    route,
		cluster:  t.cluster != nil,
		prefix:   opts.Channel,
		listAll:  opts.Shards,
		refresh:  opts.ShardsRefresh,
		shards:   map[string]*shardSub{},
		cmdKick:  make(chan struct{}, 1),
		instance: rand.Text(),
		log:      opts.Log.With("component", "redisbroker"),
		out:      make(chan outgoing, opts.QueueSize),
		done:     make(chan struct{}),
		subDone:  make(chan struct{}),
	}
	b.lastErr.Store("")
	b.seq = newSequencer(b.releaseStream)
	return b, nil
}

// ownEcho reports whether payload is one of this instance's own envelopes,
// from its first bytes: Redis sends a publisher its own messages on every
// shard it follows, and decoding a whole batch only to drop it cost an
// instance as much CPU as a batch it needs (docs/benchmarks.md, "Many
// clinics"). json.Marshal writes the fields in envelope's order, "i" first;
// the instance tag (rand.Text) needs no escaping.
func (b *Broker) ownEcho(payload string) bool {
	return len(payload) > len(b.instance)+7 && payload[:6] == `{"i":"` &&
		payload[6:6+len(b.instance)] == b.instance && payload[6+len(b.instance)] == '"'
}

// envelope is what goes over the channel: the batch and who published it.
type envelope struct {
	Instance string         `json:"i"`
	Batch    realtime.Batch `json:"b"`
}

// Start subscribes to the channel and starts the publisher, then returns: when
// Redis answers, every batch published after Start returns reaches h. When Redis
// does not answer within a few seconds (or ctx ends first) Start still returns
// nil — the instance serves its own clients, Status reports degraded, and the
// broker keeps trying and calls h.Resync once it is subscribed.
func (b *Broker) Start(ctx context.Context, h realtime.Handler) error {
	b.closeMu.RLock()
	closed := b.closed
	b.closeMu.RUnlock()
	if closed {
		return realtime.ErrClosed
	}
	b.handler = h
	subCtx, cancel := context.WithCancel(context.Background())
	b.cancelSub = cancel
	ps, err := b.subscribe(ctx, false)
	if err != nil {
		b.log.Warn("redis unavailable at start; serving local clients only until it answers", "err", err)
	}
	go b.subscriber(subCtx, ps)
	go b.publisher()
	go b.refresher(subCtx)
	go b.commander(subCtx)
	return nil
}

// subscribe opens a subscription to the channel every instance follows, waits
// for Redis to confirm it, then queues the followed shards' subscriptions for
// the commander. The broker is subscribed once Redis has confirmed those too
// (see ready); restore: then tell the handler to resync, as after an outage.
func (b *Broker) subscribe(ctx context.Context, restore bool) (*subscription, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	ps, err := b.subscribeAll(ctx)
	if err != nil {
		b.setErr(err)
		return nil, err
	}
	ps.restore = restore
	b.shardMu.Lock()
	b.sub = ps
	b.cmds = b.cmds[:0] // meant for the subscription this one replaces
	for shard, sub := range b.shards {
		sub.renew()
		b.queueCmd(true, shard)
	}
	b.unconfirmed = len(b.shards)
	b.subReady = b.unconfirmed == 0
	complete := b.subReady
	b.shardMu.Unlock()
	if complete {
		b.ready(ps)
	}
	return ps, nil
}

// ready marks the broker subscribed once Redis has confirmed ps's every
// channel, and after an outage tells the handler to resync: only from now
// on does every batch reach this instance, so a resync any earlier would
// leave clients without what was published between it and now.
func (b *Broker) ready(ps *subscription) {
	b.subscribed.Store(true)
	b.lastErr.Store("")
	if ps.restore {
		b.log.Info("redis subscription restored; telling clients to resync")
		b.resync("redis reconnected")
	}
}

// reloadState makes a cluster client read the slot map again (in the
// background; a single server has none). go-redis follows MOVED by itself,
// but after a connection error it keeps sending to the master it knew,
// re-reading the map only every minute: a master killed without a
// handover, its replica promoted, would go unnoticed that long.
func (b *Broker) reloadState() {
	if r, ok := b.client.(interface{ ReloadState(context.Context) }); ok {
		r.ReloadState(context.Background())
	}
}

// subscribeAll subscribes to the all-instances channel, finding out on the
// first connection whether the server has sharded pub/sub. On a cluster
// there is no fallback: plain PUBLISH there is broadcast to every node, the
// load sharding exists to avoid, and the operator is better told that the
// cluster needs Redis 7 (Status carries the error).
func (b *Broker) subscribeAll(ctx context.Context) (*subscription, error) {
	b.shardMu.Lock()
	mode := b.mode
	b.shardMu.Unlock()
	ch := b.channel("")
	if mode != modeChannels {
		ps, err := openSubscription(ctx, modeSharded, b.route, ch)
		if err == nil {
			b.setMode(modeSharded)
			return ps, nil
		}
		if unknownCommand(err) && b.cluster {
			return nil, errors.New("redisbroker: this Redis Cluster has no sharded pub/sub (SSUBSCRIBE); every node needs Redis 7 or later")
		}
		if !unknownCommand(err) || mode == modeSharded {
			return nil, err
		}
		b.log.Info("redis has no sharded pub/sub (SSUBSCRIBE); using one plain channel per shard", "err", err)
	}
	ps, err := openSubscription(ctx, modeChannels, b.route, ch)
	if err != nil {
		return nil, err
	}
	b.setMode(modeChannels)
	return ps, nil
}

// Publish delivers b to this instance's handler at once, then queues it for the
// other instances. It never waits on Redis. It returns an error (after the local
// delivery) when the batch could not be queued for the others: Redis is away or
// the queue is full.
func (b *Broker) Publish(batch realtime.Batch) error {
	b.closeMu.RLock()
	defer b.closeMu.RUnlock()
	if b.closed {
		return realtime.ErrClosed
	}
	if b.handler != nil && b.follows(batch.Shard) {
		b.deliver(batch)
	}
	if !b.subscribed.Load() {
		// Whatever we sent now would reach instances that will resync anyway
		// once Redis is back, after batches they never saw: skip it.
		b.dropped.Add(1)
		return errors.New("redisbroker: redis unavailable; batch delivered locally only")
	}
	data, err := json.Marshal(envelope{Instance: b.instance, Batch: batch})
	if err != nil {
		return fmt.Errorf("redisbroker: encode batch: %w", err)
	}
	select {
	case b.out <- outgoing{channel: b.channel(batch.Shard), data: data}:
		return nil
	default:
		b.dropped.Add(1)
		return errors.New("redisbroker: outgoing queue full; batch delivered locally only")
	}
}

// deliver hands batch to the handler in its stream's version order (see
// sequencer). While Redis is away nothing can arrive out of order, and holding
// this instance's own batches for versions that will never come would only
// delay them: they pass at once.
func (b *Broker) deliver(batch realtime.Batch) {
	b.deliverMu.Lock()
	defer b.deliverMu.Unlock()
	if !b.subscribed.Load() {
		b.handOver(b.seq.releaseAll())
		b.handOver([]realtime.Batch{batch})
		return
	}
	b.handOver(b.seq.add(batch))
}

// releaseStream delivers what the sequencer held for stream after waiting
// HoldGap for a missing version, unless that wait h already ended.
func (b *Broker) releaseStream(stream string, h *hold) {
	b.deliverMu.Lock()
	defer b.deliverMu.Unlock()
	b.handOver(b.seq.expire(stream, h))
}

func (b *Broker) handOver(batches []realtime.Batch) {
	for _, bt := range batches {
		b.handler.Deliver(bt)
	}
}

// outgoing is one encoded batch and the channel it goes to.
type outgoing struct {
	channel string
	data    []byte
}

// publisher sends queued batches one at a time, so Redis receives each
// instance's batches in the order they were published: one shard's batches
// reach its channel in order, which is the order its subscribers get them.
func (b *Broker) publisher() {
	defer close(b.done)
	for o := range b.out {
		err := b.send1(o)
		if err != nil && b.cluster && b.ownerChanged(o.channel) {
			// The slot's master died and a replica took over: try once more
			// on the new master, so that the first batch after a failover is
			// not lost, even on an instance whose own subscription never
			// noticed the failure (see reloadState).
			err = b.send1(o)
		}
		if err != nil {
			b.dropped.Add(1)
			b.setErr(err)
			b.log.Warn("redis publish failed; other instances miss one batch", "err", err)
		}
	}
}

// ownerWait bounds how long a failed publish on Redis Cluster waits for the
// slot map to name another master for its channel.
const ownerWait = 500 * time.Millisecond

// ownerChanged reads the slot map again and reports whether it names
// another master for channel than before, waiting up to ownerWait for the
// background reload. While the master is dead and not yet replaced the map
// does not change, and the batch is dropped after that wait.
func (b *Broker) ownerChanged(channel string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), ownerWait)
	defer cancel()
	before, _, err := b.route(ctx, channel)
	if err != nil {
		return false
	}
	b.reloadState()
	for sleep(ctx, 25*time.Millisecond) {
		if now, _, err := b.route(ctx, channel); err == nil && now != before {
			return true
		}
	}
	return false
}

// send1 publishes one queued batch.
func (b *Broker) send1(o outgoing) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if b.currentMode() == modeChannels {
		return b.client.Publish(ctx, o.channel, o.data).Err()
	}
	return b.client.SPublish(ctx, o.channel, o.data).Err()
}

// reloadLead is how long before a try to subscribe again a cluster's slot
// map is read again: enough for go-redis's background reload, which waits
// 200 ms after one reload before the next.
const reloadLead = 250 * time.Millisecond

// maxBackoff bounds the wait between tries to subscribe again. It is most of
// the delay between a cluster's promoting a replica and the broker's being
// back (TestClusterMasterKilled), and a try costs Redis one connection.
const maxBackoff = time.Second

// sleep waits d, or returns false when ctx ends first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// subscriber reads the channel until Close. When the subscription breaks it
// reconnects with backoff, and once each new subscription is in place (every
// followed shard confirmed, see ready) tells the handler to resync. ps is the subscription Start made, or nil when Redis did not answer.
func (b *Broker) subscriber(ctx context.Context, ps *subscription) {
	defer close(b.subDone)
	backoff := 100 * time.Millisecond
	for {
		if ps == nil {
			// On a cluster the slot map is read again shortly before each
			// try, not right after the last failure: a replica promoted
			// during the wait is then known to the try. (Read at once after
			// a failure, the map was the one of before the promotion, and a
			// whole extra backoff passed before the broker looked again.)
			lead := min(backoff/2, reloadLead)
			if !sleep(ctx, backoff-lead) {
				return
			}
			b.reloadState()
			if !sleep(ctx, lead) {
				return
			}
			backoff = min(2*backoff, maxBackoff)
			var err error
			if ps, err = b.subscribe(ctx, true); err != nil {
				continue
			}
		}
		err := b.read(ctx, ps)
		ps.close()
		ps = nil
		if ctx.Err() != nil {
			return
		}
		b.subscribed.Store(false)
		b.shardMu.Lock()
		b.sub = nil // Follow and Unfollow only record until the next subscription
		if b.subReady {
			// It was in place: this is a new outage, retried quickly. A
			// subscription that broke before its shards were confirmed (their
			// master still dead) keeps backing off.
			backoff = 100 * time.Millisecond
		}
		b.shardMu.Unlock()
		b.deliverMu.Lock()
		b.handOver(b.seq.releaseAll()) // what they waited for will not come now
		b.deliverMu.Unlock()
		b.setErr(err)
		b.log.Warn("redis subscription lost; serving local clients only until it is back", "err", err)
	}
}

// read delivers messages from ps until it fails (its links ping Redis
// between messages, so a partition fails it too) or ctx ends.
func (b *Broker) read(ctx context.Context, ps *subscription) error {
	for {
		var msg any
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ps.failed:
			return ps.err
		case msg = <-ps.in:
		}
		if sub, ok := msg.(*redis.Subscription); ok {
			complete, err := b.confirmed(ps, sub)
			if err != nil {
				return err
			}
			if complete {
				b.ready(ps)
			}
			continue
		}
		m, ok := msg.(*redis.Message)
		if !ok {
			continue
		}
		if b.ownEcho(m.Payload) {
			continue // delivered locally when it was published; not worth decoding
		}
		var env envelope
		if err := json.Unmarshal([]byte(m.Payload), &env); err != nil {
			b.log.Warn("ignoring a malformed message on the events channel", "err", err)
			continue
		}
		if env.Instance == b.instance {
			continue // delivered locally when it was published
		}
		if !b.follows(env.Batch.Shard) {
			continue // unfollowed while it was on its way
		}
		b.deliver(env.Batch)
	}
}

func (b *Broker) resync(reason string) {
	b.deliverMu.Lock()
	defer b.deliverMu.Unlock()
	b.handOver(b.seq.reset())
	b.handler.Resync(reason)
}

func (b *Broker) setErr(err error) {
	if err != nil {
		b.lastErr.Store(err.Error())
	}
}

// Status reports "redis" and ok while subscribed, degraded while Redis is away
// (local delivery goes on), down after Close.
func (b *Broker) Status() realtime.BrokerStatus {
	b.closeMu.RLock()
	closed := b.closed
	b.closeMu.RUnlock()
	b.shardMu.Lock()
	st := realtime.BrokerStatus{Kind: "redis", Status: realtime.StatusOK, Mode: b.mode, Shards: len(b.shards)}
	b.shardMu.Unlock()
	switch {
	case closed:
		st.Status, st.Error = realtime.StatusDown, "closed"
	case !b.subscribed.Load():
		st.Status, st.Error = realtime.StatusDegraded, "redis unavailable: "+b.lastErr.Load().(string)
	}
	return st
}

// Dropped counts the batches that did not go to the other instances (Redis away,
// queue full, or a failed publish).
func (b *Broker) Dropped() uint64 { return b.dropped.Load() }

// Close stops accepting batches, sends those still queued (until ctx is done),
// then stops the subscription and closes the connections. It is idempotent.
func (b *Broker) Close(ctx context.Context) error {
	b.closeMu.Lock()
	if b.closed {
		b.closeMu.Unlock()
		return nil
	}
	b.closed = true
	close(b.out)
	b.closeMu.Unlock()

	started := b.cancelSub != nil
	var err error
	if started {
		select {
		case <-b.done:
		case <-ctx.Done():
			err = fmt.Errorf("redisbroker: close before every batch was sent: %w", ctx.Err())
		}
		b.cancelSub()
		// A read blocked in Redis does not watch its context: closing the
		// subscription ends it.
		b.shardMu.Lock()
		if b.sub != nil {
			b.sub.close()
		}
		b.shardMu.Unlock()
		<-b.subDone
		b.deliverMu.Lock()
		b.handOver(b.seq.releaseAll())
		b.deliverMu.Unlock()
	}
	return errors.Join(err, b.client.Close())
}

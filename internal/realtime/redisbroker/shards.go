package redisbroker

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"smartwait/internal/realtime"
)

var _ realtime.ShardFollower = (*Broker)(nil)

// The ways batches travel, as Status reports them.
const (
	modeSharded  = "sharded"  // SPUBLISH / SSUBSCRIBE (Redis 7 and later, Redis Cluster)
	modeChannels = "channels" // PUBLISH / SUBSCRIBE on the same channel names
)

// shardSub is one followed shard. ready is closed once the live subscription
// has confirmed its channel. explicit: the hub follows the shard itself;
// viaAll: it is followed as one of every shard (realtime.AllShards). The
// shard is unsubscribed when neither holds.
type shardSub struct {
	ready     chan struct{}
	confirmed bool
	explicit  bool
	viaAll    bool
}

// renew prepares s for a new subscription: waiters of an unconfirmed one keep
// waiting, now for the new confirmation.
func (s *shardSub) renew() {
	if s.confirmed {
		s.ready, s.confirmed = make(chan struct{}), false
	}
}

// channel returns the channel of shard's batches; "" (no shard) is the
// channel every instance follows.
func (b *Broker) channel(shard string) string {
	if shard == "" {
		return b.prefix + ":all"
	}
	return b.prefix + ":{" + shard + "}"
}

// shardOf is the inverse of channel for a shard's channel.
func (b *Broker) shardOf(channel string) (string, bool) {
	rest, ok := strings.CutPrefix(channel, b.prefix+":{")
	if !ok || !strings.HasSuffix(rest, "}") {
		return "", false
	}
	return rest[:len(rest)-1], true
}

// follows reports whether this instance delivers shard's batches to its hub.
// While following every shard, a shard it has not heard of (a line just
// created here) is followed from now on.
func (b *Broker) follows(shard string) bool {
	if shard == "" {
		return true
	}
	b.shardMu.Lock()
	defer b.shardMu.Unlock()
	if _, ok := b.shards[shard]; ok {
		return true
	}
	if !b.all {
		return false
	}
	b.add(shard, false)
	return true
}

// Follow implements realtime.ShardFollower.
func (b *Broker) Follow(ctx context.Context, shard string) error {
	if shard == realtime.AllShards {
		b.shardMu.Lock()
		b.all = true
		b.shardMu.Unlock()
		return b.followListed(ctx)
	}
	b.shardMu.Lock()
	ready := b.add(shard, true)
	b.shardMu.Unlock()
	return b.wait(ctx, ready)
}

// add follows shard (with shardMu held), explicitly or as one of every
// shard, and returns what to wait on for its confirmation.
func (b *Broker) add(shard string, explicit bool) <-chan struct{} {
	s := b.shards[shard]
	if s == nil {
		s = &shardSub{ready: make(chan struct{})}
		b.shards[shard] = s
		b.unconfirmed++
		b.queueCmd(true, shard)
	}
	if explicit {
		s.explicit = true
	} else {
		s.viaAll = true
	}
	return s.ready
}

// wait returns once ready is closed, at once while Redis is away (the
// resync on its return covers what was missed), or with ctx's error.
func (b *Broker) wait(ctx context.Context, ready <-chan struct{}) error {
	if !b.subscribed.Load() {
		return nil
	}
	select {
	case <-ready:
		return nil
	case <-ctx.Done():
		return errors.New("redisbroker: shard subscription not confirmed in time")
	}
}

// followListed follows every shard Options.Shards lists, and waits for them.
func (b *Broker) followListed(ctx context.Context) error {
	if b.listAll == nil {
		return nil
	}
	shards, err := b.listAll(ctx)
	if err != nil {
		return err
	}
	var waits []<-chan struct{}
	b.shardMu.Lock()
	if b.all {
		for _, sh := range shards {
			waits = append(waits, b.add(sh, false))
		}
	}
	b.shardMu.Unlock()
	for _, w := range waits {
		if err := b.wait(ctx, w); err != nil {
			return err
		}
	}
	return nil
}

// refresher reads the list of shards again now and then while every shard is
// followed, so that lines created on other instances are followed too.
func (b *Broker) refresher(ctx context.Context) {
	t := time.NewTicker(b.refresh)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		b.shardMu.Lock()
		all := b.all
		b.shardMu.Unlock()
		if !all {
			continue
		}
		lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		if err := b.followListed(lctx); err != nil && ctx.Err() == nil {
			b.log.Warn("could not refresh the list of shards", "err", err)
		}
		cancel()
	}
}

// Unfollow implements realtime.ShardFollower.
func (b *Broker) Unfollow(shard string) {
	b.shardMu.Lock()
	defer b.shardMu.Unlock()
	var gone []string
	if shard == realtime.AllShards {
		b.all = false
		for sh, s := range b.shards {
			if s.viaAll {
				s.viaAll = false
				if !s.explicit {
					gone = append(gone, sh)
				}
			}
		}
	} else if s := b.shards[shard]; s != nil {
		s.explicit = false
		if !s.viaAll {
			gone = append(gone, shard)
		}
	}
	slices.Sort(gone)
	for _, sh := range gone {
		if !b.shards[sh].confirmed {
			b.unconfirmed-- // its own reply (which follows) completes the subscription if it was the last
		}
		delete(b.shards, sh)
		b.queueCmd(false, sh)
	}
	if len(gone) > 0 {
		// What the sequencer held or knew of these shards' streams is
		// stale once nothing of them arrives: a later follow starts afresh.
		b.deliverMu.Lock()
		if b.handler != nil {
			b.handOver(b.seq.forget(gone))
		}
		b.deliverMu.Unlock()
	}
}

// shardCmd is one subscribe (or unsubscribe) command for a shard's channel.
type shardCmd struct {
	subscribe bool
	shard     string
}

// queueCmd queues a command for the commander, with shardMu held, so the
// commands reach Redis in the order the shard was followed and unfollowed.
// Nothing is queued while there is no live subscription: the next one
// subscribes to every followed shard.
func (b *Broker) queueCmd(subscribe bool, shard string) {
	if b.sub == nil {
		return
	}
	b.cmds = append(b.cmds, shardCmd{subscribe: subscribe, shard: shard})
	select {
	case b.cmdKick <- struct{}{}:
	default: // already kicked
	}
}

// commander sends the queued commands, in order, outside shardMu: writing
// to Redis (or redialling it) can take seconds, and shardMu is taken on the
// publish path of every queue operation (follows), which must never wait on
// Redis.
func (b *Broker) commander(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-b.cmdKick:
		}
		b.shardMu.Lock()
		cmds, ps := b.cmds, b.sub
		b.cmds = nil
		b.shardMu.Unlock()
		for _, c := range cmds {
			if ps != nil {
				b.send(ctx, ps, c)
			}
		}
	}
}

// send writes one command to ps. One command per channel: on Redis Cluster
// the channels of one SSUBSCRIBE must hash to one slot. A failed command
// fails ps, and the read loop subscribes again (so a failure of a
// subscription replaced meanwhile changes nothing).
func (b *Broker) send(ctx context.Context, ps *subscription, c shardCmd) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	err := ps.command(ctx, c.subscribe, b.channel(c.shard))
	b.shardMu.Lock()
	current := b.sub == ps
	b.shardMu.Unlock()
	if err != nil && current {
		b.setErr(err)
		b.log.Warn("redis subscribe command failed; retried with the subscription", "err", err)
	}
}

// confirmed marks a shard's subscription confirmed by Redis, releasing the
// Follow calls waiting for it. It returns an error when Redis ended the
// subscription of a followed shard by itself: Redis Cluster does that when
// the shard's slot moves to another node (resharding), and the broker must
// subscribe again where the slot is now. A followed shard whose own
// subscription is not yet confirmed is one followed again after an
// unfollow: its SUNSUBSCRIBE reply is the broker's own. complete: ps has
// now confirmed every followed shard, for the first time (see ready).
func (b *Broker) confirmed(ps *subscription, sub *redis.Subscription) (complete bool, err error) {
	if sub.Kind == "sunsubscribe" && sub.Channel == b.channel("") {
		// Never unsubscribed by the broker: the slot moved.
		return false, errors.New("redisbroker: redis ended the subscription of the all-instances channel (its slot moved); subscribing again")
	}
	shard, ok := b.shardOf(sub.Channel)
	if !ok {
		return false, nil
	}
	b.shardMu.Lock()
	defer b.shardMu.Unlock()
	if b.sub != ps {
		return false, nil
	}
	if s := b.shards[shard]; s != nil {
		switch sub.Kind {
		case "ssubscribe", "subscribe":
			if !s.confirmed {
				s.confirmed = true
				close(s.ready)
				b.unconfirmed--
			}
		case "sunsubscribe":
			if s.confirmed {
				return false, errors.New("redisbroker: redis ended the subscription of shard " + shard + " (its slot moved); subscribing again")
			}
		}
	}
	// Also for the reply of a shard unfollowed meanwhile: it may have been
	// the last one unconfirmed.
	if !b.subReady && b.unconfirmed == 0 {
		b.subReady = true
		return true, nil
	}
	return false, nil
}

func (b *Broker) setMode(m string) {
	b.shardMu.Lock()
	b.mode = m
	b.shardMu.Unlock()
}

func (b *Broker) currentMode() string {
	b.shardMu.Lock()
	defer b.shardMu.Unlock()
	return b.mode
}

// unknownCommand reports whether err is Redis refusing a command it does not
// know (SSUBSCRIBE before Redis 7).
func unknownCommand(err error) bool {
	var re redis.Error
	return errors.As(err, &re) && strings.Contains(strings.ToLower(err.Error()), "unknown command")
}

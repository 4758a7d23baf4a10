package redisbroker

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// conn is what the broker needs of its client besides subscriptions: a
// *redis.Client (one server) or a *redis.ClusterClient (which sends each
// SPUBLISH to the master owning its channel's slot, following redirects).
type conn interface {
	Publish(ctx context.Context, channel string, message any) *redis.IntCmd
	SPublish(ctx context.Context, channel string, message any) *redis.IntCmd
	Close() error
}

// router names the server that delivers channel's messages: its address
// (the key of its connection in a subscription) and a client for it.
type router func(ctx context.Context, channel string) (string, *redis.Client, error)

// singleRouter sends every channel to the one server.
func singleRouter(c *redis.Client) router {
	return func(context.Context, string) (string, *redis.Client, error) { return "", c, nil }
}

// clusterRouter sends a channel to the master owning its slot: on Redis
// Cluster a node delivers only the shard channels of its own slots, and
// refuses SSUBSCRIBE for others.
func clusterRouter(cc *redis.ClusterClient) router {
	return func(ctx context.Context, channel string) (string, *redis.Client, error) {
		c, err := cc.MasterForKey(ctx, channel)
		if err != nil {
			return "", nil, err
		}
		return c.Options().Addr, c, nil
	}
}

// subscription is the broker's live subscription: one pub/sub connection
// (a link) per server it subscribes on. A single server has one; on Redis
// Cluster there is one per master that owns the slot of a followed channel,
// so an instance connects only to the nodes of what its clients follow.
// Every link's messages arrive on in, each link's in the order its server
// sent them (one shard's batches travel on one link). The first link to
// fail, or a command to fail, fails the whole subscription: the broker then
// subscribes again from scratch and resyncs, as after any outage, rather
// than track which shards a half-broken subscription still carries.
//
// Subscribe and unsubscribe commands come from one goroutine at a time (the
// broker's commander, or the broker before the commander sees it).
type subscription struct {
	mode    string // modeSharded or modeChannels
	restore bool   // made after an outage: the handler resyncs once it is in place
	route   router
	in      chan any // messages and subscription replies of every link
	ctx     context.Context
	cancel  context.CancelFunc

	failOnce sync.Once
	failed   chan struct{} // closed with err set when the subscription broke
	err      error

	mu     sync.Mutex
	closed bool
	links  map[string]*redis.PubSub // by server address
	where  map[string]*redis.PubSub // channel → the link it was subscribed on
}

func newSubscription(mode string, route router) *subscription {
	s := &subscription{
		mode:   mode,
		route:  route,
		in:     make(chan any),
		failed: make(chan struct{}),
		links:  map[string]*redis.PubSub{},
		where:  map[string]*redis.PubSub{},
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s
}

// openSubscription subscribes to channel and waits for the server to
// confirm it: the first subscription of a broker proves Redis answers (and
// tells whether it has sharded pub/sub).
func openSubscription(ctx context.Context, mode string, route router, channel string) (*subscription, error) {
	s := newSubscription(mode, route)
	if err := s.command(ctx, true, channel); err != nil {
		s.close()
		return nil, err
	}
	select {
	case <-s.in: // the confirmation: a link's first reply is its first command's
		return s, nil
	case <-s.failed:
		s.close()
		return nil, s.err
	case <-ctx.Done():
		s.close()
		return nil, ctx.Err()
	}
}

// command subscribes to channel (on the link of the server that route
// names, opened on first use) or unsubscribes from it (on the link it was
// subscribed on). An error fails the subscription.
func (s *subscription) command(ctx context.Context, subscribe bool, channel string) error {
	if subscribe {
		addr, c, err := s.route(ctx, channel)
		if err != nil {
			s.fail(err)
			return err
		}
		s.mu.Lock()
		ps, known := s.links[addr]
		if !known && !s.closed {
			ps = c.Subscribe(ctx) // no channel yet: it connects on the first command
			s.links[addr] = ps
		}
		closed := s.closed
		s.mu.Unlock()
		if closed {
			return errors.New("redisbroker: subscription closed")
		}
		if s.mode == modeChannels {
			err = ps.Subscribe(ctx, channel)
		} else {
			err = ps.SSubscribe(ctx, channel)
		}
		if err != nil {
			s.fail(err)
			return err
		}
		s.mu.Lock()
		s.where[channel] = ps
		s.mu.Unlock()
		if !known {
			go s.reader(ps)
		}
		return nil
	}
	s.mu.Lock()
	ps := s.where[channel]
	delete(s.where, channel)
	s.mu.Unlock()
	if ps == nil {
		return nil // never subscribed on this subscription
	}
	var err error
	if s.mode == modeChannels {
		err = ps.Unsubscribe(ctx, channel)
	} else {
		err = ps.SUnsubscribe(ctx, channel)
	}
	if err != nil {
		s.fail(err)
	}
	return err
}

// reader passes ps's messages on until it fails. Between messages it
// pings, so a connection that silently stopped answering (a partition) is
// noticed too.
func (s *subscription) reader(ps *redis.PubSub) {
	pinged := false
	for {
		msg, err := ps.ReceiveTimeout(s.ctx, 3*time.Second)
		var ne interface{ Timeout() bool }
		if errors.As(err, &ne) && ne.Timeout() && s.ctx.Err() == nil {
			if pinged {
				s.fail(errors.New("redisbroker: no answer to ping"))
				return
			}
			if err := ps.Ping(s.ctx); err != nil {
				s.fail(err)
				return
			}
			pinged = true
			continue
		}
		if err != nil {
			s.fail(err)
			return
		}
		pinged = false
		if _, pong := msg.(*redis.Pong); pong {
			continue
		}
		select {
		case s.in <- msg:
		case <-s.failed:
			return
		}
	}
}

// fail records the first reason the subscription broke.
func (s *subscription) fail(err error) {
	s.failOnce.Do(func() {
		s.err = err
		close(s.failed)
	})
}

// close ends every link; it is idempotent. A read blocked in Redis does not
// watch its context: closing the link ends it.
func (s *subscription) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	s.fail(errors.New("redisbroker: subscription closed"))
	s.cancel()
	for _, ps := range s.links {
		ps.Close()
	}
}

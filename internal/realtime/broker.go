package realtime

import (
	"context"
	"errors"
)

// Broker carries batches between the instances of a deployment. Each instance
// publishes the batches of its own committed changes; every instance's Handler
// receives every batch, its own included, exactly once. Implementations: the
// in-process MemoryBroker and internal/realtime/redisbroker; both pass
// brokertest.RunBrokerTests.
type Broker interface {
	// Start begins delivering batches to h and returns once the subscription is
	// in place: every batch published (by any instance) after Start returns
	// reaches h. Batches reach h from one goroutine at a time, in the order
	// each instance published them. Start is called once, before Publish.
	Start(ctx context.Context, h Handler) error
	// Publish hands b to every instance. It never waits on the network or on a
	// handler: it queues b and returns, or returns an error (ErrClosed, or a
	// full outgoing queue) and drops b. The caller has already committed the
	// change and only logs the error. b must not be modified afterwards.
	Publish(b Batch) error
	// Status reports the broker's kind and state for /health.
	Status() BrokerStatus
	// Close sends what is still queued, waiting at most until ctx is done, then
	// stops delivery. Publish after Close returns ErrClosed. Close is idempotent.
	Close(ctx context.Context) error
}

// Handler receives what a Broker delivers. The Hub is the Handler in production.
type Handler interface {
	// Deliver receives one batch. It must not block.
	Deliver(b Batch)
	// Resync is called when the broker recovered from an outage during which
	// batches may have been lost: the handler tells its clients to fetch state
	// again.
	Resync(reason string)
}

// BrokerStatus is a broker's health.
type BrokerStatus struct {
	Kind   string `json:"kind"`   // "memory", "redis"
	Status string `json:"status"` // StatusOK, StatusDegraded or StatusDown
	Error  string `json:"error,omitempty"`
	// Mode is how batches travel: "local" (in process), "sharded" (Redis
	// SPUBLISH/SSUBSCRIBE, one channel per shard) or "channels" (the same
	// channels with PUBLISH/SUBSCRIBE, on a server without sharded pub/sub).
	Mode string `json:"mode,omitempty"`
	// Shards is how many shards the instance follows (receives) now; 0 for
	// a broker that does not shard.
	Shards int `json:"shards"`
}

// ShardFollower is a Broker that carries each batch only to the instances
// that follow its shard (Batch.Shard); the Hub tells it, through
// Config.Follower, which shards its subscribers need.
type ShardFollower interface {
	// Follow makes the instance receive shard's batches (AllShards: every
	// shard's). It returns once they flow, so a client that reads state
	// after joining misses nothing; when ctx ends first it returns ctx's
	// error and delivery still starts as soon as it can. While the broker
	// is away it returns at once: its Resync on return covers the gap.
	// Following a followed shard is cheap.
	Follow(ctx context.Context, shard string) error
	// Unfollow stops delivery of shard's batches. It does not wait.
	Unfollow(shard string)
}

// AllShards, given to Hub.Follow, follows every shard: the rooms that carry
// every line's events (staff, display, patients) need them all.
const AllShards = "*"

// The states a BrokerStatus reports.
const (
	StatusOK       = "ok"
	StatusDegraded = "degraded" // working, but batches may be delayed or lost
	StatusDown     = "down"
)

// ErrClosed is returned by Publish after Close.
var ErrClosed = errors.New("realtime: broker closed")

package redisbroker_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"smartwait/internal/queue"
	"smartwait/internal/realtime"
	"smartwait/internal/realtime/brokertest"
	"smartwait/internal/realtime/redisbroker"
)

// clusterURL returns REDIS_CLUSTER_URL_TEST (a Redis Cluster in go-redis's
// cluster URL form), or skips the test (fails it when
// SMARTWAIT_REQUIRE_INTEGRATION=1) when it is unset.
func clusterURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv("REDIS_CLUSTER_URL_TEST")
	if u == "" {
		if os.Getenv("SMARTWAIT_REQUIRE_INTEGRATION") == "1" {
			tb.Fatal("REDIS_CLUSTER_URL_TEST is unset but SMARTWAIT_REQUIRE_INTEGRATION=1: the Redis Cluster tests must run")
		}
		tb.Skip("set REDIS_CLUSTER_URL_TEST to a Redis Cluster (redis://host:port?addr=host:port2…) to run the cluster tests; `make test` does")
	}
	return u
}

// clusterClient is the test's own view of the cluster: which master owns
// which channel, and who subscribes there.
func clusterClient(tb testing.TB, url string) *redis.ClusterClient {
	tb.Helper()
	o, err := redis.ParseClusterURL(url)
	if err != nil {
		tb.Fatal(err)
	}
	cc := redis.NewClusterClient(o)
	tb.Cleanup(func() { cc.Close() })
	return cc
}

// master returns the address of the master owning channel's slot.
func master(tb testing.TB, cc *redis.ClusterClient, channel string) *redis.Client {
	tb.Helper()
	c, err := cc.MasterForKey(context.Background(), channel)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// shardChannel is the broker's channel for shard under prefix (its
// documented form: the shard is the hash tag).
func shardChannel(prefix, shard string) string { return prefix + ":{" + shard + "}" }

// subscribers returns how many clients the owning master counts on
// channel (PUBSUB SHARDNUMSUB): the proof that a broker subscribed on the
// right node.
func subscribers(tb testing.TB, cc *redis.ClusterClient, channel string) int64 {
	tb.Helper()
	n, err := master(tb, cc, channel).PubSubShardNumSub(context.Background(), channel).Result()
	if err != nil {
		tb.Fatal(err)
	}
	return n[channel]
}

// waitSubscribers polls until channel has want subscribers (a failure
// deadline: unsubscribing does not wait for Redis's reply).
func waitSubscribers(tb testing.TB, cc *redis.ClusterClient, channel string, want int64) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for subscribers(tb, cc, channel) != want {
		if time.Now().After(deadline) {
			tb.Fatalf("%s has %d subscribers on its master, want %d", channel, subscribers(tb, cc, channel), want)
		}
		time.Sleep(20 * time.Millisecond) // polling with a deadline, not synchronising
	}
}

// placedShards names shards by where their slots live: x and z on one
// master, y on another; wx (with x) and wy (with y) are for shards nobody
// follows. It fails unless the cluster has two masters.
type placedShards struct{ x, z, y, wx, wy string }

func placeShards(tb testing.TB, cc *redis.ClusterClient, prefix string) placedShards {
	tb.Helper()
	byMaster := map[string][]string{}
	var order []string
	for i := 0; i < 200; i++ {
		shard := fmt.Sprintf("clinic-%d", i)
		addr := master(tb, cc, shardChannel(prefix, shard)).Options().Addr
		if byMaster[addr] == nil {
			order = append(order, addr)
		}
		byMaster[addr] = append(byMaster[addr], shard)
	}
	if len(order) < 2 || len(byMaster[order[0]]) < 3 || len(byMaster[order[1]]) < 2 {
		tb.Fatalf("the cluster must have two masters with slots; shards by master: %v", byMaster)
	}
	one, two := byMaster[order[0]], byMaster[order[1]]
	return placedShards{x: one[0], z: one[1], wx: one[2], y: two[0], wy: two[1]}
}

// TestClusterShards runs two instances on a real Redis Cluster: each
// follows shards whose slots live on different masters and gets every batch
// of those, in order, from the master that owns it; nothing of a shard it
// does not follow; the shardless channel; and following again after an
// unfollow. A batch on a followed shard of the same master is the barrier
// for "nothing arrived": the master writes its subscribers' messages in the
// order one publisher sent them, on the one connection the instance holds.
func TestClusterShards(t *testing.T) {
	url := clusterURL(t)
	cc := clusterClient(t, url)
	prefix := "smartwait-test:cluster:" + queue.NewID()
	s := placeShards(t, cc, prefix)
	opts := redisbroker.Options{Channel: prefix}
	a, recA := startBroker(t, url, opts)
	b, recB := startBroker(t, url, opts)
	waitStatus(t, a, realtime.StatusOK)
	waitStatus(t, b, realtime.StatusOK)
	if st := b.Status(); st.Kind != "redis" || st.Mode != "sharded" || st.Shards != 0 {
		t.Fatalf("status on the cluster = %+v, want redis, sharded, 0 shards", st)
	}

	for _, sh := range []string{s.x, s.z, s.y} {
		follow(t, b, sh)
		if n := subscribers(t, cc, shardChannel(prefix, sh)); n != 1 {
			t.Fatalf("after B follows %s its master counts %d subscribers, want 1 (B, on the node owning the slot)", sh, n)
		}
	}
	if st := b.Status(); st.Shards != 3 {
		t.Errorf("status after following 3 shards = %+v", st)
	}

	// Every batch of the followed shards on both masters, in order; the
	// unfollowed shards' batches go out in between.
	const n = 30
	for v := int64(1); v <= n; v++ {
		for _, sh := range []string{s.x, s.y, s.wx, s.wy} {
			if err := a.Publish(shardBatch(sh, v)); err != nil {
				t.Fatal(err)
			}
		}
	}
	recB.WaitFor(t, "x and y 1..30 on B", func(bs []realtime.Batch, _ []string) bool {
		return countShard(bs, s.x) == n && countShard(bs, s.y) == n
	})
	for _, sh := range []string{s.x, s.y} {
		if got, want := fmt.Sprint(versions(recB.Batches(), sh)), fmt.Sprint(seq(1, n)); got != want {
			t.Errorf("B got shard %s versions %s, want %s", sh, got, want)
		}
	}
	// Barriers on the followed shard of each master: z (with x and wx) and y
	// (with wy). Once they are in, anything of wx and wy would be too.
	mustPublish(t, a, shardBatch(s.z, 1))
	mustPublish(t, a, shardBatch(s.y, n+1))
	recB.WaitFor(t, "the barriers z 1 and y 31", func(bs []realtime.Batch, _ []string) bool {
		return countShard(bs, s.z) == 1 && countShard(bs, s.y) == n+1
	})
	for _, sh := range []string{s.wx, s.wy} {
		if got := countShard(recB.Batches(), sh); got != 0 {
			t.Errorf("B got %d batches of shard %s, which it does not follow", got, sh)
		}
	}
	if got := len(recA.Batches()); got != 0 {
		t.Errorf("A follows nothing but delivered %d batches to its hub", got)
	}

	// The shardless channel reaches both instances, both ways.
	mustPublish(t, a, shardless("from-a"))
	mustPublish(t, b, shardless("from-b"))
	for name, rec := range map[string]*brokertest.Recorder{"A": recA, "B": recB} {
		rec.WaitFor(t, "both shardless batches on "+name, func(bs []realtime.Batch, _ []string) bool {
			return countShard(bs, "") == 2
		})
	}

	// Unfollowed: the master forgets B, and x's batches stop; following
	// again brings them back.
	b.Unfollow(s.x)
	waitSubscribers(t, cc, shardChannel(prefix, s.x), 0)
	mustPublish(t, a, shardBatch(s.x, n+1))
	mustPublish(t, a, shardBatch(s.z, 2))
	recB.WaitFor(t, "the barrier z 2", func(bs []realtime.Batch, _ []string) bool { return countShard(bs, s.z) == 2 })
	if got := countShard(recB.Batches(), s.x); got != n {
		t.Errorf("B has %d batches of %s after unfollowing it, want still %d", got, s.x, n)
	}
	follow(t, b, s.x)
	if got := subscribers(t, cc, shardChannel(prefix, s.x)); got != 1 {
		t.Errorf("after following %s again its master counts %d subscribers, want 1", s.x, got)
	}
	mustPublish(t, a, shardBatch(s.x, 1)) // the stream afresh, as after a resync
	recB.WaitFor(t, "x again after following it again", func(bs []realtime.Batch, _ []string) bool {
		return countShard(bs, s.x) == n+1
	})
	if got := len(recB.Resyncs()); got != 0 {
		t.Errorf("B resynced %d times (%v); the cluster never went away", got, recB.Resyncs())
	}
}

// TestBrokerRedisCluster runs the broker conformance suite on Redis Cluster.
func TestBrokerRedisCluster(t *testing.T) {
	brokertest.RunBrokerTests(t, cluster(clusterURL))
}

func seq(from, to int64) []int64 {
	var out []int64
	for v := from; v <= to; v++ {
		out = append(out, v)
	}
	return out
}

func shardless(id string) realtime.Batch {
	m := realtime.Batch{}
	m.Add("staff", "note", map[string]string{"id": id})
	return m
}

func mustPublish(tb testing.TB, b *redisbroker.Broker, batch realtime.Batch) {
	tb.Helper()
	if err := b.Publish(batch); err != nil {
		tb.Fatal(err)
	}
}

// TestClusterSlotMoves moves the slot of a shard an instance follows to
// another master, as resharding does: Redis ends the instance's
// subscription of it (SUNSUBSCRIBE from the server), and the broker
// subscribes again where the slot lives now, tells its clients to resync,
// and gets the shard's batches from the new master. The slot moves back at
// the end, for the other tests.
func TestClusterSlotMoves(t *testing.T) {
	url := clusterURL(t)
	cc := clusterClient(t, url)
	ctx := context.Background()
	prefix := "smartwait-test:cluster:" + queue.NewID()
	const shard = "moving"
	ch := shardChannel(prefix, shard)
	slot, err := cc.ClusterKeySlot(ctx, ch).Result()
	if err != nil {
		t.Fatal(err)
	}
	from := master(t, cc, ch)
	var to *redis.Client
	for i := 0; to == nil && i < 200; i++ {
		if c := master(t, cc, fmt.Sprint("key-", i)); c.Options().Addr != from.Options().Addr {
			to = c
		}
	}
	if to == nil {
		t.Fatalf("no second master to move slot %d to", slot)
	}
	move := func(src, dst *redis.Client) {
		t.Helper()
		srcID, dstID := src.ClusterMyID(ctx).Val(), dst.ClusterMyID(ctx).Val()
		// The order redis-cli uses: importing on the destination, migrating
		// on the source, then the new owner on the destination and the source.
		steps := []struct {
			on   *redis.Client
			args []any
		}{
			{dst, []any{"cluster", "setslot", slot, "importing", srcID}},
			{src, []any{"cluster", "setslot", slot, "migrating", dstID}},
			{dst, []any{"cluster", "setslot", slot, "node", dstID}},
			{src, []any{"cluster", "setslot", slot, "node", dstID}},
		}
		for _, s := range steps {
			if err := s.on.Do(ctx, s.args...).Err(); err != nil {
				t.Fatalf("%v on %s: %v", s.args, s.on.Options().Addr, err)
			}
		}
	}

	opts := redisbroker.Options{Channel: prefix}
	a, _ := startBroker(t, url, opts)
	b, recB := startBroker(t, url, opts)
	waitStatus(t, a, realtime.StatusOK)
	waitStatus(t, b, realtime.StatusOK)
	follow(t, b, shard)
	mustPublish(t, a, shardBatch(shard, 1))
	recB.WaitFor(t, "the shard's first batch", func(bs []realtime.Batch, _ []string) bool { return countShard(bs, shard) == 1 })

	move(from, to)
	t.Cleanup(func() { move(to, from) })
	recB.WaitFor(t, "a resync after the slot moved", func(_ []realtime.Batch, rs []string) bool { return len(rs) >= 1 })
	waitStatus(t, b, realtime.StatusOK)
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := to.PubSubShardNumSub(ctx, ch).Result()
		if err == nil && n[ch] == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("B never subscribed to %s on its new master %s: %v %v", ch, to.Options().Addr, n, err)
		}
		time.Sleep(20 * time.Millisecond) // polling with a deadline, not synchronising
	}
	mustPublish(t, a, shardBatch(shard, 1)) // the stream afresh after the resync
	recB.WaitFor(t, "the shard's batch from its new master", func(bs []realtime.Batch, _ []string) bool {
		return countShard(bs, shard) == 2
	})
}

// TestClusterFailover promotes the replica of the master that carries a
// followed shard (CLUSTER FAILOVER, as an operator or a failed master
// causes): Redis ends the instance's subscription there, and the instance
// subscribes again, resyncs, and gets the shard's batches again. The roles
// swap back at the end.
func TestClusterFailover(t *testing.T) {
	url := clusterURL(t)
	cc := clusterClient(t, url)
	prefix := "smartwait-test:cluster:" + queue.NewID()
	const shard = "failing"
	ch := shardChannel(prefix, shard)
	old := master(t, cc, ch)
	replica := replicaOf(t, old)
	opts := redisbroker.Options{Channel: prefix}
	a, _ := startBroker(t, url, opts)
	b, recB := startBroker(t, url, opts)
	waitStatus(t, a, realtime.StatusOK)
	waitStatus(t, b, realtime.StatusOK)
	follow(t, b, shard)
	mustPublish(t, a, shardBatch(shard, 1))
	recB.WaitFor(t, "the shard's first batch", func(bs []realtime.Batch, _ []string) bool { return countShard(bs, shard) == 1 })

	takeOver(t, replica, old)
	t.Cleanup(func() {
		takeOver(t, old, replica)
		// The next tests start when the cluster is as it was: the replica
		// follows its master again.
		waitInSync(t, replica)
	})
	recB.WaitFor(t, "a resync after the failover", func(_ []realtime.Batch, rs []string) bool { return len(rs) >= 1 })
	waitStatus(t, b, realtime.StatusOK)
	// A's publisher finds the new master by itself (MOVED); the publish that
	// meets the switch may fail, so publish until B has one (each a version 1:
	// the stream afresh after the resync).
	deadline := time.Now().Add(20 * time.Second)
	for countShard(recB.Batches(), shard) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("B got nothing of %s from its new master", shard)
		}
		a.Publish(shardBatch(shard, 1))
		time.Sleep(100 * time.Millisecond) // polling with a deadline, not synchronising
	}
}

// takeOver promotes replica promote in place of its master demote at once
// (CLUSTER FAILOVER TAKEOVER: no election, which masters refuse to hold
// again for twice the node timeout after the last, and the tests swap the
// roles back at their end).
func takeOver(tb testing.TB, promote, demote *redis.Client) {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	asked := time.Time{}
	for !isMaster(promote) || isMaster(demote) {
		if time.Now().After(deadline) {
			tb.Fatalf("%s never took over from %s", promote.Options().Addr, demote.Options().Addr)
		}
		if time.Since(asked) > 5*time.Second && !isMaster(promote) {
			if err := promote.Do(context.Background(), "cluster", "failover", "takeover").Err(); err != nil {
				tb.Fatalf("CLUSTER FAILOVER TAKEOVER on %s: %v", promote.Options().Addr, err)
			}
			asked = time.Now()
		}
		time.Sleep(50 * time.Millisecond) // polling with a deadline, not synchronising
	}
}

// replicaOf returns a client of m's replica.
func replicaOf(tb testing.TB, m *redis.Client) *redis.Client {
	tb.Helper()
	ctx := context.Background()
	id, err := m.ClusterMyID(ctx).Result()
	if err != nil {
		tb.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		lines, err := m.Do(ctx, "cluster", "replicas", id).StringSlice()
		if err == nil && len(lines) > 0 {
			// "<id> <ip:port@bus> slave <master id> …"
			fields := strings.Fields(lines[0])
			addr, _, _ := strings.Cut(fields[1], "@")
			o := *m.Options()
			o.Addr = addr
			c := redis.NewClient(&o)
			tb.Cleanup(func() { c.Close() })
			return c
		}
		if time.Now().After(deadline) {
			tb.Fatalf("master %s has no replica: %v %v", m.Options().Addr, lines, err)
		}
		time.Sleep(50 * time.Millisecond) // polling with a deadline, not synchronising
	}
}

func isMaster(c *redis.Client) bool {
	info, err := c.Info(context.Background(), "replication").Result()
	return err == nil && strings.Contains(info, "role:master")
}

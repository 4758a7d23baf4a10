package redisbroker_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"smartwait/internal/queue"
	"smartwait/internal/realtime"
	"smartwait/internal/realtime/brokertest"
	"smartwait/internal/realtime/redisbroker"
)

// servers are the Redis servers the shard tests run against: a real one
// (sharded pub/sub), miniredis (no SSUBSCRIBE: plain channels per shard) and
// a Redis Cluster (sharded pub/sub, each shard on the master owning its slot).
var servers = map[string]struct {
	url  func(testing.TB) string
	mode string
}{
	"redis":     {redisURL, "sharded"},
	"miniredis": {func(tb testing.TB) string { return "redis://" + miniredis.RunT(tb).Addr() + "/0" }, "channels"},
	"cluster":   {clusterURL, "sharded"},
}

// shardCluster starts brokers sharing one channel prefix on url.
func shardCluster(t *testing.T, url string, opts redisbroker.Options) func() (*redisbroker.Broker, *brokertest.Recorder) {
	opts.Channel = "smartwait-test:shards:" + queue.NewID()
	return func() (*redisbroker.Broker, *brokertest.Recorder) {
		b, rec := startBroker(t, url, opts)
		waitStatus(t, b, realtime.StatusOK)
		return b, rec
	}
}

func shardBatch(shard string, version int64) realtime.Batch {
	b := realtime.Batch{Shard: shard, Stream: shard, Version: version}
	b.Add("display_"+shard, "queue_update", map[string]any{"version": version})
	return b
}

// marker publishes a batch with no shard (every instance gets it) and waits
// until rec has it: whatever a publisher sent before it has arrived by then,
// since one instance's batches reach Redis in order.
func marker(t *testing.T, from *redisbroker.Broker, rec *brokertest.Recorder, id string) {
	t.Helper()
	m := realtime.Batch{}
	m.Add("staff", "marker", map[string]string{"id": id})
	if err := from.Publish(m); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, "marker "+id, func(bs []realtime.Batch, _ []string) bool {
		for _, b := range bs {
			if len(b.Messages) == 1 && b.Messages[0].Event == "marker" && string(b.Messages[0].Data) == `{"id":"`+id+`"}` {
				return true
			}
		}
		return false
	})
}

func countShard(bs []realtime.Batch, shard string) int {
	n := 0
	for _, b := range bs {
		if b.Shard == shard {
			n++
		}
	}
	return n
}

func follow(t *testing.T, b *redisbroker.Broker, shard string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := b.Follow(ctx, shard); err != nil {
		t.Fatalf("Follow(%q): %v", shard, err)
	}
}

// TestShards: an instance gets only the shards it follows; following one
// makes its batches flow from then on, in order; unfollowing stops them; the
// status says how batches travel and how many shards are followed.
func TestShards(t *testing.T) {
	for name, srv := range servers {
		t.Run(name, func(t *testing.T) {
			start := shardCluster(t, srv.url(t), redisbroker.Options{})
			a, recA := start()
			b, recB := start()
			if st := b.Status(); st.Mode != srv.mode || st.Shards != 0 {
				t.Errorf("status before following = %+v, want mode %s and 0 shards", st, srv.mode)
			}

			// Not followed: nothing arrives, neither on B nor locally on A.
			for v := int64(1); v <= 3; v++ {
				if err := a.Publish(shardBatch("lab", v)); err != nil {
					t.Fatal(err)
				}
			}
			marker(t, a, recB, "1")
			if n := countShard(recB.Batches(), "lab"); n != 0 {
				t.Errorf("B follows nothing but received %d batches of shard lab", n)
			}
			if n := countShard(recA.Batches(), "lab"); n != 0 {
				t.Errorf("A follows nothing but delivered %d batches of shard lab to its hub", n)
			}

			// Followed: every later batch flows, in order.
			follow(t, b, "lab")
			follow(t, b, "lab") // a second follower of the shard: harmless
			if st := b.Status(); st.Shards != 1 {
				t.Errorf("status after following lab = %+v, want 1 shard", st)
			}
			for v := int64(4); v <= 40; v++ {
				if err := a.Publish(shardBatch("lab", v)); err != nil {
					t.Fatal(err)
				}
			}
			recB.WaitFor(t, "lab 4..40 on B", func(bs []realtime.Batch, _ []string) bool { return countShard(bs, "lab") == 37 })
			want := int64(4)
			for _, bt := range recB.Batches() {
				if bt.Shard != "lab" {
					continue
				}
				if bt.Version != want {
					t.Fatalf("B got lab version %d, want %d (order kept)", bt.Version, want)
				}
				want++
			}

			// Another shard B does not follow stays away, while lab flows.
			if err := a.Publish(shardBatch("xray", 1)); err != nil {
				t.Fatal(err)
			}
			marker(t, a, recB, "2")
			if n := countShard(recB.Batches(), "xray"); n != 0 {
				t.Errorf("B received %d batches of shard xray, which it does not follow", n)
			}

			// Unfollowed: nothing more arrives.
			b.Unfollow("lab")
			if st := b.Status(); st.Shards != 0 {
				t.Errorf("status after unfollowing = %+v, want 0 shards", st)
			}
			if err := a.Publish(shardBatch("lab", 41)); err != nil {
				t.Fatal(err)
			}
			marker(t, a, recB, "3")
			if n := countShard(recB.Batches(), "lab"); n != 37 {
				t.Errorf("B has %d lab batches after unfollowing, want still 37", n)
			}
		})
	}
}

// TestShardOrderTwoPublishers: two instances commit changes of the same two
// lines in turn (each line's versions alternate between them); a third that
// follows both lines gets each line's batches complete and in version order.
//
// They commit in rounds, the third instance getting each round before the
// next starts: the sequencer waits HoldGap for a version still on its way,
// so one publisher may run ahead of the other by that much and no more, as
// instances whose commits take a round trip each do. Hundreds of batches
// queued at once on a loaded machine let one publisher's queue drain
// further ahead than that.
func TestShardOrderTwoPublishers(t *testing.T) {
	for name, srv := range servers {
		t.Run(name, func(t *testing.T) {
			start := shardCluster(t, srv.url(t), redisbroker.Options{})
			a, _ := start()
			c, _ := start()
			b, recB := start()
			follow(t, b, "one")
			follow(t, b, "two")
			const rounds, perRound = 10, 20 // batches per publisher per round
			var mu sync.Mutex               // one commit at a time per line, as the row lock makes it
			next := map[string]int64{"one": 1, "two": 1}
			for r := 1; r <= rounds; r++ {
				var wg sync.WaitGroup
				for _, pub := range []*redisbroker.Broker{a, c} {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := 0; i < perRound; i++ {
							shard := []string{"one", "two"}[i%2]
							mu.Lock()
							v := next[shard]
							next[shard]++
							err := pub.Publish(shardBatch(shard, v))
							mu.Unlock()
							if err != nil {
								t.Error(err)
								return
							}
						}
					}()
				}
				wg.Wait()
				recB.WaitFor(t, fmt.Sprintf("every batch of both lines up to round %d", r), func(bs []realtime.Batch, _ []string) bool {
					return countShard(bs, "one")+countShard(bs, "two") == 2*perRound*r
				})
			}
			last := map[string]int64{}
			for _, bt := range recB.Batches() {
				if bt.Version != last[bt.Shard]+1 {
					t.Fatalf("line %s: version %d after %d", bt.Shard, bt.Version, last[bt.Shard])
				}
				last[bt.Shard] = bt.Version
			}
		})
	}
}

// TestAllShards: following realtime.AllShards follows every shard the lister
// names, and a shard this instance publishes to first (a line created here).
func TestAllShards(t *testing.T) {
	for name, srv := range servers {
		t.Run(name, func(t *testing.T) {
			list := func(context.Context) ([]string, error) { return []string{"main", "lab"}, nil }
			start := shardCluster(t, srv.url(t), redisbroker.Options{Shards: list})
			a, _ := start()
			b, recB := start()
			follow(t, b, realtime.AllShards)
			if st := b.Status(); st.Shards != 2 {
				t.Errorf("status following every shard = %+v, want the 2 listed", st)
			}
			if err := a.Publish(shardBatch("main", 1)); err != nil {
				t.Fatal(err)
			}
			if err := a.Publish(shardBatch("lab", 1)); err != nil {
				t.Fatal(err)
			}
			recB.WaitFor(t, "both listed shards", func(bs []realtime.Batch, _ []string) bool {
				return countShard(bs, "main") == 1 && countShard(bs, "lab") == 1
			})
			if err := b.Publish(shardBatch("new", 1)); err != nil {
				t.Fatal(err)
			}
			recB.WaitFor(t, "its own batch of a new shard", func(bs []realtime.Batch, _ []string) bool { return countShard(bs, "new") == 1 })
			b.Unfollow(realtime.AllShards)
			if st := b.Status(); st.Shards != 0 {
				t.Errorf("status after unfollowing every shard = %+v, want 0", st)
			}
		})
	}
}

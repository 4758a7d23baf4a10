package realtime_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"smartwait/internal/realtime"
)

// follower records what the hub asks of its broker.
type follower struct {
	mu    sync.Mutex
	calls []string // "+shard" per Follow, "-shard" per Unfollow
}

func (f *follower) Follow(_ context.Context, shard string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "+"+shard)
	return nil
}

func (f *follower) Unfollow(shard string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "-"+shard)
}

func (f *follower) log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// waitCalls polls until the follower's log is want (a failure deadline).
func waitCalls(t *testing.T, f *follower, want ...string) {
	t.Helper()
	deadline := time.Now().Add(failAfter)
	for !slices.Equal(f.log(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("broker calls %v, want %v", f.log(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestFollow: the broker is asked to follow a shard for each subscriber that
// follows it, and to unfollow it once, UnfollowAfter after the last one left
// — unless a subscriber follows it again meanwhile. The shard's replay buffer
// goes with it.
func TestFollow(t *testing.T) {
	f := &follower{}
	hub := realtime.NewHub(realtime.Config{Follower: f, UnfollowAfter: 50 * time.Millisecond})
	t.Cleanup(hub.Close)
	ctx := context.Background()

	a := hub.Subscribe("test", newSink().send, nil)
	b := hub.Subscribe("test", newSink().send, nil)
	if err := hub.Follow(ctx, a, "lab", "lab"); err != nil {
		t.Fatal(err)
	}
	hub.Follow(ctx, b, "lab")
	waitCalls(t, f, "+lab", "+lab")
	if n, idle := hub.FollowedShards(); n != 1 || idle != 0 {
		t.Errorf("FollowedShards = %d, %d; want 1, 0", n, idle)
	}

	batch := realtime.Batch{Shard: "lab", Stream: "lab", Version: 1}
	batch.Add("display_lab", "queue_update", map[string]int{"v": 1})
	hub.Deliver(batch)
	hub.Sync()
	if st := hub.Stats(); st.ReplayMessages != 1 {
		t.Fatalf("replay holds %d messages, want 1", st.ReplayMessages)
	}

	a.Close()
	b.Close()
	if _, idle := hub.FollowedShards(); idle != 1 {
		t.Errorf("idle shards after the last subscriber left = %d, want 1", idle)
	}
	// Back within UnfollowAfter: still followed, nothing unfollowed.
	c := hub.Subscribe("test", newSink().send, nil)
	hub.Follow(ctx, c, "lab")
	time.Sleep(100 * time.Millisecond) // longer than UnfollowAfter: proves no unfollow fires
	if got := f.log(); slices.Contains(got, "-lab") {
		t.Fatalf("lab unfollowed while a subscriber follows it again: %v", got)
	}
	c.Close()
	waitCalls(t, f, "+lab", "+lab", "+lab", "-lab")
	eventually(t, func() bool { return hub.Stats().ReplayMessages == 0 }, "the unfollowed shard's replay buffer was kept")

	// A closed subscriber follows nothing.
	d := hub.Subscribe("test", newSink().send, nil)
	d.Close()
	hub.Follow(ctx, d, "xray")
	if n, _ := hub.FollowedShards(); n != 0 {
		t.Errorf("a closed subscriber's follow counted: %d shards", n)
	}
}

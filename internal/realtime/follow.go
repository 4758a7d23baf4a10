package realtime

import (
	"context"
	"errors"
	"time"
)

// DefaultUnfollowAfter is how long the hub keeps following a shard after its
// last subscriber left. A page reload, or a phone that drops off Wi-Fi for a
// moment, comes back within it and finds the shard (and its replay buffer)
// still there; an instance whose clients really left stops receiving the
// shard's traffic a minute later.
const DefaultUnfollowAfter = time.Minute

// follows is the hub's record of which shards its subscribers follow. Its
// fields are guarded by Hub.followMu.
type follows struct {
	count map[string]int        // shard → subscribers following it
	idle  map[string]*idleShard // shards with no subscriber, waiting to be unfollowed
}

// idleShard is one wait before unfollowing; like the sequencer's hold, the
// timer passes it back so a stale firing can be told from the current one.
type idleShard struct{ t *time.Timer }

// Follow makes s follow shards: this instance receives their batches while any
// of its subscribers follows them (Config.Follower), and about UnfollowAfter
// after the last one is gone. It returns once the broker delivers them (or ctx
// ends), so a transport calls it before it answers a join or reads the state
// it sends first. Without a Follower (one instance, the in-memory broker:
// every batch reaches every hub) it does nothing. A closed subscriber follows
// nothing. s keeps following until it is removed from the hub.
func (h *Hub) Follow(ctx context.Context, s *Subscriber, shards ...string) error {
	f := h.cfg.Follower
	if f == nil {
		return nil
	}
	var fresh []string
	h.followMu.Lock()
	h.mu.RLock()
	_, open := h.subs[s]
	h.mu.RUnlock()
	if open {
		for _, sh := range shards {
			if _, ok := s.following[sh]; ok || sh == "" {
				continue
			}
			if s.following == nil {
				s.following = map[string]struct{}{}
			}
			s.following[sh] = struct{}{}
			h.follows.count[sh]++
			if w := h.follows.idle[sh]; w != nil {
				w.t.Stop()
				delete(h.follows.idle, sh)
			}
			fresh = append(fresh, sh)
		}
	}
	h.followMu.Unlock()
	// The broker is asked outside followMu: its Follow may wait a round trip
	// to Redis, and other subscribers' joins must not queue behind it. It is
	// asked for every subscriber (not only the first of a shard), so each
	// waits until the shard's subscription is confirmed.
	var err error
	for _, sh := range fresh {
		err = errors.Join(err, f.Follow(ctx, sh))
	}
	return err
}

// unfollowAll releases the shards of s, which has left the hub.
func (h *Hub) unfollowAll(s *Subscriber) {
	if h.cfg.Follower == nil {
		return
	}
	h.followMu.Lock()
	defer h.followMu.Unlock()
	for sh := range s.following {
		h.follows.count[sh]--
		if h.follows.count[sh] > 0 {
			continue
		}
		delete(h.follows.count, sh)
		h.mu.RLock()
		closed := h.closed
		h.mu.RUnlock()
		if closed {
			continue
		}
		w := &idleShard{}
		w.t = time.AfterFunc(h.cfg.UnfollowAfter, func() { h.expireShard(sh, w) })
		h.follows.idle[sh] = w
	}
	s.following = nil
}

// expireShard unfollows shard when w is still its current wait: nobody came
// back to it. The shard's replay buffers go too — they would miss what is
// published while nobody here follows it, and a buffer with a hole must not
// be replayed from.
func (h *Hub) expireShard(shard string, w *idleShard) {
	h.followMu.Lock()
	if h.follows.idle[shard] != w || h.follows.count[shard] > 0 {
		h.followMu.Unlock()
		return
	}
	delete(h.follows.idle, shard)
	// Under followMu, so that a Follow of the shard right after this
	// reaches the broker after the Unfollow, not before.
	h.cfg.Follower.Unfollow(shard)
	h.followMu.Unlock()
	h.dropShardReplay(shard)
}

// dropShardReplay forgets the replay buffers of shard's streams.
func (h *Hub) dropShardReplay(shard string) {
	h.deliverMu.Lock()
	defer h.deliverMu.Unlock()
	for stream, rg := range h.replay {
		if rg.shard == shard {
			h.replayMessages.Add(-int64(rg.count))
			h.replayBytes.Add(-int64(rg.bytes))
			delete(h.replay, stream)
		}
	}
}

// FollowedShards returns how many shards the hub's subscribers follow now,
// and how many more it still follows for a while after their last subscriber
// left.
func (h *Hub) FollowedShards() (followed, idle int) {
	h.followMu.Lock()
	defer h.followMu.Unlock()
	return len(h.follows.count), len(h.follows.idle)
}

// stopFollowing cancels the pending unfollows (the hub is closing).
func (h *Hub) stopFollowing() {
	h.followMu.Lock()
	defer h.followMu.Unlock()
	for sh, w := range h.follows.idle {
		w.t.Stop()
		delete(h.follows.idle, sh)
	}
}

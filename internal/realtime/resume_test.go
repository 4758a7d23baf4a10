package realtime_test

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"smartwait/internal/realtime"
)

// streamBatch is batch v of stream st: one message for "staff" and one for room.
func streamBatch(st string, v int64, room string) realtime.Batch {
	b := realtime.Batch{Stream: st, Version: v}
	b.Add("staff", "ev", v)
	b.Add(room, "ev", v)
	return b
}

// TestJoinFromReplaysPerStream: each stream named in since resumes from its
// own version; only the joined rooms' messages come, stream by stream and in
// order, before the next live message, to inline and queued subscribers
// alike; streams the buffer cannot resume are reported missing.
func TestJoinFromReplaysPerStream(t *testing.T) {
	tests := []struct {
		name        string
		since       map[string]int64
		limit       int
		wantIDs     string
		wantMissing string
	}{
		{"no since", nil, 0, "[live]", "[]"},
		{"both lines", map[string]int64{"a": 1, "b": 2}, 0, "[a:2-2 a:3-2 b:3-2 live]", "[]"},
		{"up to date", map[string]int64{"a": 3, "b": 3}, 0, "[live]", "[]"},
		{"one line only", map[string]int64{"b": 1}, 0, "[b:2-2 b:3-2 live]", "[]"},
		{"evicted", map[string]int64{"a": 0, "b": 2}, 0, "[b:3-2 live]", "[a]"},
		{"ahead", map[string]int64{"a": 9}, 0, "[live]", "[a]"},
		{"unknown stream", map[string]int64{"zz": 1, "a": 2}, 0, "[a:3-2 live]", "[zz]"},
		{"over the limit", map[string]int64{"a": 1, "b": 1}, 3, "[a:2-2 a:3-2 live]", "[b]"},
	}
	for _, tt := range tests {
		for _, inline := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/inline=%v", tt.name, inline), func(t *testing.T) {
				// Stream a keeps 4 messages: batches 2 and 3, so version 0
				// (batch 1 unseen) cannot resume.
				h := realtime.NewHub(realtime.Config{ReplaySize: 4})
				defer h.Close()
				for v := int64(1); v <= 3; v++ {
					h.Deliver(streamBatch("a", v, "x"))
					h.Deliver(streamBatch("b", v, "x"))
				}
				h.Sync()
				k := &batchSink{}
				var s *realtime.Subscriber
				if inline {
					s = h.SubscribeInline("test", k.send, nil)
				} else {
					s, _, _ = h.SubscribeFrom("sse", nil, "")
				}
				defer s.Close()
				missing := h.JoinFrom(s, []string{"x"}, tt.since, tt.limit)
				if fmt.Sprint(missing) != tt.wantMissing && !(len(missing) == 0 && tt.wantMissing == "[]") {
					t.Errorf("missing = %v, want %v", missing, tt.wantMissing)
				}
				h.Deliver(realtime.Batch{Messages: []realtime.Message{{Room: "x", Event: "ev", ID: "live"}}})
				h.Sync()
				var ids []string
				if inline {
					k.mu.Lock()
					for _, c := range k.calls {
						for _, e := range c {
							ids = append(ids, strings.TrimPrefix(e, "ev@"))
						}
					}
					k.mu.Unlock()
				} else {
					for _, m := range pull(t, s, strings.Count(tt.wantIDs, " ")+1) {
						ids = append(ids, m.ID)
					}
				}
				if fmt.Sprint(ids) != tt.wantIDs {
					t.Errorf("got %v, want %v", ids, tt.wantIDs)
				}
			})
		}
	}
}

// TestJoinFromRacesPublishing: while batches are delivered without pause,
// subscribers join from the version they last saw; each gets every later
// batch exactly once and in order — the replay and the live messages meet
// with no gap and no repeat. Run with -race.
func TestJoinFromRacesPublishing(t *testing.T) {
	h := realtime.NewHub(realtime.Config{})
	defer h.Close()
	const batches, joiners = 400, 20
	// seen is the newest version a witness subscriber got: a version the
	// hub has delivered, so one a client may have seen.
	var seen atomic.Int64
	w := h.SubscribeInline("test", func(ms []realtime.Message) error {
		seen.Store(ms[len(ms)-1].Version)
		return nil
	}, nil)
	h.Join(w, "x")
	defer w.Close()

	type joiner struct {
		from int64
		k    *batchSink
	}
	js := make([]joiner, joiners)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for v := int64(1); v <= batches; v++ {
			h.Deliver(streamBatch("q", v, "x"))
		}
	}()
	for i := range js {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seen.Load() < int64(1+i*batches/joiners/2) {
				h.Sync() // wait for the publisher to get that far
			}
			js[i].k = &batchSink{}
			s := h.SubscribeInline("test", js[i].k.send, nil)
			js[i].from = seen.Load()
			if missing := h.JoinFrom(s, []string{"x"}, map[string]int64{"q": js[i].from}, 0); len(missing) > 0 {
				t.Errorf("joiner %d: cannot resume from %d", i, js[i].from)
			}
		}()
	}
	wg.Wait()
	h.Sync()
	for i, j := range js {
		j.k.mu.Lock()
		var got []string
		for _, c := range j.k.calls {
			got = append(got, c...)
		}
		j.k.mu.Unlock()
		var want []string
		for v := j.from + 1; v <= batches; v++ {
			want = append(want, fmt.Sprintf("ev@q:%d-2", v))
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("joiner %d from %d: got %d messages %v…, want %d", i, j.from, len(got), got[:min(3, len(got))], len(want))
		}
	}
}

package realtime_test

import (
	"fmt"
	"testing"

	"smartwait/internal/realtime"
)

func TestHubReplay(t *testing.T) {
	rooms := []string{"display"}
	tests := []struct {
		name     string
		versions []int64 // batches delivered, each with a display and a staff message
		last     string
		wantOK   bool
		wantIDs  string
	}{
		{"no last id", []int64{1, 2}, "", false, "[]"},
		{"garbage", []int64{1, 2}, "abc", false, "[]"},
		{"mid batch", []int64{1, 2, 3}, "2-1", true, "[2-3 3-1 3-3]"},
		{"end of batch", []int64{1, 2, 3}, "2-3", true, "[3-1 3-3]"},
		{"snapshot id", []int64{1, 2, 3}, "1", true, "[2-1 2-3 3-1 3-3]"},
		{"just before first kept", []int64{5, 6}, "4", true, "[5-1 5-3 6-1 6-3]"},
		{"up to date", []int64{1, 2}, "2-3", true, "[]"},
		{"too old", []int64{5, 6}, "3-1", false, "[]"},
		{"ahead of us", []int64{1, 2}, "9-1", false, "[]"},
		{"gap forgets older", []int64{1, 2, 7, 8}, "2-1", false, "[]"},
		{"after gap", []int64{1, 2, 7, 8}, "7-3", true, "[8-1 8-3]"},
		{"other stream", []int64{1, 2}, "q2:1-1", false, "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := realtime.NewHub(realtime.Config{})
			for _, v := range tt.versions {
				h.Deliver(batchOf(v, "display", "staff", "display"))
			}
			h.Sync()
			s, msgs, ok := h.SubscribeFrom("sse", rooms, tt.last)
			defer s.Close()
			var ids []string
			for _, m := range msgs {
				ids = append(ids, m.ID)
			}
			if ok != tt.wantOK || fmt.Sprint(ids) != tt.wantIDs {
				t.Errorf("replay = %v, %v; want %v, %v", ids, ok, tt.wantIDs, tt.wantOK)
			}
			// Live messages follow the replay without a gap.
			h.Deliver(batchOf(100, "display"))
			if got := pull(t, s, 1); got[0].ID != "100-1" {
				t.Errorf("live message id = %q, want 100-1", got[0].ID)
			}
		})
	}
}

func TestHubReplayIsBounded(t *testing.T) {
	h := realtime.NewHub(realtime.Config{ReplaySize: 10})
	for v := int64(1); v <= 20; v++ {
		h.Deliver(batchOf(v, "display", "display"))
	}
	h.Sync()
	if _, _, ok := h.SubscribeFrom("sse", []string{"display"}, "5-2"); ok {
		t.Error("replay from an evicted version succeeded")
	}
	_, msgs, ok := h.SubscribeFrom("sse", []string{"display"}, "16-2")
	if !ok || len(msgs) != 8 {
		t.Errorf("replay from 16-2 = %d messages, %v; want 8, true", len(msgs), ok)
	}
}

func TestIDs(t *testing.T) {
	tests := []struct {
		stream string
		v      int64
		n      int
		want   string
	}{
		{realtime.DefaultStream, 7, 3, "7-3"},
		{realtime.DefaultStream, 7, 0, "7"},
		{"q2", 12, 1, "q2:12-1"},
	}
	for _, tt := range tests {
		id := realtime.FormatID(tt.stream, tt.v, tt.n)
		p, ok := realtime.ParseID(id)
		if id != tt.want || !ok || p.Stream != tt.stream || p.Version != tt.v || p.N != tt.n {
			t.Errorf("FormatID(%q,%d,%d) = %q, parsed %+v %v", tt.stream, tt.v, tt.n, id, p, ok)
		}
	}
	for _, bad := range []string{"", "x", "-1", "1-", "1-0", "1-x", ":1-1", "default:1-1", "1-1-1"} {
		if p, ok := realtime.ParseID(bad); ok {
			t.Errorf("ParseID(%q) = %+v, want invalid", bad, p)
		}
	}
}

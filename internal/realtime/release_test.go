package realtime_test

import (
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"time"
	"weak"

	"smartwait/internal/realtime"
)

// bigBatch is a batch of one queue change whose staff queue_refresh carries
// payload (shared, so a test can make hundreds without allocating them).
func bigBatch(v int64, payload []byte) realtime.Batch {
	b := realtime.Batch{Stream: realtime.DefaultStream, Version: v}
	b.Add("staff", "queue_update", map[string]any{"type": "patient_completed"})
	b.Messages = append(b.Messages, realtime.Message{
		Room: "staff", Event: "queue_refresh", Data: payload,
		ID: realtime.FormatID(b.Stream, v, len(b.Messages)+1),
	})
	b.Add("patient_"+fmt.Sprint("p", v), "position_update", map[string]any{"status": "completed"})
	b.Add("patients", "queue_update", map[string]any{"type": "patient_completed"})
	b.Add("display", "queue_update", map[string]any{"type": "patient_completed"})
	return b
}

// jsonOf returns a JSON string value of about n bytes.
func jsonOf(n int) []byte { return []byte(`"` + strings.Repeat("x", n-2) + `"`) }

// TestHubReplayBoundedByBytes: the replay buffer is bounded by size as well as
// by message count, keeps whole contiguous batches, and always keeps the
// newest batch.
func TestHubReplayBoundedByBytes(t *testing.T) {
	tests := []struct {
		name        string
		bound       int
		payload     int // queue_refresh size
		batches     int64
		wantMaxKept int // bytes the buffer may hold afterwards
	}{
		{"many batches, small bound", 64 << 10, 8 << 10, 100, 64 << 10},
		{"one batch larger than the bound", 16 << 10, 40 << 10, 5, 41 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := realtime.NewHub(realtime.Config{ReplayBytes: tt.bound})
			defer h.Close()
			payload := jsonOf(tt.payload)
			for v := int64(1); v <= tt.batches; v++ {
				h.Deliver(bigBatch(v, payload))
			}
			h.Sync()
			st := h.Stats()
			if st.ReplayBytes <= 0 || st.ReplayBytes > tt.wantMaxKept {
				t.Errorf("replay holds %d bytes, want 1..%d", st.ReplayBytes, tt.wantMaxKept)
			}
			if st.ReplayMessages%5 != 0 || st.ReplayMessages == 0 {
				t.Errorf("replay holds %d messages, want whole batches of 5", st.ReplayMessages)
			}
			kept := int64(st.ReplayMessages / 5)
			staff := []string{"staff"}
			// Resuming inside the oldest kept batch works; before it, it does not.
			first := tt.batches - kept + 1
			if _, msgs, ok := h.SubscribeFrom("sse", staff, realtime.FormatID(realtime.DefaultStream, first, 1)); !ok || len(msgs) != int(2*kept-1) {
				t.Errorf("resume in batch %d: %d messages, %v; want %d, true", first, len(msgs), ok, 2*kept-1)
			}
			if first > 1 {
				if _, _, ok := h.SubscribeFrom("sse", staff, realtime.FormatID(realtime.DefaultStream, first-1, 1)); ok {
					t.Errorf("resume in evicted batch %d succeeded", first-1)
				}
			}
		})
	}
}

// TestHubReplayStaysSmallOnABusyQueue is the regression test for the memory a
// `smartwait load` run left behind: cancelling 2,000 patients one by one
// publishes a queue_refresh of the whole queue (≈440 bytes a ticket) in a
// batch of about five messages each time, and a replay buffer bounded only by
// its 4,096 messages kept ~800 such batches (here, with a 600-ticket queue,
// 227 MB). With the default bounds it holds at most ReplayBytes.
func TestHubReplayStaysSmallOnABusyQueue(t *testing.T) {
	h := realtime.NewHub(realtime.Config{})
	defer h.Close()
	payload := jsonOf(270 << 10)
	for v := int64(1); v <= 1000; v++ {
		h.Deliver(bigBatch(v, payload))
	}
	h.Sync()
	st := h.Stats()
	if st.ReplayBytes > 4<<20 {
		t.Errorf("replay holds %d bytes (%d messages), want at most 4 MiB", st.ReplayBytes, st.ReplayMessages)
	}
	if st.ReplayMessages == 0 {
		t.Error("replay holds nothing")
	}
}

// TestHubReleasesEvictedPayloads checks the memory itself, not the hub's
// accounting: once a batch has left the replay buffer, nothing in the hub
// keeps its payload reachable.
func TestHubReleasesEvictedPayloads(t *testing.T) {
	h := realtime.NewHub(realtime.Config{ReplayBytes: 64 << 10})
	defer h.Close()
	first := deliverTracked(h, 1)
	for v := int64(2); v <= 20; v++ {
		h.Deliver(bigBatch(v, jsonOf(16<<10)))
	}
	h.Sync()
	runtime.GC()
	runtime.GC()
	if first.Value() != nil {
		t.Error("the payload of an evicted batch is still reachable")
	}
	if st := h.Stats(); st.ReplayBytes > 64<<10 {
		t.Errorf("replay holds %d bytes, want at most 64 KiB", st.ReplayBytes)
	}
}

// deliverTracked delivers batch v with a fresh payload and returns a weak
// pointer to that payload.
func deliverTracked(h *realtime.Hub, v int64) weak.Pointer[[16 << 10]byte] {
	p := new([16 << 10]byte)
	copy(p[:], jsonOf(len(p)))
	h.Deliver(bigBatch(v, p[:]))
	return weak.Make(p)
}

// TestHubReleasesSubscribersAndRooms: however a subscriber ends, it leaves the
// hub and its rooms; a room with no members is deleted, so per-patient rooms do
// not pile up over a day.
func TestHubReleasesSubscribersAndRooms(t *testing.T) {
	const n = 200
	panicky := func(realtime.Message) error { panic("transport broke") }
	slow := func(realtime.Message) error { return realtime.ErrSlow }
	tests := []struct {
		name string
		add  func(h *realtime.Hub, i int) *realtime.Subscriber
		end  func(h *realtime.Hub, subs []*realtime.Subscriber)
	}{
		{"socket closed by its transport",
			func(h *realtime.Hub, i int) *realtime.Subscriber { return h.Subscribe("socketio", newSink().send, nil) },
			func(h *realtime.Hub, subs []*realtime.Subscriber) {
				for _, s := range subs {
					s.Close()
				}
			}},
		{"SSE stream ended",
			func(h *realtime.Hub, i int) *realtime.Subscriber {
				s, _, _ := h.SubscribeFrom("sse", []string{"patients"}, "")
				return s
			},
			func(h *realtime.Hub, subs []*realtime.Subscriber) {
				for _, s := range subs {
					s.Close()
				}
			}},
		{"queue full", // BufferSize 1 below: the second message overflows
			func(h *realtime.Hub, i int) *realtime.Subscriber {
				s, _, _ := h.SubscribeFrom("sse", nil, "")
				return s
			},
			func(h *realtime.Hub, subs []*realtime.Subscriber) {
				h.Deliver(batchOf(1, "patients", "patients"))
			}},
		{"send panicked",
			func(h *realtime.Hub, i int) *realtime.Subscriber { return h.Subscribe("socketio", panicky, nil) },
			func(h *realtime.Hub, subs []*realtime.Subscriber) { h.Deliver(batchOf(1, "patients")) }},
		{"transport reported slow",
			func(h *realtime.Hub, i int) *realtime.Subscriber { return h.Subscribe("socketio", slow, nil) },
			func(h *realtime.Hub, subs []*realtime.Subscriber) { h.Deliver(batchOf(1, "patients")) }},
		{"hub closed",
			func(h *realtime.Hub, i int) *realtime.Subscriber { return h.Subscribe("socketio", newSink().send, nil) },
			func(h *realtime.Hub, subs []*realtime.Subscriber) { h.Close() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := realtime.NewHub(realtime.Config{BufferSize: 1, Log: slog.New(slog.DiscardHandler)})
			defer h.Close()
			subs := make([]*realtime.Subscriber, n)
			for i := range subs {
				subs[i] = tt.add(h, i)
				h.Join(subs[i], "patient_"+fmt.Sprint(i))
				h.Join(subs[i], "patients")
			}
			if st := h.Stats(); st.Subscribers != n || st.Rooms != n+1 {
				t.Fatalf("before: %d subscribers in %d rooms, want %d in %d", st.Subscribers, st.Rooms, n, n+1)
			}
			tt.end(h, subs)
			for _, s := range subs {
				waitDone(t, s)
			}
			// A join that arrives after the end (a slow patient lookup) is ignored.
			h.Join(subs[0], "patient_"+"late")
			st := h.Stats()
			if st.Subscribers != 0 || st.Rooms != 0 {
				t.Errorf("after: %d subscribers in %d rooms, want none", st.Subscribers, st.Rooms)
			}
			for transport, c := range st.Connections {
				if c != 0 {
					t.Errorf("after: %d %s connections counted, want 0", c, transport)
				}
			}
		})
	}
}

func waitDone(tb testing.TB, s *realtime.Subscriber) {
	tb.Helper()
	select {
	case <-s.Done():
	case <-time.After(failAfter):
		tb.Fatalf("subscriber still open")
	}
}

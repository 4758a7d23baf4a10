package realtime_test

import (
	"sync/atomic"
	"testing"

	"smartwait/internal/realtime"
)

// TestEncodedOncePerMessage: a message fanned out to many push subscribers is
// encoded once per key, not once per subscriber; a replayed message, which
// the replay buffer keeps without encodings, is encoded where it is used.
func TestEncodedOncePerMessage(t *testing.T) {
	const n = 50
	h := realtime.NewHub(realtime.Config{})
	defer h.Close()
	type key struct{}
	var encodes atomic.Int64
	encode := func(m realtime.Message) any { encodes.Add(1); return string(m.Data) }
	sinks := make([]*sink, n)
	for i := range sinks {
		sinks[i] = newSink()
		send := sinks[i].send
		s := h.Subscribe("socketio", func(m realtime.Message) error {
			if got := m.Encoded(key{}, encode); got != string(m.Data) {
				t.Errorf("Encoded = %v, want %s", got, m.Data)
			}
			return send(m)
		}, nil)
		h.Join(s, "patients")
	}
	b := realtime.Batch{Stream: realtime.DefaultStream, Version: 1}
	b.Add("patients", "queue_update", map[string]int{"queueLength": 1})
	b.Add("patients", "queue_update", map[string]int{"queueLength": 2})
	h.Deliver(b)
	for _, k := range sinks {
		k.wait(t, 2)
	}
	if got := encodes.Load(); got != 2 {
		t.Errorf("%d encodings for 2 messages to %d subscribers, want 2", got, n)
	}

	_, replay, ok := h.SubscribeFrom("sse", []string{"patients"}, "0")
	if !ok || len(replay) != 2 {
		t.Fatalf("replay ok=%v, %d messages; want 2", ok, len(replay))
	}
	replay[0].Encoded(key{}, encode)
	replay[0].Encoded(key{}, encode)
	if got := encodes.Load(); got != 4 {
		t.Errorf("%d encodings after encoding a replayed message twice, want 4: the replay buffer must not keep encodings", got)
	}
}

// TestCloseSlowCountsAsSlow: a transport whose own buffer overflowed closes
// its subscriber as slow, which the hub counts and reports to onClose.
func TestCloseSlowCountsAsSlow(t *testing.T) {
	h := realtime.NewHub(realtime.Config{})
	defer h.Close()
	closed := make(chan string, 1)
	s := h.Subscribe("socketio", newSink().send, func(r string) { closed <- r })
	s.CloseSlow()
	if r := <-closed; r != realtime.ReasonSlow {
		t.Errorf("onClose reason %q, want %q", r, realtime.ReasonSlow)
	}
	if st := h.Stats(); st.Dropped[realtime.ReasonSlow] != 1 || st.Subscribers != 0 {
		t.Errorf("stats %+v, want one slow drop and no subscriber", st)
	}
}

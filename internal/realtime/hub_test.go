package realtime_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"smartwait/internal/realtime"
)

// failAfter is a failure deadline for waits, never a timing assertion.
const failAfter = 10 * time.Second

// waitClosedSlow waits for a subscriber's onClose, which the hub runs on its own
// goroutine after counting the drop, and checks it was dropped as slow.
func waitClosedSlow(t *testing.T, closed <-chan string) {
	t.Helper()
	select {
	case r := <-closed:
		if r != realtime.ReasonSlow {
			t.Errorf("onClose reason = %q, want %q", r, realtime.ReasonSlow)
		}
	case <-time.After(failAfter):
		t.Fatal("slow subscriber was not dropped: onClose did not run")
	}
}

// sink is a push-mode send function that records messages.
type sink struct {
	mu      sync.Mutex
	msgs    []realtime.Message
	changed chan struct{}
}

func newSink() *sink { return &sink{changed: make(chan struct{})} }

func (k *sink) send(m realtime.Message) error {
	k.mu.Lock()
	k.msgs = append(k.msgs, m)
	close(k.changed)
	k.changed = make(chan struct{})
	k.mu.Unlock()
	return nil
}

func (k *sink) wait(tb testing.TB, n int) []realtime.Message {
	tb.Helper()
	deadline := time.After(failAfter)
	for {
		k.mu.Lock()
		got, ch := append([]realtime.Message(nil), k.msgs...), k.changed
		k.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-ch:
		case <-deadline:
			tb.Fatalf("timed out: have %d messages, want %d", len(got), n)
		}
	}
}

// pull reads n messages from a pull-mode subscriber.
func pull(tb testing.TB, s *realtime.Subscriber, n int) []realtime.Message {
	tb.Helper()
	var got []realtime.Message
	deadline := time.After(failAfter)
	for len(got) < n {
		got = append(got, s.Take()...)
		if len(got) >= n {
			break
		}
		select {
		case <-s.Ready():
		case <-s.Done():
			tb.Fatalf("subscriber closed (%s) after %d of %d messages", s.Reason(), len(got), n)
		case <-deadline:
			tb.Fatalf("timed out: have %d messages, want %d", len(got), n)
		}
	}
	return got
}

func batchOf(version int64, rooms ...string) realtime.Batch {
	b := realtime.Batch{Stream: realtime.DefaultStream, Version: version}
	for _, r := range rooms {
		b.Add(r, "ev", map[string]any{"room": r, "version": version})
	}
	return b
}

func TestHubRoutesByRoom(t *testing.T) {
	h := realtime.NewHub(realtime.Config{})
	staff, pat, other := newSink(), newSink(), newSink()
	s1 := h.Subscribe("socketio", staff.send, nil)
	s2 := h.Subscribe("socketio", pat.send, nil)
	s3 := h.Subscribe("sse", other.send, nil)
	h.Join(s1, "staff")
	h.Join(s2, "patient_"+"p1")
	h.Join(s2, "patients")
	h.Join(s3, "patients")
	h.Leave(s3, "patients")
	h.Join(s3, "display")

	h.Deliver(batchOf(1, "staff", "patients", "patient_"+"p1", "patient_"+"p2", "display"))

	rooms := func(ms []realtime.Message) (out []string) {
		for _, m := range ms {
			out = append(out, m.Room+"#"+m.ID)
		}
		return out
	}
	tests := []struct {
		name string
		k    *sink
		want []string
	}{
		{"staff", staff, []string{"staff#1-1"}},
		{"patient", pat, []string{"patients#1-2", "patient_p1#1-3"}},
		{"display", other, []string{"display#1-5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := rooms(tt.k.wait(t, len(tt.want)))
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	// A marker batch sent to every room proves nothing else was queued before it.
	h.Deliver(batchOf(2, "staff", "patients", "display"))
	for _, tt := range tests {
		if got := tt.k.wait(t, len(tt.want)+1); len(got) != len(tt.want)+1 || got[len(got)-1].Version != 2 {
			t.Errorf("%s: got %v after the marker, want exactly the marker", tt.name, rooms(got))
		}
	}
	h.Sync()
	if st := h.Stats(); st.Connections["socketio"] != 2 || st.Connections["sse"] != 1 || st.Rooms != 4 || st.Published != 8 {
		t.Errorf("Stats = %+v, want 2 socketio, 1 sse, 4 rooms, 8 published", st)
	}
}

func TestHubDropsSlowSubscriberWithoutWaiting(t *testing.T) {
	const buffer = 8
	h := realtime.NewHub(realtime.Config{BufferSize: buffer})
	block := make(chan struct{})
	defer close(block)
	entered := make(chan struct{}, 1)
	closed := make(chan string, 1)
	slow := h.Subscribe("socketio", func(realtime.Message) error {
		select {
		case entered <- struct{}{}:
		default:
		}
		<-block // a client that never reads
		return nil
	}, func(reason string) { closed <- reason })
	fast := newSink()
	ok := h.Subscribe("socketio", fast.send, nil)
	h.Join(slow, "patients")
	h.Join(ok, "patients")

	h.Deliver(batchOf(1, "patients"))
	<-entered // the writer is now stuck in send with message 1
	// buffer more fill the queue; the next one overflows it. Deliver returns
	// every time although the slow subscriber never reads: this test would hang
	// otherwise. The fast one keeps up (it is waited for here, by the test).
	for v := int64(2); v <= buffer+2; v++ {
		fast.wait(t, int(v-1))
		h.Deliver(batchOf(v, "patients"))
	}
	waitClosedSlow(t, closed)
	<-slow.Done()
	if got := fast.wait(t, buffer+2); len(got) != buffer+2 {
		t.Errorf("fast subscriber got %d messages, want %d", len(got), buffer+2)
	}
	if h.InRoom(slow, "patients") {
		t.Error("dropped subscriber is still in its room")
	}
	st := h.Stats()
	if st.Dropped[realtime.ReasonSlow] != 1 || st.Connections["socketio"] != 1 {
		t.Errorf("Stats = %+v, want 1 slow drop and 1 socketio connection", st)
	}
}

// A queued subscriber whose queue overflows in the middle of one batch is
// dropped once, and the batch's later messages skip it; the others get them
// all.
func TestHubDropsSlowSubscriberOnceInOneBatch(t *testing.T) {
	const buffer = 4
	h := realtime.NewHub(realtime.Config{BufferSize: buffer})
	block := make(chan struct{})
	defer close(block)
	// onClose runs on its own goroutine after Done closes: count the calls
	// through a channel and wait for the first instead of reading a counter.
	closes := make(chan string, 4)
	slow := h.Subscribe("sse", func(realtime.Message) error { <-block; return nil },
		func(r string) { closes <- r })
	fast := newSink() // inline: a queue of buffer would overflow too
	ok := h.SubscribeInline("socketio", func(ms []realtime.Message) error {
		for _, m := range ms {
			fast.send(m)
		}
		return nil
	}, nil)
	h.Join(slow, "patients")
	h.Join(ok, "patients")

	const n = 5 * buffer
	b := realtime.Batch{Stream: realtime.DefaultStream, Version: 1}
	for i := range n {
		b.Add("patients", "ev", map[string]any{"i": i})
	}
	h.Deliver(b)
	select {
	case <-slow.Done():
	case <-time.After(failAfter):
		t.Fatal("slow subscriber was not dropped")
	}
	if got := fast.wait(t, n); len(got) != n {
		t.Errorf("fast subscriber got %d messages, want %d", len(got), n)
	}
	waitClosedSlow(t, closes)
	if st := h.Stats(); st.Dropped[realtime.ReasonSlow] != 1 || len(closes) != 0 {
		t.Errorf("%d slow drops, %d more closes; want 1 and 0", st.Dropped[realtime.ReasonSlow], len(closes))
	}
}

func TestHubDropsPanickingSubscriber(t *testing.T) {
	h := realtime.NewHub(realtime.Config{})
	closed := make(chan string, 1)
	bad := h.Subscribe("socketio", func(realtime.Message) error { panic("transport exploded") }, func(r string) { closed <- r })
	good := newSink()
	g := h.Subscribe("sse", good.send, nil)
	h.Join(bad, "staff")
	h.Join(g, "staff")
	h.Deliver(batchOf(1, "staff"))
	h.Deliver(batchOf(2, "staff"))
	if r := <-closed; r != realtime.ReasonFailed {
		t.Errorf("reason = %q, want %q", r, realtime.ReasonFailed)
	}
	if got := good.wait(t, 2); len(got) != 2 {
		t.Errorf("healthy subscriber got %d messages, want 2", len(got))
	}
}

func TestHubKeepsOrderUnderConcurrency(t *testing.T) {
	h := realtime.NewHub(realtime.Config{BufferSize: 100000})
	const subscribers, batches = 20, 500
	sinks := make([]*sink, subscribers)
	for i := range sinks {
		sinks[i] = newSink()
		s := h.Subscribe("socketio", sinks[i].send, nil)
		h.Join(s, "patients")
		h.Join(s, "patient_"+fmt.Sprint(i))
	}
	var wg sync.WaitGroup
	// Churn: other subscribers join, leave and close while batches flow.
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				s := h.Subscribe("sse", func(realtime.Message) error { return nil }, nil)
				h.Join(s, "patients")
				h.Join(s, "patient_"+fmt.Sprint(w*1000+i))
				if i%2 == 0 {
					h.Leave(s, "patients")
				}
				s.Close()
				_ = h.Stats()
			}
		}()
	}
	for v := int64(1); v <= batches; v++ {
		h.Deliver(batchOf(v, "patients", "patient_"+fmt.Sprint(v%subscribers)))
	}
	wg.Wait()
	for i, k := range sinks {
		want := batches + batches/subscribers
		got := k.wait(t, want)
		if len(got) != want {
			t.Fatalf("subscriber %d got %d messages, want %d", i, len(got), want)
		}
		var last int64
		for _, m := range got {
			if m.Version < last {
				t.Fatalf("subscriber %d: version %d after %d", i, m.Version, last)
			}
			last = m.Version
		}
	}
}

func TestHubResync(t *testing.T) {
	h := realtime.NewHub(realtime.Config{Now: func() time.Time { return time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC) }})
	h.Deliver(batchOf(1, "display"))
	h.Sync()
	k := newSink()
	h.Subscribe("socketio", k.send, nil) // in no room: still told to resync
	s, _, _ := h.SubscribeFrom("sse", []string{"display"}, "")
	h.Resync("redis reconnected")
	h.Sync()
	for _, got := range [][]realtime.Message{k.wait(t, 1), pull(t, s, 1)} {
		var p map[string]string
		if err := json.Unmarshal(got[0].Data, &p); err != nil || got[0].Event != realtime.EventResync || p["type"] != "resync" || p["timestamp"] != "2026-11-28T09:00:00.000Z" {
			t.Errorf("got %s %s (%v), want a resync event", got[0].Event, got[0].Data, err)
		}
	}
	if _, _, ok := h.SubscribeFrom("sse", nil, "1-1"); ok {
		t.Error("replay survived a resync")
	}
}

func TestHubDropsSubscriberReportingSlow(t *testing.T) {
	h := realtime.NewHub(realtime.Config{})
	closed := make(chan string, 1)
	s := h.Subscribe("socketio", func(realtime.Message) error { return realtime.ErrSlow }, func(r string) { closed <- r })
	h.Join(s, "staff")
	h.Deliver(batchOf(1, "staff"))
	if r := <-closed; r != realtime.ReasonSlow {
		t.Errorf("reason = %q, want %q", r, realtime.ReasonSlow)
	}
}

func TestHubClose(t *testing.T) {
	h := realtime.NewHub(realtime.Config{})
	closed := make(chan string, 1)
	h.Subscribe("socketio", func(realtime.Message) error { return nil }, func(r string) { closed <- r })
	h.Close()
	if r := <-closed; r != realtime.ReasonHub {
		t.Errorf("reason = %q, want %q", r, realtime.ReasonHub)
	}
	late := h.Subscribe("sse", nil, nil)
	select {
	case <-late.Done():
	default:
		t.Error("subscriber added after Close is open")
	}
}

func TestHubMetrics(t *testing.T) {
	h := realtime.NewHub(realtime.Config{})
	s := h.Subscribe("socketio", func(realtime.Message) error { return nil }, nil)
	h.Join(s, "staff")
	b := realtime.Batch{Stream: realtime.DefaultStream, Version: 1}
	b.Add("staff", "new_patient", map[string]string{})
	b.Add("staff", "queue_update", map[string]string{})
	h.Deliver(b)
	h.Sync()
	reg := prometheus.NewRegistry()
	reg.MustRegister(h)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			key := f.GetName()
			for _, l := range m.GetLabel() {
				key += "{" + l.GetValue() + "}"
			}
			got[key] = m.GetGauge().GetValue() + m.GetCounter().GetValue()
		}
	}
	want := map[string]float64{
		"smartwait_realtime_connections{socketio}":                1,
		"smartwait_realtime_events_published_total{new_patient}":  1,
		"smartwait_realtime_events_published_total{queue_update}": 1,
		"smartwait_realtime_rooms":                                1,
		"smartwait_realtime_replay_bytes":                         float64(h.Stats().ReplayBytes),
	}
	if got["smartwait_realtime_replay_bytes"] <= 0 {
		t.Errorf("smartwait_realtime_replay_bytes = %v, want the size of the kept batch", got["smartwait_realtime_replay_bytes"])
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
}

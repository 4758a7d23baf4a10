package web

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"smartwait/api/apitest"
	"smartwait/internal/events"
	"smartwait/internal/queue"
	"smartwait/internal/realtime"
)

// roomRecorder is a hub subscriber that keeps every message it receives.
type roomRecorder struct {
	mu   sync.Mutex
	msgs []realtime.Message
}

func (r *roomRecorder) send(m realtime.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, m)
	return nil
}

func (r *roomRecorder) all() []realtime.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]realtime.Message(nil), r.msgs...)
}

// waitCount polls until the recorder holds n messages, failing after a deadline.
func (r *roomRecorder) waitCount(tb testing.TB, n int) []realtime.Message {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		msgs := r.all()
		if len(msgs) >= n {
			return msgs
		}
		if time.Now().After(deadline) {
			tb.Fatalf("got %d messages, want %d", len(msgs), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestDriftedEstimatesReachThePatients is issue 11's scenario: 55 s after a
// call-next with 2-minute visits, GET /api/position quotes less than the
// patients' last position_update. One drift tick must make every waiting
// patient's last position_update equal what REST quotes, and a second tick
// with nothing changed must send nothing. The public rooms get nothing.
func TestDriftedEstimatesReachThePatients(t *testing.T) {
	var drift *events.Drift
	bus := realtime.NewMemoryBus()
	hub := realtime.NewHub(realtime.Config{})
	t.Cleanup(hub.Close)
	broker := bus.Broker()
	h := newHarness(t, func(d *Deps) {
		d.Queue.Config.Estimator.Prior = 2 * time.Minute
		d.Queue.Publisher = &Events{Broker: broker, Log: d.Log}
		d.Realtime = Realtime{Hub: hub, Broker: broker}
		drift = &events.Drift{Queues: d.Queue, Next: hub, Now: d.Now, Log: d.Log}
		if err := broker.Start(t.Context(), drift); err != nil {
			t.Fatal(err)
		}
	})

	ids := make([]string, 3)
	for i := range ids {
		ids[i] = h.checkIn("Patient "+string(rune('A'+i)), phone(i))
	}
	patients := &roomRecorder{}
	sub := hub.Subscribe("test", patients.send, nil)
	public := &roomRecorder{}
	pub := hub.Subscribe("test", public.send, nil)
	for _, id := range ids {
		hub.Join(sub, events.PatientRoom(id))
	}
	hub.Join(pub, events.RoomPatients)
	hub.Join(pub, events.RoomDisplay)

	h.asStaff("POST", "/api/staff/call-next", `{"room":"1"}`).want(t, 200)
	// The call-next batch: patient_called + position_update for A, a
	// position_update and a get_ready each for B and C.
	patients.waitCount(t, 6)

	lastUpdate := func(id string) map[string]any {
		t.Helper()
		var last map[string]any
		for _, m := range patients.all() {
			if m.Room == events.PatientRoom(id) && m.Event == events.PositionUpdate {
				if err := json.Unmarshal(m.Data, &last); err != nil {
					t.Fatal(err)
				}
			}
		}
		return last
	}
	rest := func(id string) map[string]any {
		t.Helper()
		res := h.do("GET", "/api/position/"+id, "")
		res.want(t, 200)
		return res.Body["data"].(map[string]any)
	}
	fields := []string{"position", "estimatedWait", "estimatedWaitLow", "estimatedWaitHigh", "status"}
	agree := func(id string) bool {
		t.Helper()
		ev, now := lastUpdate(id), rest(id)
		for _, f := range fields {
			if ev[f] != now[f] {
				return false
			}
		}
		return true
	}

	h.clock.Add(56 * time.Second)
	// Without a push the rooms and REST disagree (the bug), for both waiting patients.
	for _, id := range ids[1:] {
		if agree(id) {
			t.Fatalf("patient %s: REST %v and the last event %v already agree; the scenario does not drift", id, rest(id), lastUpdate(id))
		}
	}

	before := len(patients.all())
	n, err := drift.Tick(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("first tick sent %d position_updates, want 2 (the waiting patients)", n)
	}
	msgs := patients.waitCount(t, before+2)
	chk, err := apitest.Shared()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs[before:] {
		if m.Event != events.PositionUpdate || m.ID != "" {
			t.Errorf("drift push %s id %q: want a position_update without an id", m.Event, m.ID)
		}
		if err := chk.Event(m.Event, m.Data); err != nil {
			t.Errorf("API document mismatch: %v", err)
		}
	}
	for _, id := range ids[1:] {
		ev, now := lastUpdate(id), rest(id)
		for _, f := range fields {
			if ev[f] != now[f] {
				t.Errorf("patient %s: %s is %v in the last position_update, %v over REST", id, f, ev[f], now[f])
			}
		}
	}

	// Nothing moved by a minute since: the second tick sends nothing.
	h.clock.Add(5 * time.Second)
	if n, err := drift.Tick(t.Context()); err != nil || n != 0 {
		t.Fatalf("second tick sent %d (err %v), want 0", n, err)
	}
	hub.Sync()
	if got := len(patients.all()); got != before+2 {
		t.Errorf("after the second tick the patients have %d messages, want %d", got, before+2)
	}

	for _, m := range public.all() {
		for _, id := range ids {
			if strings.Contains(string(m.Data), id) {
				t.Errorf("public room %s got a patient id: %s", m.Room, m.Data)
			}
		}
		if m.Event == events.PositionUpdate {
			t.Errorf("public room %s got a position_update", m.Room)
		}
	}
}

// readThenChange reads the queue, then lets a change commit and reach the hub
// before the read is returned: the race of a tick with a call-next.
type readThenChange struct {
	events.QueueReader
	change func()
}

func (r readThenChange) Queue(ctx context.Context, id string) ([]queue.Entry, int64, error) {
	entries, v, err := r.QueueReader.Queue(ctx, id)
	if r.change != nil {
		r.change()
	}
	return entries, v, err
}

// TestDriftNeverPushesOlderThanAChange: a tick that read the queue before a
// change whose batch was passed on first drops its push, so a patient never
// gets an older estimate after a newer one; the next tick sends it.
func TestDriftNeverPushesOlderThanAChange(t *testing.T) {
	var drift *events.Drift
	var svc events.QueueReader
	bus := realtime.NewMemoryBus()
	hub := realtime.NewHub(realtime.Config{})
	t.Cleanup(hub.Close)
	broker := bus.Broker()
	h := newHarness(t, func(d *Deps) {
		d.Queue.Config.Estimator.Prior = 2 * time.Minute
		d.Queue.Publisher = &Events{Broker: broker, Log: d.Log}
		d.Realtime = Realtime{Hub: hub, Broker: broker}
		svc = d.Queue
		drift = &events.Drift{Queues: d.Queue, Next: hub, Now: d.Now, Log: d.Log}
		if err := broker.Start(t.Context(), drift); err != nil {
			t.Fatal(err)
		}
	})
	staff := &roomRecorder{}
	hub.Join(hub.Subscribe("test", staff.send, nil), events.RoomStaff)
	for i := range 3 {
		h.checkIn("Patient", phone(i))
	}
	h.asStaff("POST", "/api/staff/call-next", `{"room":"1"}`).want(t, 200)
	h.clock.Add(56 * time.Second)
	n := len(staff.waitCount(t, 3*2+1)) // new_patient + queue_update per check-in, then the call
	drift.Queues = readThenChange{QueueReader: svc, change: func() {
		h.checkIn("Late", phone(9))
		staff.waitCount(t, n+2) // the check-in's batch went through drift to the hub
	}}
	if sent, err := drift.Tick(t.Context()); err != nil || sent != 0 {
		t.Fatalf("a tick that read before a newer change sent %d (err %v), want 0", sent, err)
	}
	drift.Queues = svc
	if sent, err := drift.Tick(t.Context()); err != nil || sent == 0 {
		t.Fatalf("the next tick sent %d (err %v), want the drifted estimates", sent, err)
	}
}

package realtime_test

import (
	"testing"

	"smartwait/internal/realtime"
)

// TestEndSessionsReachesBoundSubscribers: the end of a session reaches the
// subscribers bound to it, whatever rooms they joined or left, and no one
// else; it is not a room, so it does not show up among the rooms.
func TestEndSessionsReachesBoundSubscribers(t *testing.T) {
	hub := realtime.NewHub(realtime.Config{})
	defer hub.Close()
	bound, other := newSink(), newSink()
	a := hub.Subscribe("socketio", bound.send, nil)
	b := hub.Subscribe("socketio", other.send, nil)
	if !hub.BindSession(a, "s1") || !hub.BindSession(b, "s2") {
		t.Fatal("BindSession refused an open session")
	}
	hub.Join(a, "staff")
	hub.Leave(a, "staff")
	hub.Leave(a, "session_s1") // what a client asking to leave "session_<id>" does
	if n := hub.RoomCount(a); n != 0 {
		t.Fatalf("bound subscriber is in %d rooms, want 0: a session is not a room", n)
	}
	broker := realtime.NewMemoryBroker()
	if err := broker.Start(t.Context(), hub); err != nil {
		t.Fatal(err)
	}
	if err := realtime.EndSessions(broker, "s1"); err != nil {
		t.Fatal(err)
	}
	got := bound.wait(t, 1)
	if got[0].Event != realtime.EventSessionEnded {
		t.Fatalf("got %q, want %q", got[0].Event, realtime.EventSessionEnded)
	}
	hub.Sync() // every delivery is queued: had other been sent anything, it would be queued now
	other.mu.Lock()
	defer other.mu.Unlock()
	if len(other.msgs) != 0 {
		t.Fatalf("a subscriber of another session got %v", other.msgs)
	}
}

// TestBindSessionAfterEndIsRefused: a connection whose session lookup raced a
// logout (the lookup said "valid", the end was delivered before the binding)
// is refused, not left bound to a session that will never end again.
func TestBindSessionAfterEndIsRefused(t *testing.T) {
	hub := realtime.NewHub(realtime.Config{})
	defer hub.Close()
	broker := realtime.NewMemoryBroker()
	if err := broker.Start(t.Context(), hub); err != nil {
		t.Fatal(err)
	}
	if err := realtime.EndSessions(broker, "s1"); err != nil {
		t.Fatal(err)
	}
	hub.Sync()
	s := hub.Subscribe("sse", newSink().send, nil)
	if hub.BindSession(s, "s1") {
		t.Fatal("BindSession accepted a session that had ended")
	}
	if !hub.BindSession(s, "s2") {
		t.Fatal("BindSession refused another session")
	}
	s.Close()
	if hub.BindSession(s, "s3") {
		t.Fatal("BindSession accepted a closed subscriber")
	}
}

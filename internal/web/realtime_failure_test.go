package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"smartwait/internal/events"
	"smartwait/internal/queue"
	"smartwait/internal/realtime"
)

// runOperations drives a queue through every operation and fails unless each
// HTTP request succeeds. after (may be nil) runs after each operation.
func runOperations(tb testing.TB, h *harness, n int, after func()) {
	tb.Helper()
	for i := range n {
		id := h.checkIn("Patient", phone(1000+i))
		switch i % 3 {
		case 0:
			h.asStaff("POST", "/api/staff/call-next", "").want(tb, http.StatusOK)
		case 1:
			h.asStaff("POST", "/api/staff/no-show", `{"patientId":"`+id+`"}`).want(tb, http.StatusOK)
		case 2:
			h.do("DELETE", "/api/checkin/"+id, "").want(tb, http.StatusOK)
		}
		if after != nil {
			after()
		}
	}
}

// TestRealtimeFailureNeverFailsOperation: whatever goes wrong on the real-time
// side — a closed broker, a panicking publisher or transport, a client that
// never reads, a connection that went away — the queue operations succeed, and
// healthy subscribers still get every event.
func TestRealtimeFailureNeverFailsOperation(t *testing.T) {
	t.Run("closed broker", func(t *testing.T) {
		rh := newRealtimeHarness(t)
		if err := rh.broker.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		runOperations(t, rh.harness, 3, nil)
		if !strings.Contains(rh.logs.String(), "realtime: publish failed") {
			t.Errorf("the failed publish was not logged: %s", rh.logs)
		}
	})
	t.Run("panicking publisher", func(t *testing.T) {
		h := newHarness(t, func(d *Deps) {
			d.Queue.Publisher = queue.PublisherFunc(func(queue.Change) { panic("publisher exploded") })
		})
		runOperations(t, h, 3, nil)
	})
	t.Run("panicking, stalled and vanished subscribers", func(t *testing.T) {
		rh := newRealtimeHarnessHub(t, realtime.Config{BufferSize: 4})
		panicked := make(chan string, 1)
		bad := rh.hub.Subscribe("socketio", func(realtime.Message) error { panic("transport exploded") }, func(r string) { panicked <- r })
		rh.hub.Join(bad, events.RoomStaff)
		stall := make(chan struct{})
		defer close(stall)
		stalled := rh.hub.Subscribe("socketio", func(realtime.Message) error { <-stall; return nil }, nil)
		rh.hub.Join(stalled, events.RoomPatients)
		never, _, _ := rh.hub.SubscribeFrom("sse", []string{events.RoomDisplay}, "") // never reads
		gone, _, _ := rh.hub.SubscribeFrom("sse", []string{events.RoomStaff}, "")
		gone.Close()
		healthy, _, _ := rh.hub.SubscribeFrom("sse", []string{events.RoomStaff}, "")

		// A reader that keeps up, as a real connection's writer does; it
		// reports its running count.
		got := make(chan int, 1000)
		go func() {
			n := 0
			for {
				select {
				case <-healthy.Ready():
					n += len(healthy.Take())
					got <- n
				case <-healthy.Done():
					return
				}
			}
		}()
		// staffSent counts the staff messages published so far.
		staffSent := func() (n int) {
			for _, b := range rh.rec.Batches() {
				for _, m := range b.Messages {
					if m.Room == events.RoomStaff {
						n++
					}
				}
			}
			return n
		}
		// The healthy reader catches up after each operation (a real writer
		// does so on its own; here the test paces it, so it is never the one
		// dropped however loaded the machine is).
		n := 0
		catchUp := func() {
			want := staffSent()
			for n != want {
				select {
				case n = <-got:
				case <-time.After(10 * time.Second):
					t.Fatalf("healthy subscriber got %d staff events, want %d (dropped: %q)", n, want, healthy.Reason())
				}
			}
		}
		// The panicking subscriber's writer goroutine must get to run before
		// its queue (4 messages) fills up, or the hub rightly drops it as slow
		// rather than failed: wait for its report after the first operation,
		// which sends the staff room at most 4 messages.
		var panicReason string
		after := func() {
			catchUp()
			if panicReason != "" {
				return
			}
			select {
			case panicReason = <-panicked:
			case <-time.After(10 * time.Second):
				t.Fatal("the panicking subscriber was not dropped")
			}
		}
		const ops = 30
		runOperations(t, rh.harness, ops, after)
		defer healthy.Close()

		if panicReason != realtime.ReasonFailed {
			t.Errorf("panicking subscriber dropped for %q", panicReason)
		}
		for name, s := range map[string]*realtime.Subscriber{"stalled": stalled, "never reading": never} {
			select {
			case <-s.Done():
				if s.Reason() != realtime.ReasonSlow {
					t.Errorf("%s subscriber dropped for %q, want slow", name, s.Reason())
				}
			case <-time.After(10 * time.Second):
				t.Errorf("%s subscriber was not dropped", name)
			}
		}
		if n != staffSent() || healthy.Reason() != "" {
			t.Errorf("healthy subscriber got %d of %d staff events (dropped: %q)", n, staffSent(), healthy.Reason())
		}
	})
}

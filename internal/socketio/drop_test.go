package socketio_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"smartwait/internal/events"
	"smartwait/internal/queue"
	"smartwait/internal/realtime"
	"smartwait/internal/socketio"
)

// TestDroppedSocketReconnects: when the hub drops a socket (here, the hub
// closing), the connection is closed without a DISCONNECT packet, which would
// tell socket.io-client not to reconnect: the client comes back and resyncs.
func TestDroppedSocketReconnects(t *testing.T) {
	e := newEnv(t, socketio.Config{})
	c := e.dial(t, "")
	c.call(1, "join-patients-room", "")
	e.hub.Close()
	_ = c.ws.SetReadDeadline(time.Now().Add(10 * time.Second)) // a hang guard
	for {
		_, b, err := c.ws.ReadMessage()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatal("the connection of a dropped socket stayed open")
			}
			return
		}
		if string(b) == "41" {
			t.Fatal("a dropped socket got DISCONNECT: its client would not reconnect")
		}
	}
}

// TestSlowDisconnectsInMetrics: a socket whose queue overflows is counted in
// smartwait_socketio_slow_disconnects_total.
func TestSlowDisconnectsInMetrics(t *testing.T) {
	e := newEnv(t, socketio.Config{QueueSize: 3})
	p, err := e.queue.CheckIn(context.Background(), queue.CheckInRequest{Name: "Ana", Phone: "+14155552671", AppointmentTime: "10:00"})
	if err != nil {
		t.Fatal(err)
	}
	pollJoin(t, e, `{"patientId":"`+p.ID+`"}`) // then the client stops polling
	if got := testutil.ToFloat64(e.sio); got != 0 {
		t.Fatalf("counter = %v before any overflow", got)
	}
	for v := int64(1); v <= 10; v++ {
		b := realtime.Batch{Stream: realtime.DefaultStream, Version: v}
		b.Add(events.RoomPatients, "queue_update", map[string]int64{"version": v})
		if err := e.broker.Publish(b); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, func() (bool, any) { got := testutil.ToFloat64(e.sio); return got == 1, got })
}

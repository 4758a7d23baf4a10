package web

import (
	"context"
	"net/http"
	"strings"
	"unicode/utf8"

	"smartwait/internal/events"
	"smartwait/internal/queue"
	"smartwait/internal/realtime"
)

// maxTestMessageLen bounds the admin's test message.
const maxTestMessageLen = 500

// handleRealtimeTest serves POST /api/staff/realtime/test {room, message} (admin):
// a test_message to one room on every instance, to check that clients receive.
func (s *Server) handleRealtimeTest() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := decodeBody(r, false, "room", "message")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		room, err := b.required("room")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if !events.ValidRoom(room) {
			s.fail(w, r, invalidField("room", "room must be patients, staff or display (a clinic's: staff@<clinic>), display_<line> or patient_<patientId>"))
			return
		}
		msg, err := b.required("message")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if utf8.RuneCountInString(msg) > maxTestMessageLen || strings.ContainsFunc(msg, queue.DisallowedRune) {
			s.fail(w, r, invalidField("message", "message must be at most %d characters without control or text-direction characters", maxTestMessageLen))
			return
		}
		if err := s.d.Realtime.Broker.Publish(events.Test(room, msg, s.now())); err != nil {
			s.fail(w, r, err)
			return
		}
		ok(w, map[string]string{"room": room, "message": msg}, "Test message sent to "+room)
	})
}

// RealtimeStatus reports the hub for /health: connected clients in total and per
// transport, and the number of rooms. It is a Deps.RealtimeStatus.
func RealtimeStatus(hub *realtime.Hub) func(context.Context) RealtimeHealth {
	return func(context.Context) RealtimeHealth {
		st := hub.Stats()
		h := RealtimeHealth{Status: "ok", Transports: map[string]int{}, Rooms: st.Rooms}
		for t, n := range st.Connections {
			h.ConnectedClients += n
			h.Transports[t] = n
		}
		return h
	}
}

// BrokerStatus reports the broker for /health: its kind, mode, the shards
// this instance follows, and "ok", "degraded" or "error". It is a
// Deps.BrokerStatus.
func BrokerStatus(b realtime.Broker) func(context.Context) BrokerHealth {
	return func(context.Context) BrokerHealth {
		st := b.Status()
		h := BrokerHealth{Status: st.Status, Kind: st.Kind, Mode: st.Mode, Shards: st.Shards}
		if st.Status == realtime.StatusDown {
			h.Status = "error"
		}
		return h
	}
}

package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"smartwait/internal/queue"
	"smartwait/internal/realtime"
)

// maxTestMessageLen bounds the admin's test message.
const maxTestMessageLen = 500

// testMessage is test_message, the seed's real-time test feature.
type testMessage struct {
	Type      string   `json:"type"`
	Message   string   `json:"message"`
	Room      string   `json:"room"`
	Timestamp jsonTime `json:"timestamp"`
}

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
		if !validRoom(room) {
			s.fail(w, r, invalidField("room", "room must be patients, staff, display or patient_<patientId>"))
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
		now := s.now()
		// No stream: a test message is not a queue change, so it is never replayed.
		batch := realtime.Batch{}
		batch.Add(room, EventTestMessage, testMessage{Type: EventTestMessage, Message: msg, Room: room, Timestamp: jsonTime(now)})
		batch.Messages[0].ID = "test-" + strconv.FormatInt(now.UnixNano(), 36)
		if err := s.d.Realtime.Broker.Publish(batch); err != nil {
			s.fail(w, r, err)
			return
		}
		ok(w, map[string]string{"room": room, "message": msg}, "Test message sent to "+room)
	})
}

func validRoom(room string) bool {
	switch room {
	case realtime.RoomPatients, realtime.RoomStaff, realtime.RoomDisplay:
		return true
	}
	id, found := strings.CutPrefix(room, "patient_")
	return found && queue.ValidID(id)
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

// BrokerStatus reports the broker for /health: its kind, and "ok", "degraded"
// or "error". It is a Deps.BrokerStatus.
func BrokerStatus(b realtime.Broker) func(context.Context) BrokerHealth {
	return func(context.Context) BrokerHealth {
		st := b.Status()
		h := BrokerHealth{Status: st.Status, Kind: st.Kind}
		if st.Status == realtime.StatusDown {
			h.Status = "error"
		}
		return h
	}
}

package main

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// floor is the server: patients checked in, and the sockets that joined.
type floor struct {
	writers int
	node    bool
	up      websocket.Upgrader

	mu        sync.Mutex
	version   int64
	sockets   []*socket      // joined the patients room (the fanout client)
	checkedIn map[string]int // patient id → position at check-in
	waiting   []*socket      // joined only their own room (smartwait load), by position
}

// socket is a joined client: its patient's id, and the connection beneath
// the websocket, written to directly with frames built here.
type socket struct {
	id   string
	pos  int // position at check-in, for the waiting list
	conn net.Conn
}

func newFloor(writers int, node bool) http.Handler {
	f := &floor{writers: max(writers, 1), node: node, checkedIn: map[string]int{}}
	f.up.CheckOrigin = func(*http.Request) bool { return true }
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"status":"ok"}`)) })
	mux.HandleFunc("POST /api/staff/login", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"success":true,"data":{"token":"floor"}}`))
	})
	mux.HandleFunc("GET /api/staff/queue", func(w http.ResponseWriter, r *http.Request) { // smartwait load: empty before it starts
		w.Write([]byte(`{"success":true,"data":[]}`))
	})
	mux.HandleFunc("POST /api/checkin", f.checkIn)
	mux.HandleFunc("GET /api/position/{id}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		v := f.version
		f.mu.Unlock()
		fmt.Fprintf(w, `{"success":true,"data":{"version":%d}}`, v)
	})
	mux.HandleFunc("POST /api/staff/call-next", f.callNext)
	// What smartwait load asks when it cleans up; the floor forgets nothing.
	mux.HandleFunc("POST /api/staff/complete", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"success":true,"data":{}}`)) })
	mux.HandleFunc("DELETE /api/checkin/{id}", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"success":true,"data":{}}`)) })
	mux.HandleFunc("GET /socket.io/", f.socketIO)
	return mux
}

func (f *floor) checkIn(w http.ResponseWriter, r *http.Request) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	id := fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
	f.mu.Lock()
	f.version++
	pos := len(f.checkedIn) + 1
	f.checkedIn[id] = pos
	f.mu.Unlock()
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, `{"success":true,"data":{"patientId":%q,"position":%d}}`, id, pos)
}

// callNext writes every joined socket its position_update and the
// queue_update, one write each, spread over the writers, then answers.
func (f *floor) callNext(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.version++
	v := f.version
	sockets := append([]*socket(nil), f.sockets...)
	waiting := append([]*socket(nil), f.waiting...)
	if len(f.waiting) > 0 {
		f.waiting = f.waiting[1:]
	}
	f.mu.Unlock()
	ts := time.Now().UTC().Format(`"2006-01-02T15:04:05.000Z"`)
	shared := frame(nil, fmt.Appendf(nil, `42["queue_update",{"type":"patient_called","queueLength":%d,"nowServing":"A-001","timestamp":%s,"version":%d,"line":"default"}]`, len(sockets), ts, v))
	var wg sync.WaitGroup
	f.spread(&wg, sockets, func(out, payload []byte, pos int, s *socket) ([]byte, []byte) {
		payload = f.positionUpdate(payload, s.id, pos, len(sockets), ts, v)
		return append(frame(out, payload), shared...), payload
	})
	f.callWaiting(waiting, ts, v, &wg)
	wg.Wait()
	w.Write([]byte(`{"success":true,"data":{}}`))
}

// callWaiting writes smartwait load's patients: the first is called (its
// patient_called and its position_update with status called), the others
// each get their new position, one write each, spread over the writers.
func (f *floor) callWaiting(waiting []*socket, ts string, v int64, wg *sync.WaitGroup) {
	if len(waiting) == 0 {
		return
	}
	called := fmt.Appendf(nil, `42["patient_called",{"type":"patient_called","message":"It is your turn","room":"Load","ticketNumber":"A-001","timestamp":%s,"version":%d,"line":"default"}]`, ts, v)
	out := frame(nil, called)
	pu := f.positionUpdate(nil, waiting[0].id, 0, len(waiting)-1, ts, v)
	_, _ = waiting[0].conn.Write(frame(out, pu))
	rest := waiting[1:]
	f.spread(wg, rest, func(out, payload []byte, pos int, s *socket) ([]byte, []byte) {
		payload = f.positionUpdate(payload, s.id, pos, len(rest), ts, v)
		return frame(out, payload), payload
	})
}

// spread writes each socket what build appends for it (out, built with the
// scratch payload buffer; pos is the socket's place from 1), the sockets
// shared out over the writers, each on a goroutine of its own that wg counts.
// A socket that fails is the client's business.
func (f *floor) spread(wg *sync.WaitGroup, sockets []*socket, build func(out, payload []byte, pos int, s *socket) ([]byte, []byte)) {
	per := (len(sockets) + f.writers - 1) / f.writers
	for k := range f.writers {
		share := sockets[min(k*per, len(sockets)):min((k+1)*per, len(sockets))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			var payload, out []byte
			for i, s := range share {
				out, payload = build(out[:0], payload[:0], k*per+i+1, s)
				_, _ = s.conn.Write(out)
			}
		}()
	}
}

// positionUpdate appends the Socket.IO event packet of a position_update:
// waiting at pos, or called at position 0.
func (f *floor) positionUpdate(b []byte, id string, pos, waiting int, ts string, v int64) []byte {
	status := "waiting"
	if pos == 0 {
		status = "called"
	}
	b = append(b, `42["position_update",{"type":"position_update","patientId":"`...)
	b = append(b, id...)
	b = append(b, `","position":`...)
	b = strconv.AppendInt(b, int64(pos), 10)
	b = append(b, `,"estimatedWait":`...)
	b = strconv.AppendInt(b, int64(4*pos), 10)
	if !f.node {
		b = append(b, `,"estimatedWaitLow":`...)
		b = strconv.AppendInt(b, int64(3*pos), 10)
		b = append(b, `,"estimatedWaitHigh":`...)
		b = strconv.AppendInt(b, int64(6*pos), 10)
	}
	b = fmt.Appendf(b, `,"status":%q,"ticketNumber":"A-%03d","queueLength":%d,"timestamp":%s,"version":%d`, status, pos+1, waiting, ts, v)
	if !f.node {
		b = append(b, `,"line":"default"`...)
	}
	return append(b, "}]"...)
}

// frame appends a final, unmasked websocket text frame holding payload.
func frame(b, payload []byte) []byte {
	b = append(b, 0x81)
	switch n := len(payload); {
	case n < 126:
		b = append(b, byte(n))
	case n < 1<<16:
		b = append(b, 126, byte(n>>8), byte(n))
	default:
		b = binary.BigEndian.AppendUint64(append(b, 127), uint64(n))
	}
	return append(b, payload...)
}

// socketIO opens the Engine.IO session, answers the Socket.IO connect and the
// two joins, and registers the socket once it is in the patients room.
func (f *floor) socketIO(w http.ResponseWriter, r *http.Request) {
	ws, err := f.up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer ws.Close()
	send := func(s string) error { return ws.WriteMessage(websocket.TextMessage, []byte(s)) }
	if send(`0{"sid":"floor","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`) != nil {
		return
	}
	s := &socket{conn: ws.UnderlyingConn()}
	defer f.leave(s)
	for {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			return
		}
		switch m := string(msg); {
		case strings.HasPrefix(m, "40"): // with or without auth
			err = send(`40{"sid":"floor"}`)
		case strings.HasPrefix(m, `42["join-patient-room",`):
			// smartwait load: no acknowledgement asked; room-joined says it.
			s.id = joinedID(msg)
			f.join(s)
			err = send(`42["room-joined",{"room":"patient"}]`)
		case strings.HasPrefix(m, `420["join-patient-room",`):
			s.id = joinedID(msg)
			err = send(`430[{"room":"patient"}]`)
		case strings.HasPrefix(m, `421["join-patients-room"`):
			// In the room before the acknowledgement: a client that calls
			// next as soon as it is acknowledged must be written to.
			f.mu.Lock()
			f.sockets = append(f.sockets, s)
			f.mu.Unlock()
			err = send(`431[{"room":"patients"}]`)
		}
		if err != nil {
			return
		}
	}
}

// joinedID returns the patient id a join-patient-room event packet names
// ("42[…]", or "420[…]" when it asks for an acknowledgement), or "".
func joinedID(msg []byte) string {
	var ev []string
	if i := bytes.IndexByte(msg, '['); i >= 0 && json.Unmarshal(msg[i:], &ev) == nil && len(ev) == 2 {
		return ev[1]
	}
	return ""
}

// join adds a patient of smartwait load to the waiting list, in the order
// they checked in (positions after a call are counted from the list).
func (f *floor) join(s *socket) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s.pos = f.checkedIn[s.id]
	i, _ := slices.BinarySearchFunc(f.waiting, s.pos, func(o *socket, pos int) int { return o.pos - pos })
	f.waiting = slices.Insert(f.waiting, i, s)
}

// leave forgets a socket whose connection ended.
func (f *floor) leave(s *socket) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sockets = slices.DeleteFunc(f.sockets, func(o *socket) bool { return o == s })
	f.waiting = slices.DeleteFunc(f.waiting, func(o *socket) bool { return o == s })
}

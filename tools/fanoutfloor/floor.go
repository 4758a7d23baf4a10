package main

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
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

	mu      sync.Mutex
	version int64
	sockets []*socket
}

// socket is a joined client: its patient's id, and the connection beneath
// the websocket, written to directly with frames built here.
type socket struct {
	id   string
	conn net.Conn
}

func newFloor(writers int, node bool) http.Handler {
	f := &floor{writers: max(writers, 1), node: node}
	f.up.CheckOrigin = func(*http.Request) bool { return true }
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"status":"ok"}`)) })
	mux.HandleFunc("POST /api/staff/login", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"data":{"token":"floor"}}`))
	})
	mux.HandleFunc("POST /api/checkin", f.checkIn)
	mux.HandleFunc("GET /api/position/{id}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		v := f.version
		f.mu.Unlock()
		fmt.Fprintf(w, `{"data":{"version":%d}}`, v)
	})
	mux.HandleFunc("POST /api/staff/call-next", f.callNext)
	mux.HandleFunc("GET /socket.io/", f.socketIO)
	return mux
}

func (f *floor) checkIn(w http.ResponseWriter, r *http.Request) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	id := fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
	f.mu.Lock()
	f.version++
	f.mu.Unlock()
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, `{"data":{"patientId":%q}}`, id)
}

// callNext writes every joined socket its position_update and the
// queue_update, one write each, spread over the writers, then answers.
func (f *floor) callNext(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.version++
	v := f.version
	sockets := append([]*socket(nil), f.sockets...)
	f.mu.Unlock()
	ts := time.Now().UTC().Format(`"2006-01-02T15:04:05.000Z"`)
	shared := frame(nil, fmt.Appendf(nil, `42["queue_update",{"type":"patient_called","queueLength":%d,"nowServing":"A-001","timestamp":%s,"version":%d,"line":"default"}]`, len(sockets), ts, v))
	var wg sync.WaitGroup
	per := (len(sockets) + f.writers - 1) / f.writers
	for k := range f.writers {
		share := sockets[min(k*per, len(sockets)):min((k+1)*per, len(sockets))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			var payload, out []byte
			for i, s := range share {
				payload = f.positionUpdate(payload[:0], s.id, k*per+i+1, len(sockets), ts, v)
				out = append(frame(out[:0], payload), shared...)
				_, _ = s.conn.Write(out) // a socket that fails is the client's business
			}
		}()
	}
	wg.Wait()
	w.Write([]byte(`{"data":{}}`))
}

// positionUpdate appends the Socket.IO event packet of a position_update.
func (f *floor) positionUpdate(b []byte, id string, pos, waiting int, ts string, v int64) []byte {
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
	b = fmt.Appendf(b, `,"status":"waiting","ticketNumber":"A-%03d","queueLength":%d,"timestamp":%s,"version":%d`, pos+1, waiting, ts, v)
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
		case m == "40":
			err = send(`40{"sid":"floor"}`)
		case strings.HasPrefix(m, `420["join-patient-room",`):
			var ev []string
			_ = json.Unmarshal(msg[3:], &ev)
			if len(ev) == 2 {
				s.id = ev[1]
			}
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

// leave forgets a socket whose connection ended.
func (f *floor) leave(s *socket) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, o := range f.sockets {
		if o == s {
			f.sockets = append(f.sockets[:i], f.sockets[i+1:]...)
			return
		}
	}
}

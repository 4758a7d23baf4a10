package socketio_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/crypto/bcrypt"

	"smartwait/api/apitest"
	"smartwait/internal/auth"
	"smartwait/internal/events"
	"smartwait/internal/queue"
	"smartwait/internal/realtime"
	"smartwait/internal/socketio"
	"smartwait/internal/sqlite"
	"smartwait/internal/sqlite/sqlitetest"
)

// env is a Socket.IO server on the real hub, queue and auth services over a
// real SQLite file.
type env struct {
	hub    *realtime.Hub
	broker *realtime.MemoryBroker
	queue  *queue.Service
	auth   *auth.Service
	sio    *socketio.Server
	srv    *httptest.Server
	token  string // a staff session's token
}

func newEnv(tb testing.TB, cfg socketio.Config) *env {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), sqlitetest.Migrated(tb, "sio.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	e := &env{
		hub:    realtime.NewHub(realtime.Config{}),
		broker: realtime.NewMemoryBroker(),
		queue:  &queue.Service{Store: db, Config: queue.DefaultConfig()},
		auth:   &auth.Service{Store: db, Cost: bcrypt.MinCost},
	}
	if err := e.broker.Start(context.Background(), e.hub); err != nil {
		tb.Fatal(err)
	}
	cfg.Hub, cfg.Auth, cfg.Patients = e.hub, e.auth, e.queue
	cfg.AllowedOrigins = append(cfg.AllowedOrigins, "https://clinic.example")
	s, err := socketio.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	e.sio = s
	e.srv = httptest.NewServer(s.Handler())
	tb.Cleanup(func() {
		e.hub.Close()
		s.Close()
		e.srv.Close()
	})
	if _, err := e.auth.AddUser(context.Background(), "nurse", "correct horse", auth.RoleStaff); err != nil {
		tb.Fatal(err)
	}
	if e.token, _, _, err = e.auth.Login(context.Background(), "nurse", "correct horse"); err != nil {
		tb.Fatal(err)
	}
	return e
}

// wsClient speaks Engine.IO v4 / Socket.IO v4 over one websocket, by hand, so
// the tests see the exact packets.
type wsClient struct {
	tb testing.TB
	ws *websocket.Conn
}

func (e *env) dial(tb testing.TB, auth string) *wsClient {
	tb.Helper()
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(e.srv.URL, "http")+"/socket.io/?EIO=4&transport=websocket", nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ws.Close() })
	c := &wsClient{tb: tb, ws: ws}
	if p := c.read(); !strings.HasPrefix(p, "0{") {
		tb.Fatalf("open packet = %q", p)
	}
	c.send("40" + auth)
	if p := c.read(); !strings.HasPrefix(p, "40{") {
		tb.Fatalf("connect packet = %q", p)
	}
	return c
}

func (c *wsClient) send(p string) {
	c.tb.Helper()
	if err := c.ws.WriteMessage(websocket.TextMessage, []byte(p)); err != nil {
		c.tb.Fatal(err)
	}
}

// read returns the next packet other than a ping, which it answers.
func (c *wsClient) read() string {
	c.tb.Helper()
	for {
		_ = c.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, m, err := c.ws.ReadMessage()
		if err != nil {
			c.tb.Fatalf("read: %v", err)
		}
		if string(m) == "2" {
			c.send("3")
			continue
		}
		checkAnswer(c.tb, string(m))
		return string(m)
	}
}

// call emits event with args (JSON text) and an ack id, and returns the answer
// event and the ack.
func (c *wsClient) call(id int, event, args string) (answer, ack string) {
	c.tb.Helper()
	if args != "" {
		args = "," + args
	}
	c.send("42" + itoa(id) + `["` + event + `"` + args + "]")
	for answer == "" || ack == "" {
		p := c.read()
		switch {
		case strings.HasPrefix(p, "43"+itoa(id)):
			ack = strings.TrimPrefix(p, "43"+itoa(id))
		case strings.HasPrefix(p, "42"):
			answer = p[2:]
		default:
			c.tb.Fatalf("unexpected packet %q", p)
		}
	}
	// The acknowledgement carries the answer's payload: check it as that event.
	var answerArgs, ackArgs []json.RawMessage
	if json.Unmarshal([]byte(answer), &answerArgs) == nil && len(answerArgs) > 0 &&
		json.Unmarshal([]byte(ack), &ackArgs) == nil && len(ackArgs) > 0 {
		checkAnswer(c.tb, "42["+string(answerArgs[0])+","+string(ackArgs[0])+"]")
	}
	return answer, ack
}

func itoa(i int) string { return strconv.Itoa(i) }

// isAnswer reports whether event is one this package itself emits; the hub's
// events are other packages' payloads (checked in internal/web and the e2e
// suites against the real server).
func isAnswer(event string) bool {
	return event == "room-joined" || event == "room-left" || event == "error"
}

// checkAnswer validates a join or leave answer packet (`42["room-joined",{…}]`)
// against its schema in api/events/ (docs/events.md).
func checkAnswer(tb testing.TB, packet string) {
	tb.Helper()
	rest, ok := strings.CutPrefix(packet, "42")
	if !ok {
		return
	}
	var args []json.RawMessage
	var name string
	if json.Unmarshal([]byte(rest), &args) != nil || len(args) < 2 || json.Unmarshal(args[0], &name) != nil || !isAnswer(name) {
		return
	}
	chk, err := apitest.Shared()
	if err != nil {
		tb.Fatal(err)
	}
	if err := chk.Event(name, args[1]); err != nil {
		tb.Errorf("API document mismatch: %v", err)
	}
}

func TestJoins(t *testing.T) {
	e := newEnv(t, socketio.Config{})
	p, err := e.queue.CheckIn(context.Background(), queue.CheckInRequest{Name: "Ana", Phone: "+14155552671", AppointmentTime: "10:00"})
	if err != nil {
		t.Fatal(err)
	}
	anon := e.dial(t, "")
	staff := e.dial(t, `{"token":"`+e.token+`"}`)
	tests := []struct {
		name       string
		c          *wsClient
		event, arg string
		want       string
	}{
		{"patients", anon, "join-patients-room", "", `["room-joined",{"room":"patients"}]`},
		{"own patient room", anon, "join-patient-room", `"` + p.ID + `"`, `["room-joined",{"room":"patient_` + p.ID + `"}]`},
		{"object argument", anon, "join-patient-room", `{"patientId":"` + p.ID + `"}`, `["room-joined",{"room":"patient_` + p.ID + `"}]`},
		{"unknown patient", anon, "join-patient-room", `"00000000-0000-4000-8000-000000000000"`, `["error",{"code":"PATIENT_NOT_FOUND","message":"Patient not found"}]`},
		{"staff without token", anon, "join-staff-room", `"s1"`, `["error",{"code":"UNAUTHORIZED","message":"Staff authentication required"}]`},
		{"staff with token", staff, "join-staff-room", `"s1"`, `["room-joined",{"room":"staff"}]`},
		{"leave", anon, "leave-room", `"patients"`, `["room-left",{"room":"patients"}]`},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answer, ack := tt.c.call(i, tt.event, tt.arg)
			if answer != tt.want {
				t.Errorf("answer = %s, want %s", answer, tt.want)
			}
			// The ack carries the same object as the answer event.
			obj := tt.want[strings.Index(tt.want, ",")+1 : len(tt.want)-1]
			if ack != "["+obj+"]" {
				t.Errorf("ack = %s, want [%s]", ack, obj)
			}
		})
	}
}

func TestSessionEndDisconnectsStaffSocket(t *testing.T) {
	e := newEnv(t, socketio.Config{})
	staff := e.dial(t, `{"token":"`+e.token+`"}`)
	staff.call(1, "join-staff-room", "")
	sess, _, err := e.auth.Authenticate(context.Background(), e.token)
	if err != nil {
		t.Fatal(err)
	}
	if err := realtime.EndSessions(e.broker, sess.ID); err != nil {
		t.Fatal(err)
	}
	if p := staff.read(); p != "41" {
		t.Errorf("got %q, want the namespace disconnect packet 41", p)
	}
}

func TestOrigins(t *testing.T) {
	e := newEnv(t, socketio.Config{})
	tests := []struct {
		origin string
		want   int
	}{
		{"", http.StatusOK},
		{"https://clinic.example", http.StatusOK},
		{e.srv.URL, http.StatusOK}, // same origin
		{"https://evil.example", http.StatusForbidden},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("GET", e.srv.URL+"/socket.io/?EIO=4&transport=polling", nil)
		if tt.origin != "" {
			req.Header.Set("Origin", tt.origin)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tt.want {
			t.Errorf("Origin %q: %d %s, want %d", tt.origin, res.StatusCode, body, tt.want)
		}
		if tt.want == http.StatusForbidden && !strings.Contains(string(body), `"CROSS_ORIGIN"`) {
			t.Errorf("Origin %q: body %s, want the CROSS_ORIGIN error", tt.origin, body)
		}
	}
}

// TestPollingClientThatStopsPollingIsDropped: packets waiting in the engine's
// queue for a long-polling client count against it; past QueueSize the
// socket is dropped as slow, and publishing never waited for it.
func TestPollingClientThatStopsPollingIsDropped(t *testing.T) {
	e := newEnv(t, socketio.Config{QueueSize: 5})
	base := e.srv.URL + "/socket.io/?EIO=4&transport=polling"
	get := func(url string) string {
		t.Helper()
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	post := func(url, body string) {
		t.Helper()
		res, err := http.Post(url, "text/plain;charset=UTF-8", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	open := get(base)
	sid := open[strings.Index(open, `"sid":"`)+7:]
	sid = sid[:strings.Index(sid, `"`)]
	url := base + "&sid=" + sid
	post(url, "40")
	if p := get(url); !strings.HasPrefix(p, "40{") {
		t.Fatalf("connect = %q", p)
	}
	post(url, `420["join-patients-room"]`)
	if p := get(url); !strings.Contains(p, "room-joined") {
		t.Fatalf("join = %q", p)
	}
	// The client stops polling; the queue keeps changing.
	for v := int64(1); v <= 20; v++ {
		b := realtime.Batch{Stream: realtime.DefaultStream, Version: v}
		b.Add(events.RoomPatients, "queue_update", map[string]int64{"version": v})
		if err := e.broker.Publish(b); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for e.hub.Stats().Dropped[realtime.ReasonSlow] != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("socket not dropped: %+v", e.hub.Stats())
		}
		time.Sleep(5 * time.Millisecond) // polling with a deadline
	}
}

// TestHubMessagesReachSockets checks the wire format of a delivered event: the
// Socket.IO event packet with the payload exactly as published.
func TestHubMessagesReachSockets(t *testing.T) {
	e := newEnv(t, socketio.Config{})
	c := e.dial(t, "")
	c.call(1, "join-patients-room", "")
	b := realtime.Batch{Stream: realtime.DefaultStream, Version: 7}
	b.Add(events.RoomStaff, "queue_update", map[string]string{"secret": "staff only"})
	b.Add(events.RoomPatients, "queue_update", map[string]any{"type": "patient_called", "queueLength": 2, "nowServing": "A-001"})
	if err := e.broker.Publish(b); err != nil {
		t.Fatal(err)
	}
	if p := c.read(); p != `42["queue_update",{"nowServing":"A-001","queueLength":2,"type":"patient_called"}]` {
		t.Errorf("packet = %s", p)
	}
}

// TestEventRightAfterConnect: a client that emits in the same breath as its
// namespace CONNECT (as seed clients do on "connect") is answered, never cut off
// (the library this replaced had a race there; the engine runs OnConnect
// before it reads the client's next packet).
func TestEventRightAfterConnect(t *testing.T) {
	e := newEnv(t, socketio.Config{})
	for i := range 30 {
		ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(e.srv.URL, "http")+"/socket.io/?EIO=4&transport=websocket", nil)
		if err != nil {
			t.Fatal(err)
		}
		c := &wsClient{tb: t, ws: ws}
		if p := c.read(); !strings.HasPrefix(p, "0{") {
			t.Fatalf("open packet = %q", p)
		}
		c.send("40")
		c.send(`421["join-patients-room"]`)
		var got []string
		for len(got) < 3 {
			got = append(got, c.read())
		}
		if !strings.HasPrefix(got[0], "40{") || got[1] != `42["room-joined",{"room":"patients"}]` || got[2] != `431[{"room":"patients"}]` {
			t.Fatalf("connection %d got %q", i, got)
		}
		ws.Close()
	}
}

package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"smartwait/internal/socketio"
)

// The rooms part of the authorization matrix (the "/socket.io/" row of
// authz_matrix_test.go): the real Socket.IO server, with the real auth
// service and ClinicGate as cmd/smartwait wires it, over the matrix's world.

// roomsAllowed is, per account, the clinics whose staff room and staff stream
// it may follow. "pre" is the harness's staff account from before clinics.
var roomsAllowed = map[string][]string{
	"root":     {"main", "north"},
	northStaff: {"north"},
	northAdmin: {"north"},
	northKiosk: nil,
	mainStaff:  {"main"},
	mainAdmin:  {"main"},
	"pre":      {"main"},
}

// sioClient speaks Engine.IO v4 / Socket.IO v4 over one websocket by hand, so
// the test sees every packet a socket receives.
type sioClient struct {
	tb testing.TB
	ws *websocket.Conn
}

func dialSIO(tb testing.TB, base, token string) *sioClient {
	tb.Helper()
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/socket.io/?EIO=4&transport=websocket", nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ws.Close() })
	c := &sioClient{tb: tb, ws: ws}
	if p, _ := c.read(10 * time.Second); !strings.HasPrefix(p, "0{") {
		tb.Fatalf("open packet = %q", p)
	}
	c.send(`40{"token":"` + token + `"}`)
	if p, _ := c.read(10 * time.Second); !strings.HasPrefix(p, "40{") {
		tb.Fatalf("connect packet = %q", p)
	}
	return c
}

func (c *sioClient) send(p string) {
	c.tb.Helper()
	if err := c.ws.WriteMessage(websocket.TextMessage, []byte(p)); err != nil {
		c.tb.Fatal(err)
	}
}

// read returns the next packet other than a ping (which it answers), or
// false when none arrives within d.
func (c *sioClient) read(d time.Duration) (string, bool) {
	c.tb.Helper()
	for {
		_ = c.ws.SetReadDeadline(time.Now().Add(d))
		_, m, err := c.ws.ReadMessage()
		if ne, ok := err.(interface{ Timeout() bool }); ok && ne.Timeout() {
			return "", false
		}
		if err != nil {
			c.tb.Fatalf("read: %v", err)
		}
		if string(m) == "2" {
			c.send("3")
			continue
		}
		return string(m), true
	}
}

// joinStaff emits join-staff-room with args and returns the answer event
// (`["room-joined",…]` or `["error",…]`), having also awaited the ack.
func (c *sioClient) joinStaff(args string) string {
	c.tb.Helper()
	c.send(`421["join-staff-room"` + args + "]")
	var answer string
	for acked := false; answer == "" || !acked; {
		p, ok := c.read(10 * time.Second)
		switch {
		case !ok:
			c.tb.Fatal("no answer to join-staff-room")
		case strings.HasPrefix(p, "431"):
			acked = true
		case strings.HasPrefix(p, "42"):
			answer = p[2:]
		}
	}
	return answer
}

// eventOf returns an event packet's name and the line its payload names.
func eventOf(tb testing.TB, p string) (name, line string) {
	tb.Helper()
	var args []json.RawMessage
	if json.Unmarshal([]byte(strings.TrimPrefix(p, "42")), &args) != nil || len(args) < 2 {
		tb.Fatalf("not an event packet: %q", p)
	}
	_ = json.Unmarshal(args[0], &name)
	var v struct{ Line string }
	_ = json.Unmarshal(args[1], &v)
	return name, v.Line
}

// TestAuthzRooms: join-staff-room with {clinic} (and without: the default
// clinic) succeeds exactly for the accounts that may act as staff at that
// clinic, else answers FORBIDDEN; a refused socket receives none of that
// clinic's staff events while a permitted one does. The SSE staff stream
// answers the same accounts 200 and the others 403 FORBIDDEN.
func TestAuthzRooms(t *testing.T) {
	w := newAuthzWorld(t)
	w.tok["pre"] = w.h.staff
	hub := w.h.deps.Realtime.Hub
	sio, err := socketio.New(socketio.Config{Hub: hub, Auth: w.h.deps.Auth, Patients: w.h.deps.Queue,
		Log: w.h.deps.Log, Now: w.h.clock.Now, AllowedOrigins: []string{testPublicURL}, MayJoinClinic: ClinicGate()})
	if err != nil {
		t.Fatal(err)
	}
	sioSrv := httptest.NewServer(sio.Handler())
	api := httptest.NewServer(w.h.handler)
	t.Cleanup(func() { hub.Close(); sio.Close(); sioSrv.Close(); api.Close() })
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(w.h.logs.String())
		}
	})

	lineOf := map[string]string{"main": w.main.line, "north": w.nth.line}
	type joined struct {
		who, clinic string
		c           *sioClient
		ok          bool
	}
	var sockets []joined
	users := []string{"root", northStaff, northAdmin, northKiosk, mainStaff, mainAdmin, "pre"}
	for _, u := range users {
		for _, arg := range []string{"", "main", "north"} {
			clinic, args := arg, `,{"clinic":"`+arg+`"}`
			if arg == "" {
				clinic, args = "main", ""
			}
			ok := slices.Contains(roomsAllowed[u], clinic)
			c := dialSIO(t, sioSrv.URL, w.tok[u])
			got := c.joinStaff(args)
			want := `["room-joined",{"room":"staff"}]`
			if clinic != "main" {
				want = `["room-joined",{"room":"staff@` + clinic + `"}]`
			}
			if !ok {
				// The message differs (a kiosk is told why); the code does not.
				want = `["error",{"code":"FORBIDDEN",`
			}
			if !strings.HasPrefix(got, want) {
				t.Errorf("%s join-staff-room %q: %s, want %s", u, arg, got, want)
			}
			sockets = append(sockets, joined{u, clinic, c, ok})

			// The SSE staff stream: the same accounts, the same clinics.
			url := api.URL + "/api/events/staff"
			if arg != "" {
				url += "?clinic=" + arg
			}
			bearer := []string{"Authorization", "Bearer " + w.tok[u]}
			if ok {
				s := openSSE(t, url, bearer...)
				if s.res.StatusCode != http.StatusOK {
					t.Errorf("%s %s: %d, want 200", u, url, s.res.StatusCode)
				} else if e := s.mustNext(t); e.Event != "queue_refresh" || e.Data["line"] != lineOf[clinic] && e.Data["line"] != w.main.line2 && e.Data["line"] != w.nth.line2 {
					t.Errorf("%s %s: snapshot %+v, want clinic %s's", u, url, e, clinic)
				}
			} else if status, code := sseError(t, url, bearer...); status != http.StatusForbidden || code != "FORBIDDEN" {
				t.Errorf("%s %s: %d %s, want 403 FORBIDDEN", u, url, status, code)
			}
		}
	}
	if t.Failed() {
		return
	}

	// A check-in at each clinic reaches that clinic's permitted sockets.
	for i, clinic := range []string{"main", "north"} {
		w.h.checkInTo(lineOf[clinic], "Room Matrix", phone(40+i), "none").want(t, http.StatusCreated)
		for _, s := range sockets {
			if !s.ok || s.clinic != clinic {
				continue
			}
			p, got := s.c.read(10 * time.Second)
			if !got {
				t.Errorf("%s in %s's staff room: no event for its check-in", s.who, clinic)
				continue
			}
			if name, line := eventOf(t, p); name != "new_patient" || line != lineOf[clinic] {
				t.Errorf("%s in %s's staff room: first event %s of line %s, want new_patient of %s", s.who, clinic, name, line, lineOf[clinic])
			}
		}
	}
	// Whatever else arrives (the permitted sockets may get more of their
	// clinic's events) is of the socket's own clinic; a refused socket gets
	// nothing at all.
	deadline := time.Now().Add(500 * time.Millisecond)
	for _, s := range sockets {
		for {
			p, got := s.c.read(max(time.Until(deadline), time.Millisecond))
			if !got {
				break
			}
			if !s.ok {
				t.Errorf("%s refused at %s got %s", s.who, s.clinic, p)
				continue
			}
			if _, line := eventOf(t, p); line != "" && line != lineOf[s.clinic] && line != map[string]string{"main": w.main.line2, "north": w.nth.line2}[s.clinic] {
				t.Errorf("%s in %s's staff room got another clinic's event %s", s.who, s.clinic, p)
			}
		}
	}
}

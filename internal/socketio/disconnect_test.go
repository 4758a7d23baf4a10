package socketio_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"smartwait/internal/queue"
	"smartwait/internal/realtime"
	"smartwait/internal/socketio"
)

// TestDisconnectReleasesEverything connects sockets that join their patient
// room and the patients room (or the staff room), ends them in each way a
// connection ends, and checks that nothing is left: no hub subscriber or room,
// no conn of ours, no session, socket or waiting poll in the engine.
// Counts, not timings: a leak per connection would leave n of something.
func TestDisconnectReleasesEverything(t *testing.T) {
	const n = 20
	tests := []struct {
		name  string
		cfg   socketio.Config
		staff bool
		// end ends the connections (websocket clients, or polling URLs).
		end func(t *testing.T, e *env, clients []*wsClient, polls []string)
	}{
		{name: "client closes the websocket", end: func(t *testing.T, e *env, clients []*wsClient, _ []string) {
			for _, c := range clients {
				c.ws.Close()
			}
		}},
		{name: "client leaves the namespace, then closes", end: func(t *testing.T, e *env, clients []*wsClient, _ []string) {
			for _, c := range clients {
				c.send("41")
			}
			// The namespace disconnect alone releases the hub's side.
			waitFor(t, func() (bool, any) { st := e.hub.Stats(); return st.Subscribers == 0, st })
			for _, c := range clients {
				c.ws.Close()
			}
		}},
		{name: "staff session ended", staff: true, end: func(t *testing.T, e *env, clients []*wsClient, _ []string) {
			sess, _, err := e.auth.Authenticate(context.Background(), e.token)
			if err != nil {
				t.Fatal(err)
			}
			if err := realtime.EndSessions(e.broker, sess.ID); err != nil {
				t.Fatal(err)
			}
			for _, c := range clients {
				if p := c.read(); p != "41" {
					t.Errorf("got %q, want the namespace disconnect packet 41", p)
				}
				c.ws.Close()
			}
		}},
		// A polling client that stops polling is ended by the ping timeout,
		// 3 s after its handshake: long enough for every client to be counted
		// as connected first.
		{name: "polling client vanishes", cfg: socketio.Config{PingInterval: 2 * time.Second, PingTimeout: time.Second},
			end: func(*testing.T, *env, []*wsClient, []string) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.cfg)
			auths := make([]string, n)
			for i := range auths {
				if tt.staff {
					auths[i] = `{"token":"` + e.token + `"}`
					continue
				}
				p, err := e.queue.CheckIn(context.Background(), queue.CheckInRequest{Name: fmt.Sprint("Patient ", i), Phone: fmt.Sprintf("+1415555%04d", i), AppointmentTime: "10:00"})
				if err != nil {
					t.Fatal(err)
				}
				auths[i] = `{"patientId":"` + p.ID + `"}`
			}
			var clients []*wsClient
			var polls []string
			for _, auth := range auths {
				if tt.cfg.PingInterval > 0 {
					polls = append(polls, pollJoin(t, e, auth))
					continue
				}
				c := e.dial(t, auth)
				if tt.staff {
					c.call(1, "join-staff-room", "")
				} else {
					c.call(1, "join-patient-room", "")
					c.call(2, "join-patients-room", "")
				}
				clients = append(clients, c)
			}
			// Something per connection to leak: patient sockets are in two
			// rooms; staff sockets in the staff room and bound to their session.
			st := e.hub.Stats()
			if st.Subscribers != n || st.Rooms+st.Sessions < 2 || e.sio.Connections() != n {
				t.Fatalf("before: %d subscribers, %d rooms, %d sessions, %d connections; want %d, ≥2 rooms and sessions, %d",
					st.Subscribers, st.Rooms, st.Sessions, e.sio.Connections(), n, n)
			}

			tt.end(t, e, clients, polls)
			waitFor(t, func() (bool, any) {
				left := socketio.Leftovers(e.sio)
				left["hub subscribers"] = e.hub.Stats().Subscribers
				for _, v := range left {
					if v != 0 {
						return false, left
					}
				}
				return true, nil
			})
			if st := e.hub.Stats(); st.Rooms != 0 || st.Sessions != 0 || st.Connections["socketio"] != 0 {
				t.Errorf("after: hub has %d rooms, %d sessions, %d socketio connections; want none", st.Rooms, st.Sessions, st.Connections["socketio"])
			}
			if c := e.sio.Connections(); c != 0 {
				t.Errorf("after: %d connections, want 0", c)
			}
		})
	}
}

// pollJoin opens a long-polling connection with the handshake auth, joins the
// patients room and the patient's own, and returns the poll URL.
func pollJoin(tb testing.TB, e *env, auth string) string {
	tb.Helper()
	base := e.srv.URL + "/socket.io/?EIO=4&transport=polling"
	get := func(url string) string {
		tb.Helper()
		res, err := http.Get(url)
		if err != nil {
			tb.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	post := func(url, body string) {
		tb.Helper()
		res, err := http.Post(url, "text/plain;charset=UTF-8", strings.NewReader(body))
		if err != nil {
			tb.Fatal(err)
		}
		res.Body.Close()
	}
	open := get(base)
	sid := open[strings.Index(open, `"sid":"`)+7:]
	url := base + "&sid=" + sid[:strings.Index(sid, `"`)]
	post(url, "40"+auth)
	if p := get(url); !strings.HasPrefix(p, "40{") {
		tb.Fatalf("connect = %q", p)
	}
	post(url, `42["join-patient-room"]`)
	if p := get(url); !strings.Contains(p, "room-joined") {
		tb.Fatalf("join = %q", p)
	}
	post(url, `42["join-patients-room"]`)
	if p := get(url); !strings.Contains(p, "room-joined") {
		tb.Fatalf("join = %q", p)
	}
	return url
}

// waitFor polls cond until it holds; the deadline only bounds a failure, which
// shows what cond last saw.
func waitFor(tb testing.TB, cond func() (ok bool, saw any)) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, saw := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("still there after 10 s: %+v", saw)
		}
		time.Sleep(5 * time.Millisecond) // polling with a deadline; nothing to wait on
	}
}

package socketio_test

import (
	"context"
	"strings"
	"testing"

	"smartwait/internal/auth"
	"smartwait/internal/realtime"
	"smartwait/internal/socketio"
)

// TestSessionEndCannotBeEscaped: however a staff session ends (logout,
// password change, account removal), its sockets are disconnected, even one
// that emitted leave-room "session_<id>" (the id GET /api/staff/me tells it)
// and one that never joined any room. The end is an event, not a sweep: the
// test only ends the session and reads the socket's next packet.
func TestSessionEndCannotBeEscaped(t *testing.T) {
	ends := []struct {
		name string
		end  func(t *testing.T, e *env, sessionID string)
	}{
		{"logout", func(t *testing.T, e *env, id string) {
			if err := e.auth.Logout(context.Background(), id); err != nil {
				t.Fatal(err)
			}
		}},
		{"password change", func(t *testing.T, e *env, _ string) {
			if err := e.auth.SetPassword(context.Background(), "nurse", "battery staple"); err != nil {
				t.Fatal(err)
			}
		}},
		{"account removal", func(t *testing.T, e *env, _ string) {
			if err := e.auth.RemoveUser(context.Background(), "nurse"); err != nil {
				t.Fatal(err)
			}
		}},
	}
	sockets := []struct {
		name  string
		setup func(t *testing.T, c *wsClient, sessionID string)
	}{
		{"left its session room", func(t *testing.T, c *wsClient, id string) {
			c.call(1, "join-staff-room", "")
			if answer, _ := c.call(2, "leave-room", `"session_`+id+`"`); answer == "" {
				t.Fatal("no answer to leave-room")
			}
		}},
		{"never joined a room", func(*testing.T, *wsClient, string) {}},
	}
	for _, end := range ends {
		for _, sock := range sockets {
			t.Run(end.name+"/"+sock.name, func(t *testing.T) {
				e := newEnv(t, socketio.Config{})
				e.auth.OnLogout = func(ids ...string) { _ = realtime.EndSessions(e.broker, ids...) }
				sess, _, err := e.auth.Authenticate(context.Background(), e.token)
				if err != nil {
					t.Fatal(err)
				}
				staff := e.dial(t, `{"token":"`+e.token+`"}`)
				sock.setup(t, staff, sess.ID)
				end.end(t, e, sess.ID)
				if p := staff.read(); p != "41" {
					t.Errorf("got %q, want the namespace disconnect packet 41", p)
				}
			})
		}
	}
}

// TestSocketOfEndedSessionIsRefused: a handshake whose token's session has
// ended is not tied to it, and cannot join the staff room.
func TestSocketOfEndedSessionIsRefused(t *testing.T) {
	e := newEnv(t, socketio.Config{})
	sess, _, err := e.auth.Authenticate(context.Background(), e.token)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.auth.Logout(context.Background(), sess.ID); err != nil {
		t.Fatal(err)
	}
	staff := e.dial(t, `{"token":"`+e.token+`"}`)
	answer, _ := staff.call(1, "join-staff-room", "")
	if !strings.HasPrefix(answer, `["error",{"code":"`+auth.CodeUnauthorized+`"`) {
		t.Fatalf("answer = %s, want the UNAUTHORIZED error", answer)
	}
}

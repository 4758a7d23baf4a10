package socketio_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"smartwait/internal/connlimit"
	"smartwait/internal/socketio"
)

// handshake opens a long-polling engine session and returns the HTTP status
// and body of the handshake.
func handshake(t *testing.T, e *env) (int, string) {
	t.Helper()
	res, err := http.Get(e.srv.URL + "/socket.io/?EIO=4&transport=polling")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func wantRefused(t *testing.T, status int, body string, want int) {
	t.Helper()
	var env struct {
		Success bool
		Error   struct{ Code, Message string }
	}
	if status != want || json.Unmarshal([]byte(body), &env) != nil || env.Success || env.Error.Code != connlimit.Code || env.Error.Message == "" {
		t.Fatalf("got %d %s, want %d with the %s error", status, body, want, connlimit.Code)
	}
}

func waitOpen(t *testing.T, l *connlimit.Limiter, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for l.Open() != n {
		if time.Now().After(deadline) {
			t.Fatalf("limiter holds %d slots, want %d", l.Open(), n)
		}
		time.Sleep(5 * time.Millisecond) // polling with a deadline
	}
}

// TestConnectionCapPerIP: one client IP holds at most PerIP engine sessions,
// websocket and long-polling alike, counted once each however many requests
// a polling session makes; the next handshake is 429 TOO_MANY_CONNECTIONS,
// and a closed session's slot is free again.
func TestConnectionCapPerIP(t *testing.T) {
	l := connlimit.New(connlimit.Config{PerIP: 3})
	e := newEnv(t, socketio.Config{Limiter: l})
	ws1 := e.dial(t, "")
	ws1.call(1, "join-patients-room", "")
	e.dial(t, "")
	if status, body := handshake(t, e); status != http.StatusOK {
		t.Fatalf("third session: %d %s", status, body)
	}
	waitOpen(t, l, 3)
	status, body := handshake(t, e)
	wantRefused(t, status, body, http.StatusTooManyRequests)
	_, res, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(e.srv.URL, "http")+"/socket.io/?EIO=4&transport=websocket", nil)
	if err == nil || res == nil || res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("fourth websocket: err %v, response %v; want 429", err, res)
	}

	ws1.ws.Close()
	waitOpen(t, l, 2)
	e.dial(t, "") // the freed slot is usable again
	waitOpen(t, l, 3)
}

// TestConnectionCapTotal: past the total cap every client gets 503.
func TestConnectionCapTotal(t *testing.T) {
	l := connlimit.New(connlimit.Config{PerIP: 100, Max: 2})
	e := newEnv(t, socketio.Config{Limiter: l})
	e.dial(t, "")
	e.dial(t, "")
	status, body := handshake(t, e)
	wantRefused(t, status, body, http.StatusServiceUnavailable)
}

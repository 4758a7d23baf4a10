package engineio_test

import (
	"bufio"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"smartwait/internal/engineio"
)

// TestAdmitHoldsASlotPerSession: Config.Admit runs once per handshake, on
// either transport; its refusal is the answer and makes no session; its
// release runs once when the session ends, however many requests the session
// made.
func TestAdmitHoldsASlotPerSession(t *testing.T) {
	var open, admitted atomic.Int64
	h := newHarness(t, engineio.Config{Admit: func(w http.ResponseWriter, _ *http.Request) (func(), bool) {
		if open.Load() >= 2 {
			http.Error(w, "full", http.StatusTooManyRequests)
			return nil, false
		}
		open.Add(1)
		admitted.Add(1)
		var once sync.Once
		return func() { once.Do(func() { open.Add(-1) }) }, true
	}})
	p, _ := h.openPolling(t)
	p.connect()
	p.mustPost(`421["echo","x"]`) // more requests of the same session take nothing
	p.nextMessage()
	ws := h.openWebsocket(t)
	if resp, body := request(t, "GET", h.url("transport=polling"), "", nil); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third handshake: %d %s, want Admit's 429", resp.StatusCode, body)
	}
	if _, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(h.url("transport=websocket"), "http"), nil); err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third websocket: %v %v, want Admit's 429", err, resp)
	}
	if n := h.srv.Stats().Sessions; n != 2 {
		t.Fatalf("%d sessions, want 2: a refused handshake makes none", n)
	}
	ws.Close()
	eventually(t, "the websocket session's release", func() bool { return open.Load() == 1 })
	p.mustPost("1") // the polling client closes its session
	eventually(t, "the polling session's release", func() bool { return open.Load() == 0 })
	if n := admitted.Load(); n != 2 {
		t.Errorf("Admit admitted %d sessions, want 2", n)
	}
}

// TestSocketCloseLetsTheClientReconnect: Socket.Close closes the connection
// without a DISCONNECT packet (which would tell the client not to come back),
// and the socket's callbacks see ReasonForcedClose.
func TestSocketCloseLetsTheClientReconnect(t *testing.T) {
	reasons := make(chan string, 1)
	srv := engineio.New(engineio.Config{OnConnect: func(s *engineio.Socket, _ engineio.Handshake) error {
		s.OnDisconnect(func(r string) { reasons <- r })
		s.On("close-me", func([]json.RawMessage, engineio.Ack) { s.Close() })
		return nil
	}})
	ts := newServer(t, srv)
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(ts, "http")+"/socket.io/?EIO=4&transport=websocket", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	readText(t, ws) // open
	writeText(t, ws, "40")
	if got := readMessage(t, ws); !strings.HasPrefix(got, "40{") {
		t.Fatalf("CONNECT answered %q", got)
	}
	writeText(t, ws, `42["close-me"]`)
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, b, err := ws.ReadMessage()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatal("the server did not close the connection")
			}
			break
		}
		if string(b) == "41" {
			t.Fatal("got a DISCONNECT packet: the client would not reconnect")
		}
	}
	if r := <-reasons; r != engineio.ReasonForcedClose {
		t.Errorf("reason %q, want %q", r, engineio.ReasonForcedClose)
	}
}

// TestPollingBodyDeadline: a POST whose body trickles in is cut at
// BodyTimeout with 400 and its session closed; without the deadline the server
// would wait for the body for ever (the guard below would fail the test).
func TestPollingBodyDeadline(t *testing.T) {
	h := newHarness(t, engineio.Config{BodyTimeout: 200 * time.Millisecond})
	p, _ := h.openPolling(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(h.ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = conn.Write([]byte("POST /socket.io/?EIO=4&transport=polling&sid=" + p.sid + " HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n40"))
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second)) // a hang guard, not a timing assertion
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a trickled body: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status %d, want 400", resp.StatusCode)
	}
	eventually(t, "the session to close", func() bool { return h.srv.Stats().Sessions == 0 })
}

// newServer serves srv at /socket.io/ and returns its URL.
func newServer(tb testing.TB, srv *engineio.Server) string {
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv)
	ts := httptest.NewServer(mux)
	tb.Cleanup(func() {
		srv.Close()
		ts.Close()
	})
	return ts.URL
}

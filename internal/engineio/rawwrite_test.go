package engineio_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"smartwait/internal/engineio"
)

// TestInlineWriteAfterWriterDeadline: a send after the writer goroutine's
// write deadline has passed still goes out (the deadline was the writer's,
// not the connection's).
func TestInlineWriteAfterWriterDeadline(t *testing.T) {
	h := newHarness(t, engineio.Config{WriteTimeout: 50 * time.Millisecond})
	ws := h.openWebsocket(t) // its handshake went out through the writer goroutine
	time.Sleep(150 * time.Millisecond)
	for i := 0; i < 3; i++ {
		writeText(t, ws, fmt.Sprintf(`42%d["echo","hi"]`, i))
		if got, want := readMessage(t, ws), fmt.Sprintf(`43%d["hi"]`, i); got != want {
			t.Fatalf("echo %d answered %q, want %q", i, got, want)
		}
	}
}

// TestBackloggedFramesKeepOrder: a client that stops reading makes the
// inline writes of Send and SendMany hit a full kernel buffer; what the
// kernel did not take waits for the writer goroutine, in order, with the
// pongs for the client's pings slotted in between whole frames, so the
// client reads every packet intact once it reads again.
func TestBackloggedFramesKeepOrder(t *testing.T) {
	var mu sync.Mutex
	var sock *engineio.Socket
	srv := engineio.New(engineio.Config{QueueSize: 100_000, OnConnect: func(s *engineio.Socket, _ engineio.Handshake) error {
		mu.Lock()
		sock = s
		mu.Unlock()
		return nil
	}})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Close()
	ws := dialConnected(t, ts.URL)
	mu.Lock()
	s := sock
	mu.Unlock()

	const total = 4000 // ~8 MB: more than the loopback buffers hold
	pad := strings.Repeat("x", 2000)
	pkt := func(i int) *engineio.Packet {
		p, err := engineio.NewEvent("n", json.RawMessage(fmt.Sprint(i)), json.RawMessage(`"`+pad+`"`))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	pings := 0
	for i := 0; i < total; {
		if i%3 == 0 {
			if err := s.SendMany([]*engineio.Packet{pkt(i), pkt(i + 1)}); err != nil {
				t.Fatal(err)
			}
			i += 2
		} else {
			if err := s.Send(pkt(i)); err != nil {
				t.Fatal(err)
			}
			i++
		}
		if i%500 == 0 {
			if err := ws.WriteControl(websocket.PingMessage, []byte(fmt.Sprint(i)), time.Now().Add(time.Second)); err != nil {
				t.Fatal(err)
			}
			pings++
		}
	}
	pongs := 0
	ws.SetPongHandler(func(string) error { pongs++; return nil })
	for want := 0; want < total; want++ {
		got := readMessage(t, ws)
		var args []json.RawMessage
		if !strings.HasPrefix(got, `42["n",`) || json.Unmarshal([]byte(got[2:]), &args) != nil || len(args) != 3 || string(args[2]) != `"`+pad+`"` {
			t.Fatalf("packet %d is %.60q…", want, got)
		}
		if string(args[1]) != fmt.Sprint(want) {
			t.Fatalf("packet %d carries %s: out of order", want, args[1])
		}
	}
	// The pongs are read along the way (gorilla handles them in ReadMessage);
	// a last echo makes sure the ones queued after the packets are read too.
	writeText(t, ws, `42["no-such-event"]`)
	if err := ws.WriteControl(websocket.PingMessage, []byte("last"), time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	pings++
	eventually(t, "every pong", func() bool {
		_ = ws.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		_, _, _ = ws.NextReader()
		return pongs == pings
	})
}

// TestPingFloodWithoutReadingIsDropped: a client that sends websocket pings
// but never reads the pongs is disconnected as slow (counted in
// Stats.Overflows) instead of growing the server's pending pongs without
// bound.
func TestPingFloodWithoutReadingIsDropped(t *testing.T) {
	srv := engineio.New(engineio.Config{OnConnect: func(*engineio.Socket, engineio.Handshake) error { return nil }})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Close()
	ws := dialConnected(t, ts.URL)
	payload := []byte(strings.Repeat("p", 125))
	for i := 0; i < 400_000; i++ { // ~52 MB of pings: far more than the socket buffers hold
		if err := ws.WriteControl(websocket.PingMessage, payload, time.Now().Add(5*time.Second)); err != nil {
			break // the server closed the connection
		}
		if srv.Stats().Overflows > 0 {
			break
		}
	}
	eventually(t, "the flooding client to be dropped as slow", func() bool { return srv.Stats().Overflows == 1 })
}

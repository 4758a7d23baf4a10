package engineio_test

import (
	"encoding/json"
	"net/http/httptest"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"smartwait/internal/engineio"
)

// burn uses about n KiB of stack, as a handler that queries a database does
// (a join looks the patient up through database/sql and the SQLite driver).
//
//go:noinline
func burn(n int) byte {
	var b [1024]byte
	b[n%len(b)] = byte(n)
	if n <= 0 {
		return b[0]
	}
	return burn(n-1) + b[n%len(b)]
}

// An idle websocket client must not keep the stack its handlers grew: the
// reader parks for the connection's whole life, so a stack grown on it stays
// (the garbage collector halves it at most once per cycle). With OnConnect
// and an event handler each needing 64 KiB of stack, 100 connected clients
// must hold less than 16 KiB of stack each once their handlers are done.
// Collection is off during the measure so that no cycle shrinks a stack.
func TestIdleClientsDoNotKeepTheHandlersStack(t *testing.T) {
	srv := engineio.New(engineio.Config{OnConnect: func(s *engineio.Socket, _ engineio.Handshake) error {
		burn(64)
		s.On("deep", func(_ []json.RawMessage, ack engineio.Ack) {
			burn(64)
			_ = ack("done")
		})
		return nil
	}})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Close()

	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const clients = 100
	for range clients {
		ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+"/socket.io/?EIO=4&transport=websocket", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		readText(t, ws) // open
		writeText(t, ws, "40")
		if got := readText(t, ws); !strings.HasPrefix(got, "40") {
			t.Fatalf("connect answer %q", got)
		}
		writeText(t, ws, `421["deep"]`)
		if got := readText(t, ws); got != `431["done"]` {
			t.Fatalf("ack %q", got)
		}
	}
	runtime.ReadMemStats(&after)
	perClient := float64(int64(after.StackInuse)-int64(before.StackInuse)) / clients / 1024
	t.Logf("stack per idle client: %.1f KiB", perClient)
	if perClient >= 16 {
		t.Fatalf("each idle client holds %.1f KiB of stack, want < 16 KiB: the handlers' stack is kept", perClient)
	}
}

package engineio_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"

	"smartwait/internal/engineio"
)

// Fan-outs from several goroutines while clients come and go: under -race this
// proves Send, disconnects and the writers share the session safely, and that
// every packet a client gets is whole and in the order each sender sent.
func TestConcurrentFanOutWhileClientsLeave(t *testing.T) {
	var mu sync.Mutex
	var socks []*engineio.Socket
	srv := engineio.New(engineio.Config{QueueSize: 1024, OnConnect: func(s *engineio.Socket, _ engineio.Handshake) error {
		mu.Lock()
		socks = append(socks, s)
		mu.Unlock()
		return nil
	}})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Close()

	const clients, senders, perSender = 8, 4, 100
	conns := make([]*websocket.Conn, clients)
	for i := range conns {
		conns[i] = dialConnected(t, ts.URL)
	}
	mu.Lock()
	targets := append([]*engineio.Socket(nil), socks...)
	mu.Unlock()

	var wg sync.WaitGroup
	for g := 0; g < senders; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perSender; i++ {
				p, err := engineio.NewEvent("tick", json.RawMessage(`[`+itoa(g)+`,`+itoa(i)+`]`))
				if err != nil {
					t.Error(err)
					return
				}
				for _, s := range targets {
					_ = s.Send(p) // ErrClosed for the ones that left: never blocks
				}
			}
		}()
	}
	// Half the clients leave while the fan-out runs.
	for _, ws := range conns[:clients/2] {
		_ = ws.Close()
	}
	wg.Wait()
	// The others get every tick, whole, each sender's in order.
	for _, ws := range conns[clients/2:] {
		next := make([]int, senders)
		for n := 0; n < senders*perSender; n++ {
			var tick [2]int
			got := readMessage(t, ws)
			var arr []json.RawMessage
			if !strings.HasPrefix(got, "42") || json.Unmarshal([]byte(got[2:]), &arr) != nil || len(arr) != 2 ||
				json.Unmarshal(arr[1], &tick) != nil {
				t.Fatalf("packet %q", got)
			}
			g, i := tick[0], tick[1]
			if i != next[g] {
				t.Fatalf("sender %d: tick %d, want %d", g, i, next[g])
			}
			next[g]++
		}
	}
	eventually(t, "the leavers disconnected", func() bool { return srv.Connections() == clients/2 })
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

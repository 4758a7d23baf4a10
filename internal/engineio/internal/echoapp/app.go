// Package echoapp is a tiny application on engineio for its tests: the Go
// harness (engineio's tests) and the Node suite (e2e/engine.test.mjs, through
// the echoserver command) both drive it with real clients.
//
// A client connects with auth {"token":"secret"} (anything else is refused
// with CONNECT_ERROR "unauthorized", data {"code":"UNAUTHORIZED"}) and may emit:
//
//	echo ...args, ack        → ack(...args)
//	join room, ack           → joins room; ack("joined", room)
//	to-room room event data  → every member of room gets event(data), from one
//	                           encoded packet (engineio.NewEvent + Send)
//	ask question             → the server emits "question"(question) asking for
//	                           an ack, and emits "answer"(...ack args) with it
//	kick                     → the server disconnects the socket
//	last-disconnect, ack     → ack(reason of the latest disconnect, or "")
//	flood n                  → the server emits n "flood" events at once
package echoapp

import (
	"encoding/json"
	"sync"

	"smartwait/internal/engineio"
)

// App holds the rooms. Its methods are safe for concurrent use.
type App struct {
	mu             sync.Mutex
	rooms          map[string]map[*engineio.Socket]struct{}
	lastDisconnect string
}

// New returns an App with no rooms.
func New() *App { return &App{rooms: map[string]map[*engineio.Socket]struct{}{}} }

// LastDisconnect is the reason of the latest disconnect ("" before any).
func (a *App) LastDisconnect() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.lastDisconnect
}

// OnConnect is the engineio.Config.OnConnect of the app.
func (a *App) OnConnect(s *engineio.Socket, hs engineio.Handshake) error {
	var auth struct {
		Token string `json:"token"`
	}
	if hs.Auth != nil {
		_ = json.Unmarshal(hs.Auth, &auth)
	}
	if auth.Token != "secret" {
		return &engineio.ConnectError{Message: "unauthorized", Data: map[string]string{"code": "UNAUTHORIZED"}}
	}
	var joined []string // guarded by a.mu
	s.On("echo", func(args []json.RawMessage, ack engineio.Ack) {
		if ack != nil {
			_ = ack(rawArgs(args)...)
		}
	})
	s.On("join", func(args []json.RawMessage, ack engineio.Ack) {
		room := str(args, 0)
		a.mu.Lock()
		if a.rooms[room] == nil {
			a.rooms[room] = map[*engineio.Socket]struct{}{}
		}
		a.rooms[room][s] = struct{}{}
		joined = append(joined, room)
		a.mu.Unlock()
		if ack != nil {
			_ = ack("joined", room)
		}
	})
	s.On("to-room", func(args []json.RawMessage, _ engineio.Ack) {
		if len(args) < 3 {
			return
		}
		p, err := engineio.NewEvent(str(args, 1), args[2])
		if err != nil {
			return
		}
		a.mu.Lock()
		members := make([]*engineio.Socket, 0, len(a.rooms[str(args, 0)]))
		for m := range a.rooms[str(args, 0)] {
			members = append(members, m)
		}
		a.mu.Unlock()
		for _, m := range members { // never under a.mu: Send may disconnect
			_ = m.Send(p)
		}
	})
	s.On("ask", func(args []json.RawMessage, _ engineio.Ack) {
		_ = s.EmitWithAck("question", func(answer []json.RawMessage) {
			_ = s.Emit("answer", rawArgs(answer)...)
		}, rawArgs(args)...)
	})
	s.On("kick", func([]json.RawMessage, engineio.Ack) { s.Disconnect() })
	s.On("last-disconnect", func(_ []json.RawMessage, ack engineio.Ack) {
		if ack != nil {
			_ = ack(a.LastDisconnect())
		}
	})
	s.On("flood", func(args []json.RawMessage, _ engineio.Ack) {
		var n int
		if len(args) > 0 {
			_ = json.Unmarshal(args[0], &n)
		}
		for i := 0; i < n; i++ {
			if s.Emit("flood", i) != nil {
				return
			}
		}
	})
	s.OnDisconnect(func(reason string) {
		a.mu.Lock()
		defer a.mu.Unlock()
		a.lastDisconnect = reason
		for _, room := range joined {
			delete(a.rooms[room], s)
			if len(a.rooms[room]) == 0 {
				delete(a.rooms, room)
			}
		}
	})
	return nil
}

func rawArgs(args []json.RawMessage) []any {
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = a
	}
	return out
}

func str(args []json.RawMessage, i int) string {
	var s string
	if i < len(args) {
		_ = json.Unmarshal(args[i], &s)
	}
	return s
}

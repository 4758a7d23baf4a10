package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// rawConn is a minimal Socket.IO v4 client over one Engine.IO websocket: it
// connects to the default namespace, joins with acknowledgements, answers pings
// and records position_update arrivals. One goroutine per connection, small
// buffers: the load client must not be the bottleneck it measures.
type rawConn struct {
	ws  *websocket.Conn
	wmu sync.Mutex
}

var dialer = &websocket.Dialer{ReadBufferSize: 1024, WriteBufferSize: 1024, HandshakeTimeout: 60 * time.Second}

func (c *rawConn) send(text string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.ws.WriteMessage(websocket.TextMessage, []byte(text))
}

// Disconnect closes the connection.
func (c *rawConn) Disconnect() { _ = c.ws.Close() }

func connectRaw(base, id string, track *tracker) (conn, error) {
	u := "ws://" + strings.TrimPrefix(base, "http://") + "/socket.io/?EIO=4&transport=websocket"
	ws, _, err := dialer.Dial(u, nil)
	if err != nil {
		return nil, err
	}
	c := &rawConn{ws: ws}
	_ = ws.SetReadDeadline(time.Now().Add(60 * time.Second))
	read := func() ([]byte, error) {
		for {
			_, msg, err := ws.ReadMessage()
			if err != nil {
				return nil, err
			}
			if string(msg) == "2" { // Engine.IO ping
				if err := c.send("3"); err != nil {
					return nil, err
				}
				continue
			}
			return msg, nil
		}
	}
	fail := func(err error) (conn, error) {
		_ = ws.Close()
		return nil, err
	}
	if msg, err := read(); err != nil || len(msg) == 0 || msg[0] != '0' {
		return fail(fmt.Errorf("no Engine.IO open packet: %q %v", msg, err))
	}
	if err := c.send("40"); err != nil {
		return fail(err)
	}
	if msg, err := read(); err != nil || !bytes.HasPrefix(msg, []byte("40")) {
		return fail(fmt.Errorf("no Socket.IO connect: %q %v", msg, err))
	}
	if err := c.send(`420["join-patient-room","` + id + `"]`); err != nil {
		return fail(err)
	}
	if err := c.send(`421["join-patients-room"]`); err != nil {
		return fail(err)
	}
	acks := 0
	for acks < 2 {
		msg, err := read()
		if err != nil {
			return fail(err)
		}
		if bytes.HasPrefix(msg, []byte("43")) { // ack
			if !bytes.Contains(msg, []byte(`"room"`)) {
				return fail(fmt.Errorf("join refused: %s", msg))
			}
			acks++
		}
	}
	_ = ws.SetReadDeadline(time.Time{})
	go c.readLoop(track)
	return c, nil
}

func (c *rawConn) readLoop(track *tracker) {
	for {
		_, msg, err := c.ws.ReadMessage()
		if err != nil {
			if !errors.Is(err, websocket.ErrCloseSent) && !strings.Contains(err.Error(), "use of closed network connection") {
				track.disconnected(err)
			}
			return
		}
		switch {
		case string(msg) == "2":
			_ = c.send("3")
		case bytes.HasPrefix(msg, []byte(`42["position_update",`)):
			at := time.Now()
			var ev []json.RawMessage
			var p struct {
				Version int64 `json:"version"`
			}
			if json.Unmarshal(msg[2:], &ev) == nil && len(ev) == 2 && json.Unmarshal(ev[1], &p) == nil {
				track.arrived(p.Version, at)
			}
		}
	}
}

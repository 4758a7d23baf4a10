package main

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/zishang520/socket.io/clients/socket/v3"
	server "github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// libraryConn is a client made with the zishang520 Go client library.
type libraryConn struct{ *socket.Socket }

func (c libraryConn) Disconnect() { c.Socket.Disconnect() }

func connectLibrary(base, id string, track *tracker) (conn, error) {
	opts := socket.DefaultOptions()
	opts.SetTransports(types.NewSet(socket.WebSocket))
	opts.SetForceNew(true)
	opts.SetReconnection(false)
	opts.SetTimeout(60 * time.Second)
	joined := make(chan error, 4)
	c, err := socket.Connect(base, opts)
	if err != nil {
		return nil, err
	}
	_ = c.On("position_update", func(args ...any) {
		at := time.Now()
		if m, ok := args[0].(map[string]any); ok {
			if v, ok := m["version"].(float64); ok {
				track.arrived(int64(v), at)
			}
		}
	})
	connected := make(chan struct{})
	var once sync.Once
	_ = c.On("disconnect", func(args ...any) {
		select {
		case <-connected:
			if track.disconnects.Add(1) <= 3 {
				fmt.Fprintf(os.Stderr, "client disconnected: %v\n", args)
			}
		default:
			joined <- fmt.Errorf("closed before connect: %v", args)
		}
	})
	ack := func(args []any, err error) {
		if err == nil && len(args) > 0 {
			if m, ok := args[0].(map[string]any); ok && m["room"] != nil {
				joined <- nil
				return
			}
		}
		joined <- fmt.Errorf("join failed: %v %v", args, err)
	}
	_ = c.On("connect", func(...any) { once.Do(func() { close(connected) }) })
	_ = c.On("connect_error", func(args ...any) { joined <- fmt.Errorf("connect_error: %v", args) })
	select {
	case <-connected:
	case err := <-joined:
		return nil, err
	case <-time.After(60 * time.Second):
		return nil, errors.New("connect timed out")
	}
	_ = c.Emit("join-patient-room", id, server.Ack(ack))
	_ = c.Emit("join-patients-room", server.Ack(ack))
	for range 2 {
		select {
		case err := <-joined:
			if err != nil {
				return nil, err
			}
		case <-time.After(60 * time.Second):
			return nil, errors.New("join timed out")
		}
	}
	return libraryConn{c}, nil
}

package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/zishang520/socket.io/clients/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// connect opens one Socket.IO connection per patient (websocket transport,
// handshake auth {patientId}) and joins the patient's room, Concurrency
// handshakes at a time. A patient whose socket fails keeps no socket and is
// left out of the event counts.
func (r *runner) connect(ctx context.Context, ph *Phase) {
	ph.run(ctx, len(r.patients), r.cfg.Concurrency, func(ctx context.Context, i int) error {
		p := r.patients[i]
		s, err := r.dial(ctx, p)
		if err != nil {
			return err
		}
		p.sock = s
		return nil
	})
}

func (r *runner) dial(ctx context.Context, p *patient) (*socket.Socket, error) {
	opts := socket.DefaultOptions()
	opts.SetForceNew(true)
	opts.SetReconnection(false)
	opts.SetAutoConnect(false)
	opts.SetTimeout(15 * time.Second)
	opts.SetTransports(types.NewSet(socket.WebSocket))
	opts.SetAuth(map[string]any{"patientId": p.id})
	s, err := socket.Io(strings.TrimRight(r.cfg.URL, "/"), opts)
	if err != nil {
		return nil, err
	}
	joined := make(chan error, 4)
	s.On("position_update", func(args ...any) { r.event(p, args) })
	s.On("patient_called", func(args ...any) { r.event(p, args) })
	s.On("connect", func(...any) { s.Emit("join-patient-room", p.id) })
	s.On("room-joined", func(...any) { joined <- nil })
	s.On("error", func(args ...any) { joined <- fmt.Errorf("join refused: %v", first(args)) })
	s.On("connect_error", func(args ...any) { joined <- fmt.Errorf("connect: %v", first(args)) })
	s.Connect()
	t := time.NewTimer(20 * time.Second)
	defer t.Stop()
	select {
	case err = <-joined:
	case <-t.C:
		err = fmt.Errorf("no room-joined within 20s")
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		s.Disconnect()
		return nil, err
	}
	return s, nil
}

// event handles a position_update or patient_called payload.
func (r *runner) event(p *patient, args []any) {
	m, ok := first(args).(map[string]any)
	if !ok {
		return
	}
	var v int64
	switch x := m["version"].(type) {
	case float64:
		v = int64(x)
	case int64:
		v = x
	case int:
		v = int64(x)
	case json.Number:
		v, _ = x.Int64()
	default:
		return
	}
	r.onEvent(p, v)
}

func first(args []any) any {
	if len(args) == 0 {
		return nil
	}
	return args[0]
}

func (r *runner) closeSockets() {
	for _, p := range r.patients {
		if p.sock != nil {
			p.sock.Disconnect()
		}
	}
}

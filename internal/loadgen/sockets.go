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

// libraryTimeout is the connect timeout handed to the Socket.IO client
// library: longer than any run, so that it never fires. The library arms that
// timer when it opens the connection and clears it on open, but the clearing
// races the open (Manager.Open registers it after the engine may already have
// opened), and a timer that escapes it closes a connected socket when it
// fires, silently: servers saw "transport close" exactly 15 s after the
// handshake, and the run counted the socket's events as lost. dial enforces
// the run's own connect timeout instead, only until the room is joined.
const libraryTimeout = MaxDuration + time.Hour

func (r *runner) dial(ctx context.Context, p *patient) (*socket.Socket, error) {
	opts := socket.DefaultOptions()
	opts.SetForceNew(true)
	opts.SetReconnection(false)
	opts.SetAutoConnect(false)
	opts.SetTimeout(libraryTimeout)
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
	// Closes after the join are recorded, so that the report can tell events
	// lost because the socket was gone from events the server never sent.
	s.On("disconnect", func(args ...any) { r.closed(p, closeCause(fmt.Sprint(first(args)))) })
	s.Io().On("error", func(args ...any) { r.closed(p, causeClient+fmt.Sprint(first(args))) })
	s.Connect()
	t := time.NewTimer(r.connectTimeout())
	defer t.Stop()
	select {
	case err = <-joined:
	case <-t.C:
		err = fmt.Errorf("no room-joined within %s", r.connectTimeout())
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		p.giveUp()
		s.Disconnect()
		return nil, err
	}
	return s, nil
}

// Who ended a socket that closed during the run, as the report prints it.
const (
	causeClient     = "client gave up: "  // this program closed it (or its library did)
	causeServer     = "server closed: "   // the server disconnected it
	causeConnection = "connection lost: " // the transport closed under both
)

// closeCause names who ended a socket from its Socket.IO disconnect reason.
func closeCause(reason string) string {
	switch reason {
	case "io server disconnect":
		return causeServer + reason
	case "transport close", "transport error":
		return causeConnection + reason
	default: // "io client disconnect", "ping timeout", "parse error", "forced close"
		return causeClient + reason
	}
}

// closed records that p's socket closed while the run still counted on it.
func (r *runner) closed(p *patient, cause string) {
	if r.closing.Load() {
		return // the run is over: closeSockets is closing everything
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closedBy == "" && !p.abandoned {
		p.closedBy = cause
	}
}

// giveUp marks a patient whose socket never joined: its closing is not news.
func (p *patient) giveUp() {
	p.mu.Lock()
	p.abandoned = true
	p.mu.Unlock()
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
	r.closing.Store(true)
	for _, p := range r.patients {
		if p.sock != nil {
			p.sock.Disconnect()
		}
	}
}

func (r *runner) connectTimeout() time.Duration {
	if r.cfg.ConnectTimeout > 0 {
		return r.cfg.ConnectTimeout
	}
	return DefaultConnectTimeout
}

package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
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
		return r.join(ctx, r.patients[i])
	})
}

// join dials p's socket until it has joined p's room, and keeps it. The
// client library now and then misses its own engine's open (its Manager
// listens for it only after dialling): that socket never connects, through no
// fault of the server's. It is dialled again, up to dialAttempts dials, and
// counted for the report; a server that never lets it connect still fails.
func (r *runner) join(ctx context.Context, p *patient) error {
	s, err := r.dial(ctx, p)
	for try := 1; try < dialAttempts && errors.Is(err, errNoConnect) && ctx.Err() == nil; try++ {
		r.redials.Add(1)
		s, err = r.dial(ctx, p)
	}
	if err != nil {
		return err
	}
	p.setSocket(s)
	return nil
}

// dialAttempts bounds the dials of one patient's socket that never connect.
const dialAttempts = 3

// errNoConnect: the socket never connected within the connect timeout.
var errNoConnect = errors.New("no Socket.IO connect")

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
	var connected atomic.Bool
	s.On("position_update", func(args ...any) { r.event(p, args) })
	s.On("patient_called", func(args ...any) { r.event(p, args) })
	s.On("connect", func(...any) { connected.Store(true); s.Emit("join-patient-room", p.id) })
	s.On("room-joined", func(...any) { joined <- nil })
	s.On("error", func(args ...any) { joined <- fmt.Errorf("join refused: %v", first(args)) })
	s.On("connect_error", func(args ...any) { joined <- fmt.Errorf("connect: %v", first(args)) })
	// Closes after the join are recorded, so that the report can tell events
	// lost because the socket was gone from events the server never sent.
	s.On("disconnect", func(args ...any) { r.closed(p, s, closeCause(fmt.Sprint(first(args)))) })
	s.Io().On("error", func(args ...any) { r.closed(p, s, causeClient+fmt.Sprint(first(args))) })
	s.Connect()
	t := time.NewTimer(r.connectTimeout())
	defer t.Stop()
	select {
	case err = <-joined:
	case <-t.C:
		// Which step never came tells a client that missed its own open
		// (the library's, seen now and then under load) from a server that
		// did not answer the join.
		if connected.Load() {
			err = fmt.Errorf("connected, but no room-joined within %s", r.connectTimeout())
		} else {
			err = fmt.Errorf("%w within %s", errNoConnect, r.connectTimeout())
		}
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

// closed records that p's socket s closed while the run still counted on it;
// a socket of an attempt the run gave up on (p kept another) is no news.
func (r *runner) closed(p *patient, s *socket.Socket, cause string) {
	if r.closing.Load() {
		return // the run is over: closeSockets is closing everything
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closedBy == "" && !p.abandoned && (p.sock == nil || p.sock == s) {
		p.closedBy = cause
	}
}

// giveUp marks a patient whose socket never joined: its closing is not news.
// setSocket keeps s as p's socket: p joined (after attempts it gave up on).
func (p *patient) setSocket(s *socket.Socket) {
	p.mu.Lock()
	p.sock, p.abandoned = s, false
	p.mu.Unlock()
}

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

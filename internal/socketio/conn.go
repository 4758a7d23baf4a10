package socketio

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zishang520/socket.io/parsers/engine/v3/packet"
	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"

	"smartwait/internal/auth"
	"smartwait/internal/events"
	"smartwait/internal/queue"
	"smartwait/internal/realtime"
)

// Client → server events (CONTRACT §4.1) and the server's answers.
const (
	evJoinPatient  = "join-patient-room"
	evJoinPatients = "join-patients-room"
	evJoinStaff    = "join-staff-room"
	evLeave        = "leave-room"
	evJoined       = "room-joined"
	evLeft         = "room-left"
	evError        = "error"
)

// Error codes of the join events.
const (
	codeUnauthorized = "UNAUTHORIZED"
	codeValidation   = "VALIDATION_ERROR"
	codeTooManyRooms = "TOO_MANY_ROOMS"
	codeInternal     = "INTERNAL_ERROR"
)

// conn is one connected socket: its hub subscriber and what its handshake said.
type conn struct {
	srv       *Server
	sock      *socket.Socket
	sub       *realtime.Subscriber
	token     string // auth.token of the handshake: a staff socket
	patientID string // auth.patientId of the handshake
	pending   atomic.Int64

	mu     sync.Mutex
	expiry *time.Timer // ends a staff socket when its session expires
}

func (s *Server) connect(sock *socket.Socket) {
	c := &conn{srv: s, sock: sock}
	if a := sock.Handshake().Auth; a != nil {
		c.token, _ = a["token"].(string)
		c.patientID, _ = a["patientId"].(string)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		sock.Disconnect(true)
		return
	}
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	c.sub = s.cfg.Hub.Subscribe("socketio", c.send, c.dropped)
	defer s.openGate(sock.Conn().Id()) // the handlers below are in place

	// Count packets waiting in the engine's write buffer (a polling client
	// between polls), so a client that stops reading is dropped, not buffered
	// for without bound.
	eio := sock.Conn()
	_ = eio.On("packetCreate", func(...any) { c.pending.Add(1) })
	_ = eio.On("flush", func(args ...any) {
		if len(args) > 0 {
			if wbuf, ok := args[0].([]*packet.Packet); ok {
				c.pending.Add(-int64(len(wbuf)))
			}
		}
	})

	_ = sock.On(evJoinPatient, func(args ...any) { c.joinPatient(args) })
	_ = sock.On(evJoinPatients, func(args ...any) { c.join(events.RoomPatients, ackOf(args)) })
	_ = sock.On(evJoinStaff, func(args ...any) { c.joinStaff(ackOf(args)) })
	_ = sock.On(evLeave, func(args ...any) { c.leave(args) })
	_ = sock.On("disconnect", func(args ...any) {
		if len(args) > 0 {
			s.cfg.Log.Debug("socketio: disconnected", "reason", args[0])
		}
		c.close()
	})
	// After the disconnect handler is in place, since binding may disconnect.
	c.bindStaff()
}

// ackOf returns the acknowledgement callback the client passed, if any: it is
// always the last argument.
func ackOf(args []any) socket.Ack {
	if len(args) > 0 {
		if ack, ok := args[len(args)-1].(socket.Ack); ok {
			return ack
		}
	}
	return nil
}

// reply emits the answer event and gives the same object to the ack callback.
func (c *conn) reply(ack socket.Ack, event string, payload any) {
	_ = c.sock.Emit(event, payload)
	if ack != nil {
		ack([]any{payload}, nil)
	}
}

func (c *conn) fail(ack socket.Ack, code, message string) {
	c.reply(ack, evError, events.Refused(code, message))
}

// failErr answers with the code an error carries (queue and auth errors do).
func (c *conn) failErr(ack socket.Ack, err error) {
	var coded interface {
		error
		ErrorCode() string
	}
	if errors.As(err, &coded) && coded.ErrorCode() != queue.CodeUnavailable {
		c.fail(ack, coded.ErrorCode(), coded.Error())
		return
	}
	c.srv.cfg.Log.Warn("socketio: join failed", "err", err)
	c.fail(ack, codeInternal, "Could not join the room, please try again")
}

func (c *conn) join(room string, ack socket.Ack) {
	hub := c.srv.cfg.Hub
	if !hub.InRoom(c.sub, room) && hub.RoomCount(c.sub) >= maxRooms {
		c.fail(ack, codeTooManyRooms, "Too many rooms joined on one connection")
		return
	}
	hub.Join(c.sub, room)
	c.reply(ack, evJoined, events.Joined(room))
}

// joinPatient joins patient_{id} for an id that exists. The id is the event's
// argument (a string, or an object with patientId), else the handshake's.
func (c *conn) joinPatient(args []any) {
	ack := ackOf(args)
	id := c.patientID
	if len(args) > 0 {
		switch v := args[0].(type) {
		case string:
			id = v
		case map[string]any:
			if s, ok := v["patientId"].(string); ok {
				id = s
			}
		}
	}
	id = strings.TrimSpace(id)
	if !queue.ValidID(id) {
		c.fail(ack, queue.CodePatientNotFound, "Patient not found")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	if _, err := c.srv.cfg.Patients.Status(ctx, id); err != nil {
		c.failErr(ack, err)
		return
	}
	c.join(events.PatientRoom(id), ack)
}

// joinStaff joins the staff room for a socket whose handshake token is a valid
// staff session (binding the socket to it, in case the handshake's lookup
// failed).
func (c *conn) joinStaff(ack socket.Ack) {
	if c.token == "" {
		c.fail(ack, codeUnauthorized, "Staff authentication required")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	sess, _, err := c.srv.cfg.Auth.Authenticate(ctx, c.token)
	if err != nil {
		c.failErr(ack, err)
		return
	}
	if !c.bindSession(sess) {
		c.fail(ack, codeUnauthorized, "Staff authentication required")
		return
	}
	c.join(events.RoomStaff, ack)
}

// bindStaff ties a socket whose handshake carries a staff token to its session
// as soon as it connects, before and whether or not it joins any room: a
// staff socket is staff's however it is used, so it must end with its
// session. An invalid token leaves the socket an anonymous one (join-staff-room
// then answers the error); a lookup that fails is retried by join-staff-room.
func (c *conn) bindStaff() {
	if c.token == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	sess, _, err := c.srv.cfg.Auth.Authenticate(ctx, c.token)
	if err != nil {
		return
	}
	c.bindSession(sess)
}

// bindSession ties the socket to sess in the hub, so that ending the session
// (on any instance) disconnects it, and arms the timer that disconnects it
// when the session expires. The binding is not a room: leave-room cannot undo
// it. It reports false, after disconnecting the socket, when the session has
// already ended.
func (c *conn) bindSession(sess auth.Session) bool {
	if !c.srv.cfg.Hub.BindSession(c.sub, sess.ID) {
		go c.sock.Disconnect(false)
		return false
	}
	c.mu.Lock()
	if c.expiry != nil {
		c.expiry.Stop()
	}
	c.expiry = time.AfterFunc(sess.ExpiresAt.Sub(c.srv.cfg.Now()), func() { c.sock.Disconnect(false) })
	c.mu.Unlock()
	return true
}

func (c *conn) leave(args []any) {
	ack := ackOf(args)
	var room string
	if len(args) > 0 {
		room, _ = args[0].(string)
	}
	if room == "" {
		c.fail(ack, codeValidation, "leave-room needs a room name")
		return
	}
	c.srv.cfg.Hub.Leave(c.sub, room)
	c.reply(ack, evLeft, events.Left(room))
}

// send is the hub subscriber's send function, run on the hub's writer goroutine
// for this socket.
func (c *conn) send(m realtime.Message) error {
	if m.Event == realtime.EventSessionEnded {
		go c.sock.Disconnect(false) // the client must not reconnect with a dead token
		return nil
	}
	if c.pending.Load() > int64(c.srv.cfg.MaxPending) {
		return realtime.ErrSlow
	}
	if !c.sock.Connected() {
		return nil
	}
	if !plainName(m.Event) {
		return c.sock.Emit(m.Event, m.Data)
	}
	// The payload is JSON already: write the Socket.IO event packet
	// 2["<event>",<data>] (default namespace; Engine.IO adds its message type
	// 4) directly, instead of having Emit re-marshal it for every one of
	// thousands of sockets.
	buf := make([]byte, 0, len(m.Event)+len(m.Data)+8)
	buf = append(append(append(append(buf, `2["`...), m.Event...), `",`...), m.Data...)
	buf = append(buf, ']')
	c.sock.Client().WriteToEngine([]types.BufferInterface{types.NewStringBuffer(buf)}, &socket.WriteOptions{})
	return nil
}

// plainName reports whether an event name needs no JSON escaping.
func plainName(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return s != ""
}

// dropped runs when the hub drops the socket (too slow, send failed, hub
// closed): closing the connection makes the client reconnect and fetch state.
func (c *conn) dropped(reason string) {
	if reason == realtime.ReasonHub {
		c.srv.cfg.Log.Debug("socketio: dropping socket", "reason", reason) // one per socket at shutdown
	} else {
		c.srv.cfg.Log.Info("socketio: dropping socket", "reason", reason)
	}
	c.sock.Disconnect(true)
}

func (c *conn) close() {
	c.mu.Lock()
	if c.expiry != nil {
		c.expiry.Stop()
	}
	c.mu.Unlock()
	c.sub.Close()
	c.srv.mu.Lock()
	delete(c.srv.conns, c)
	c.srv.mu.Unlock()
}

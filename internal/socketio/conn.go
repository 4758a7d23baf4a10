package socketio

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"time"

	"smartwait/internal/auth"
	"smartwait/internal/engineio"
	"smartwait/internal/events"
	"smartwait/internal/queue"
	"smartwait/internal/realtime"
)

// Client → server events (docs/events.md, Socket.IO) and the server's answers.
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
	sock      *engineio.Socket
	sub       *realtime.Subscriber
	token     string // auth.token of the handshake: a staff socket
	patientID string // auth.patientId of the handshake

	mu     sync.Mutex
	expiry *time.Timer // ends a staff socket when its session expires

	resume resumeState // joins that carry since (resume.go)
}

// connect is the engine's OnConnect: it runs before the client is told it is
// connected, on the connection's reader, so the handlers are in place before
// the client's first event can arrive.
func (s *Server) connect(sock *engineio.Socket, hs engineio.Handshake) error {
	c := &conn{srv: s, sock: sock}
	var a map[string]json.RawMessage
	if json.Unmarshal(hs.Auth, &a) == nil {
		// Only strings count, as before: anything else is no token.
		_ = json.Unmarshal(a["token"], &c.token)
		_ = json.Unmarshal(a["patientId"], &c.patientID)
	}
	s.mu.Lock()
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	c.sub = s.cfg.Hub.SubscribeInline("socketio", c.deliver, c.dropped)
	sock.OnDisconnect(c.close)
	sock.On(evJoinPatient, c.joinPatient)
	sock.On(evJoinPatients, c.joinPatients)
	sock.On(evJoinStaff, c.joinStaff)
	sock.On(events.JoinDisplayRoom, c.joinDisplay)
	sock.On(evLeave, c.leave)
	c.bindStaff()
	return nil
}

// reply emits the answer event and gives the same object to the ack callback.
func (c *conn) reply(ack engineio.Ack, event string, payload any) {
	_ = c.sock.Emit(event, payload)
	if ack != nil {
		_ = ack(payload)
	}
}

func (c *conn) fail(ack engineio.Ack, code, message string) {
	c.reply(ack, evError, events.Refused(code, message))
}

// failErr answers with the code an error carries (queue and auth errors do).
func (c *conn) failErr(ack engineio.Ack, err error) {
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

// follow makes the socket follow shards (Hub.Follow) before its join is
// answered, so the events of a client that reads state after the answer
// reach this instance. A broker that cannot confirm in time is logged, not
// refused: delivery starts when it can, and clients see the version gap.
func (c *conn) follow(shards ...string) {
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	if err := c.srv.cfg.Hub.Follow(ctx, c.sub, shards...); err != nil {
		c.srv.cfg.Log.Warn("socketio: following the room's shard failed", "err", err)
	}
}

func (c *conn) join(room string, ack engineio.Ack) {
	hub := c.srv.cfg.Hub
	if !hub.InRoom(c.sub, room) && hub.RoomCount(c.sub) >= maxRooms {
		c.fail(ack, codeTooManyRooms, "Too many rooms joined on one connection")
		return
	}
	hub.Join(c.sub, room)
	c.reply(ack, evJoined, events.Joined(room))
}

// joinDisplay joins the display room: of every line of a clinic (the
// default one, or the one the argument's "clinic" names), or, when the
// argument names lines (a list of slugs, or one string "a,lab"), of each of
// them. A clinic named with lines must be theirs.
func (c *conn) joinDisplay(args []json.RawMessage, ack engineio.Ack) {
	var lines []string
	opts := joinOptions(args)
	if len(args) > 0 {
		arg := args[0]
		if opts != nil {
			arg = opts["lines"] // {lines, since, clinic}
		}
		var list []string
		var one string
		switch {
		case json.Unmarshal(arg, &list) == nil:
			lines = list
		case json.Unmarshal(arg, &one) == nil:
			lines = strings.Split(one, ",")
		}
	}
	since, resume, ok := parseSince(opts["since"])
	if !ok {
		c.fail(ack, codeValidation, sinceMessage)
		return
	}
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
		if !queue.ValidSlug(lines[i]) {
			c.fail(ack, codeValidation, "lines must be line slugs")
			return
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	cl, ok := c.joinClinic(ctx, opts, ack)
	if !ok {
		return
	}
	var clinics map[string]string // line → its clinic, for the lines named
	if cr := c.srv.clinicReader(); cr != nil && len(lines) > 0 {
		var err error
		if clinics, err = cr.LineClinics(ctx, lines); err != nil {
			c.failErr(ack, err)
			return
		}
		if clinicNamed(opts) {
			for _, l := range lines {
				if lc, ok := clinics[l]; ok && lc != cl.Rooms {
					c.fail(ack, codeValidation, "line "+l+" is not a line of clinic "+cl.Slug)
					return
				}
			}
		}
	} else if len(lines) > 0 {
		clinics = map[string]string{}
		for _, l := range lines {
			clinics[l] = "" // no clinics to read: every line is the default clinic's
		}
	}
	rooms, shards := events.DisplayRooms(cl.Rooms, lines, clinics)
	if !c.roomsFit(rooms) {
		c.fail(ack, codeTooManyRooms, "Too many rooms joined on one connection")
		return
	}
	c.follow(shards...)
	if resume {
		want := cl.Lines // the clinic's lines when none are named
		if len(lines) > 0 {
			want = nil
			for _, l := range lines {
				if _, ok := clinics[l]; ok {
					want = append(want, l) // the lines named that exist
				}
			}
		}
		c.joinLinesFrom(ctx, rooms, strings.Join(rooms, ","), cl.Rooms, want, since, events.DisplaySnapshot, ack)
		return
	}
	hub := c.srv.cfg.Hub
	for _, r := range rooms {
		hub.Join(c.sub, r)
	}
	c.reply(ack, evJoined, events.Joined(strings.Join(rooms, ",")))
}

// joinPatient joins patient_{id} for an id that exists. The id is the event's
// argument (a string, or an object with patientId), else the handshake's.
func (c *conn) joinPatient(args []json.RawMessage, ack engineio.Ack) {
	since, resume, ok := parseSince(joinOptions(args)["since"])
	if !ok {
		c.fail(ack, codeValidation, sinceMessage)
		return
	}
	id := c.patientID
	if len(args) > 0 {
		var v any
		_ = json.Unmarshal(args[0], &v)
		switch v := v.(type) {
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
	st, err := c.srv.cfg.Patients.Status(ctx, id)
	if err != nil {
		c.failErr(ack, err)
		return
	}
	c.follow(events.Shard(st.Rooms))
	if resume {
		c.joinPatientFrom(ctx, st, since, ack)
		return
	}
	c.join(events.PatientRoom(id), ack)
}

// joinStaff joins the staff room of a clinic (the default one, or the one
// the argument's "clinic" names) for a socket whose handshake token is a
// valid staff session (binding the socket to it, in case the handshake's
// lookup failed) and whose account Config.MayJoinClinic lets in.
func (c *conn) joinStaff(args []json.RawMessage, ack engineio.Ack) {
	opts := joinOptions(args)
	since, resume, ok := parseSince(opts["since"])
	if !ok {
		c.fail(ack, codeValidation, sinceMessage)
		return
	}
	if c.token == "" {
		c.fail(ack, codeUnauthorized, "Staff authentication required")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	sess, user, err := c.srv.cfg.Auth.Authenticate(ctx, c.token)
	if err != nil {
		c.failErr(ack, err)
		return
	}
	if !c.bindSession(sess) {
		c.fail(ack, codeUnauthorized, "Staff authentication required")
		return
	}
	cl, ok := c.joinClinic(ctx, opts, ack)
	if !ok {
		return
	}
	if !c.srv.mayJoinStaff(user, cl) {
		c.fail(ack, codeForbidden, "You may not follow this clinic's staff room")
		return
	}
	room := events.ClinicRoom(events.RoomStaff, cl.Rooms)
	c.follow(events.Shard(cl.Rooms))
	if resume {
		c.joinLinesFrom(ctx, []string{room}, room, cl.Rooms, cl.Lines, since, events.StaffSnapshot, ack)
		return
	}
	c.join(room, ack)
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
// already ended. (From OnConnect, the DISCONNECT may reach the client before
// or instead of the CONNECT answer; either way it ends disconnected and does
// not reconnect with the dead token.)
func (c *conn) bindSession(sess auth.Session) bool {
	if !c.srv.cfg.Hub.BindSession(c.sub, sess.ID) {
		go c.sock.Disconnect()
		return false
	}
	c.mu.Lock()
	if c.expiry != nil {
		c.expiry.Stop()
	}
	c.expiry = time.AfterFunc(sess.ExpiresAt.Sub(c.srv.cfg.Now()), c.sock.Disconnect)
	c.mu.Unlock()
	return true
}

func (c *conn) leave(args []json.RawMessage, ack engineio.Ack) {
	var room string
	if len(args) > 0 {
		_ = json.Unmarshal(args[0], &room)
	}
	if room == "" {
		c.fail(ack, codeValidation, "leave-room needs a room name")
		return
	}
	c.srv.cfg.Hub.Leave(c.sub, room)
	c.reply(ack, evLeft, events.Left(room))
}

// packetKey names the Socket.IO encoding in realtime.Message.Encoded.
type packetKey struct{}

// encodePacket builds the Socket.IO event packet of a hub message, once per
// message for every socket (realtime.Message.Encoded). The payload is JSON
// already, and valid: the hub's messages are built by realtime.Batch.Add
// (encoding/json, or a payload's tested AppendJSON) or decoded from the
// broker by encoding/json.
func encodePacket(m realtime.Message) any {
	return engineio.NewTrustedEvent(m.Event, m.Data)
}

// send is the hub subscriber's send function, run inline on the hub's
// dispatcher (Hub.SubscribeInline) with the messages one batch has for this
// socket. It never blocks: the engine writes what the kernel takes at once and
// queues the rest, and a socket whose queue is full is disconnected (the hub
// counts it as slow).
func (c *conn) send(msgs []realtime.Message) error {
	pkts := make([]*engineio.Packet, 0, len(msgs))
	ended := false
	for _, m := range msgs {
		if m.Event == realtime.EventSessionEnded {
			ended = true // nothing after it is for this socket
			break
		}
		if !m.Shared() {
			pkts = append(pkts, engineio.NewDirectEvent(m.Event, m.Data))
			continue
		}
		pkts = append(pkts, m.Encoded(packetKey{}, encodePacket).(*engineio.Packet))
	}
	var err error
	if len(pkts) > 0 {
		err = c.sock.SendMany(pkts)
	}
	if ended {
		go c.sock.Disconnect() // the client must not reconnect with a dead token
	}
	if errors.Is(err, engineio.ErrOverflow) {
		return realtime.ErrSlow
	}
	return nil // ErrClosed: close has removed the subscriber, or is about to
}

// dropped runs when the hub drops the socket (too slow, send failed, hub
// closed): closing the connection without a DISCONNECT makes the client
// reconnect and fetch state.
func (c *conn) dropped(reason string) {
	if reason == realtime.ReasonHub {
		c.srv.cfg.Log.Debug("socketio: dropping socket", "reason", reason) // one per socket at shutdown
	} else {
		c.srv.cfg.Log.Info("socketio: dropping socket", "reason", reason)
	}
	c.sock.Close()
}

// close is the socket's OnDisconnect callback. It may run on the hub's writer
// goroutine (an overflow inside send), so it only releases, never waits.
func (c *conn) close(reason string) {
	c.srv.cfg.Log.Debug("socketio: disconnected", "reason", reason)
	c.mu.Lock()
	if c.expiry != nil {
		c.expiry.Stop()
	}
	c.mu.Unlock()
	if reason == engineio.ReasonSlow {
		c.sub.CloseSlow() // counted as slow, wherever the queue overflowed
	} else {
		c.sub.Close()
	}
	c.srv.mu.Lock()
	delete(c.srv.conns, c)
	c.srv.mu.Unlock()
}

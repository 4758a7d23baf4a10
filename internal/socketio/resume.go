package socketio

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"sync/atomic"

	"smartwait/internal/engineio"
	"smartwait/internal/events"
	"smartwait/internal/queue"
	"smartwait/internal/realtime"
)

// LineReader reads the lines and their active queues, for the snapshots of a
// join that cannot resume; *queue.Service is one.
type LineReader interface {
	LineIDs(ctx context.Context) ([]string, error)
	Queues(ctx context.Context, lines []string) ([]queue.LineQueue, error)
}

// resumeState is what a socket's resuming joins need on the delivery path:
// while a join reads its snapshot the socket's live messages are held back,
// and afterwards the messages a snapshot already reflects are skipped.
type resumeState struct {
	active atomic.Bool // ever held or skipped: the delivery path must look
	join   sync.Mutex  // one resuming join at a time per socket

	mu      sync.Mutex // never held while waiting on the hub
	holding bool
	held    []realtime.Message
	skips   []skip
}

// skip drops the messages of stream up to version for rooms: a snapshot at
// that version reflects them. A batch can reach this instance after the
// database already shows it (the broker is slower than the read).
type skip struct {
	stream  string
	version int64
	rooms   []string
}

func (k skip) drops(m realtime.Message) bool {
	return m.Stream == k.stream && m.Version <= k.version && slices.Contains(k.rooms, m.Room)
}

// deliver is the hub subscriber's send function: send, unless a resuming
// join holds the socket's messages back or a snapshot makes some stale.
func (c *conn) deliver(msgs []realtime.Message) error {
	r := &c.resume
	if !r.active.Load() {
		return c.send(msgs)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.holding {
		r.held = append(r.held, msgs...)
		if len(r.held) > 2*c.srv.cfg.QueueSize {
			return realtime.ErrSlow // as if the engine's queue had overflowed
		}
		return nil
	}
	return c.send(r.fresh(msgs))
}

// fresh returns msgs without the ones a snapshot already reflects.
func (r *resumeState) fresh(msgs []realtime.Message) []realtime.Message {
	if len(r.skips) == 0 {
		return msgs
	}
	out := msgs[:0:0]
	for _, m := range msgs {
		if !slices.ContainsFunc(r.skips, func(k skip) bool { return k.drops(m) }) {
			out = append(out, m)
		}
	}
	return out
}

func (c *conn) hold() {
	r := &c.resume
	r.active.Store(true)
	r.mu.Lock()
	r.holding = true
	r.mu.Unlock()
}

// release sends the snapshot, then what was held back (the replay and live
// messages) but what the snapshot reflects, and lets messages flow again.
func (c *conn) release(snapshot []realtime.Message, rooms []string) error {
	r := &c.resume
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range snapshot {
		r.skips = append(r.skips, skip{stream: m.Stream, version: m.Version, rooms: rooms})
	}
	held := r.fresh(r.held)
	r.holding, r.held = false, nil
	msgs := append(slices.Clip(snapshot), held...)
	if len(msgs) == 0 {
		return nil
	}
	return c.send(msgs)
}

// resumeJoin is a join that carried since.
type resumeJoin struct {
	rooms  []string
	answer string           // the room-joined answer's room
	since  map[string]int64 // line → the last version the client saw
	lines  []string         // the lines whose events the rooms carry
	// snapshot reads the state of the lines given (those that cannot resume)
	// as the events the rooms carry.
	snapshot func(ctx context.Context, lines []string) ([]realtime.Message, error)
}

// joinFrom joins j.rooms and brings the socket up to date: the events it
// missed of each line the hub can replay from the version since names, and a
// snapshot of every other line the rooms carry, all before any live event,
// none twice. It answers room-joined with resumed true when no snapshot was
// needed.
func (c *conn) joinFrom(ctx context.Context, j resumeJoin, ack engineio.Ack) {
	hub := c.srv.cfg.Hub
	if !c.roomsFit(j.rooms) {
		c.fail(ack, codeTooManyRooms, "Too many rooms joined on one connection")
		return
	}
	r := &c.resume
	r.join.Lock()
	defer r.join.Unlock()
	var fresh []string // rooms this join adds, left again if it fails
	for _, room := range j.rooms {
		if !hub.InRoom(c.sub, room) {
			fresh = append(fresh, room)
		}
	}
	c.hold()
	missing := hub.JoinFrom(c.sub, j.rooms, j.since, c.srv.cfg.QueueSize)
	var need []string
	for _, l := range j.lines {
		if _, named := j.since[l]; !named || slices.Contains(missing, l) {
			need = append(need, l)
		}
	}
	var snap []realtime.Message
	if len(need) > 0 {
		var err error
		if snap, err = j.snapshot(ctx, need); err != nil {
			for _, room := range fresh {
				hub.Leave(c.sub, room)
			}
			_ = c.release(nil, nil)
			c.failErr(ack, err)
			return
		}
	}
	if c.release(snap, j.rooms) != nil {
		return // too much at once: the socket is being dropped as slow
	}
	c.reply(ack, evJoined, events.JoinedResumed(j.answer, len(need) == 0))
}

// roomsFit reports whether joining rooms keeps the socket within maxRooms.
func (c *conn) roomsFit(rooms []string) bool {
	hub := c.srv.cfg.Hub
	fresh := 0
	for _, r := range rooms {
		if !hub.InRoom(c.sub, r) {
			fresh++
		}
	}
	return hub.RoomCount(c.sub)+fresh <= maxRooms
}

// joinOptions returns the join event's argument when it is an object (its
// fields: since, and per event patientId or lines), else nil.
func joinOptions(args []json.RawMessage) map[string]json.RawMessage {
	if len(args) == 0 {
		return nil
	}
	var o map[string]json.RawMessage
	if json.Unmarshal(args[0], &o) != nil {
		return nil
	}
	return o
}

// parseSince reads a join's since: {"<line>": <version>, …}. ok is false for
// a malformed one; present is false when there is none (absent or null).
func parseSince(raw json.RawMessage) (since map[string]int64, present, ok bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, false, true
	}
	if json.Unmarshal(raw, &since) != nil || since == nil || len(since) > realtime.MaxSince {
		return nil, true, false
	}
	for l, v := range since {
		if !queue.ValidSlug(l) || v < 0 {
			return nil, true, false
		}
	}
	return since, true, true
}

// lineReader is the configured LineReader, or Patients when it is one.
func (s *Server) lineReader() LineReader {
	if s.cfg.Lines != nil {
		return s.cfg.Lines
	}
	lr, _ := s.cfg.Patients.(LineReader)
	return lr
}

// lineSnapshots builds the resume join's snapshot of lines with build,
// addressed to clinic's rooms.
func (s *Server) lineSnapshots(clinic string, build events.LineSnapshot) func(context.Context, []string) ([]realtime.Message, error) {
	return func(ctx context.Context, lines []string) ([]realtime.Message, error) {
		qs, err := s.lineReader().Queues(ctx, lines)
		if err != nil {
			return nil, err
		}
		return events.LineSnapshots(clinic, qs, build, s.cfg.Now()), nil
	}
}

// sinceMessage answers a malformed since.
const sinceMessage = "since must map line slugs to the versions last seen"

// joinPatients is join-patients-room: the patients room of a clinic (the
// default one, or the one the argument's "clinic" names); with since, a
// resuming join of every line's queue_update of that clinic.
func (c *conn) joinPatients(args []json.RawMessage, ack engineio.Ack) {
	opts := joinOptions(args)
	since, resume, ok := parseSince(opts["since"])
	if !ok {
		c.fail(ack, codeValidation, sinceMessage)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	cl, ok := c.joinClinic(ctx, opts, ack)
	if !ok {
		return
	}
	room := events.ClinicRoom(events.RoomPatients, cl.Rooms)
	c.follow(events.Shard(cl.Rooms))
	if resume {
		c.joinLinesFrom(ctx, []string{room}, room, cl.Rooms, cl.Lines, since, events.PatientsSnapshot, ack)
		return
	}
	c.join(room, ack)
}

// joinLinesFrom is a resuming join of rooms that carry the events of lines
// (of clinic, whose rooms the snapshots are addressed to); build makes a
// line's snapshot.
func (c *conn) joinLinesFrom(ctx context.Context, rooms []string, answer, clinic string, lines []string, since map[string]int64,
	build events.LineSnapshot, ack engineio.Ack) {
	if c.srv.lineReader() == nil {
		c.fail(ack, codeValidation, "since is not supported here")
		return
	}
	c.joinFrom(ctx, resumeJoin{rooms: rooms, answer: answer, since: since, lines: lines,
		snapshot: c.srv.lineSnapshots(clinic, build)}, ack)
}

// joinPatientFrom is a resuming join of the patient's room, whose ticket st
// is on line st.QueueID now. A line since names that the hub cannot replay
// (the one a transferred patient left) costs a snapshot of the patient too.
func (c *conn) joinPatientFrom(ctx context.Context, st queue.PatientStatus, since map[string]int64, ack engineio.Ack) {
	lines := []string{st.QueueID}
	for l := range since {
		if l != st.QueueID {
			lines = append(lines, l)
		}
	}
	c.joinFrom(ctx, resumeJoin{
		rooms: []string{events.PatientRoom(st.ID)}, answer: events.PatientRoom(st.ID), since: since, lines: lines,
		snapshot: func(ctx context.Context, _ []string) ([]realtime.Message, error) {
			now, err := c.srv.cfg.Patients.Status(ctx, st.ID) // read after the join: see joinFrom
			if err != nil {
				return nil, err
			}
			return []realtime.Message{events.PatientSnapshot(now, c.srv.cfg.Now())}, nil
		},
	}, ack)
}

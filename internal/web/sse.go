package web

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"smartwait/internal/auth"
	"smartwait/internal/connlimit"
	"smartwait/internal/events"
	"smartwait/internal/queue"
	"smartwait/internal/realtime"
)

// Realtime is what the real-time routes need. With a nil Hub the SSE and
// real-time test routes are not served; with a nil SocketIO, /socket.io/ is not.
type Realtime struct {
	Hub       *realtime.Hub
	Broker    realtime.Broker // publishes the admin's test_message to every instance
	SocketIO  http.Handler    // the Socket.IO server (internal/socketio), mounted at /socket.io/
	Heartbeat time.Duration   // SSE heartbeat comment interval; 0: DefaultHeartbeat
	// Limiter caps open streams per client IP and in total; the Socket.IO
	// server counts its sessions on the same one. nil: no cap.
	Limiter *connlimit.Limiter
	// OpenFiles is the process's open-files limit, for /health; 0: unknown.
	OpenFiles uint64
}

// DefaultHeartbeat keeps idle SSE streams alive through proxies that cut silent
// connections (often at 30 s or more); docs/events.md promises at most 25 s.
const DefaultHeartbeat = 20 * time.Second

// sseRetry tells EventSource how soon to reconnect after a dropped stream.
const sseRetry = "retry: 2000\n\n"

// stream describes one audience's event stream.
type stream struct {
	rooms []string
	// shards are the broker shards the rooms' events come from
	// (realtime.Hub.Follow); followed before the snapshot is read.
	shards []string
	until  time.Time // end the stream then (a staff session's expiry); zero: never
	// session, if set, is the staff session the stream ends with (logout,
	// password change, account removal), on any instance.
	session string
	// snapshot reads the audience's current state as events, for a client that
	// cannot resume: one message per line it covers, each carrying the line's
	// stream and version (events' snapshot builders set them).
	snapshot func(ctx context.Context) ([]realtime.Message, error)
	// lines says the rooms carry every line's events: with several lines a
	// Last-Event-ID, which names one line's stream, cannot resume them all, so
	// the client gets a snapshot instead.
	lines bool
}

// handleEventsPatient serves GET /api/events/patient/{id}: the patient's own
// events and the patients room's queue-level updates. Unknown ids are 404.
func (s *Server) handleEventsPatient() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		st, err := s.d.Queue.Status(r.Context(), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		rooms := []string{events.PatientRoom(id), events.RoomPatients}
		// The patients room is every line's: every shard, its own included.
		shards := []string{events.Shard(st.QueueID), realtime.AllShards}
		// The patients room carries every line's updates, so the last event id
		// may name another line's stream: lines, as for staff.
		s.serveEvents(w, r, stream{rooms: rooms, shards: shards, lines: true, snapshot: func(ctx context.Context) ([]realtime.Message, error) {
			st, err := s.d.Queue.Status(ctx, id)
			if err != nil {
				return nil, err
			}
			return []realtime.Message{events.PatientSnapshot(st, s.now())}, nil
		}})
	})
}

// handleEventsStaff serves GET /api/events/staff (staff only): every staff event.
// Its snapshot is a queue_refresh with the whole active queue. The stream ends
// when the session ends (logout, on any instance) or expires.
func (s *Server) handleEventsStaff() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, _ := staffFrom(r.Context())
		rooms := []string{events.RoomStaff}
		s.serveEvents(w, r, stream{rooms: rooms, shards: []string{realtime.AllShards}, lines: true, until: st.Session.ExpiresAt, session: st.Session.ID, snapshot: func(ctx context.Context) ([]realtime.Message, error) {
			return s.lineSnapshots(ctx, nil, events.StaffSnapshot)
		}})
	})
}

// handleEventsDisplay serves GET /api/events/display[?lines=a,lab]:
// queue-level facts only, of every line or of the lines named. Its snapshot is
// a queue_update of type "snapshot" per line.
func (s *Server) handleEventsDisplay() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lines, err := displayLines(r.URL.Query().Get("lines"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		rooms, shards := events.DisplayRooms(lines)
		s.serveEvents(w, r, stream{rooms: rooms, shards: shards, lines: lines == nil || len(lines) > 1, snapshot: func(ctx context.Context) ([]realtime.Message, error) {
			return s.lineSnapshots(ctx, lines, events.DisplaySnapshot)
		}})
	})
}

// maxDisplayLines bounds the lines one display may follow.
const maxDisplayLines = 16

// displayLines reads a display's ?lines=a,lab: nil for every line.
func displayLines(v string) ([]string, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	var out []string
	for _, l := range strings.Split(v, ",") {
		l = strings.TrimSpace(l)
		if !queue.ValidSlug(l) {
			return nil, invalidField("lines", "lines must be line slugs separated by commas")
		}
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	if len(out) > maxDisplayLines {
		return nil, invalidField("lines", "a display follows at most %d lines", maxDisplayLines)
	}
	return out, nil
}

// lineSnapshots builds one snapshot per line (the lines given, or every line)
// with build, from the lines' active queues read now, in one transaction.
func (s *Server) lineSnapshots(ctx context.Context, lines []string, build events.LineSnapshot) ([]realtime.Message, error) {
	queues, err := s.d.Queue.Queues(ctx, lines)
	if err != nil {
		return nil, err
	}
	return events.LineSnapshots(queues, build, s.now()), nil
}

// serveEvents streams the rooms' events as text/event-stream. A client that sends
// a Last-Event-ID the hub can still replay gets the missed events; any other gets
// a snapshot first. The subscription starts before the snapshot is read, and live
// events the snapshot already reflects are skipped, so nothing falls between. A
// slow client is dropped by the hub and reconnects; a resync closes the stream so
// the browser reconnects and gets a fresh snapshot.
func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request, st stream) {
	hub := s.d.Realtime.Hub
	heartbeat := s.d.Realtime.Heartbeat
	if heartbeat <= 0 {
		heartbeat = DefaultHeartbeat
	}
	ss := &sseStream{heartbeat: heartbeat, until: st.until, now: s.now}
	handedOff := false // once the stream's own goroutine owns ss, it ends it
	defer func() {
		if !handedOff {
			ss.end()
		}
	}()
	if l := s.d.Realtime.Limiter; l != nil {
		release, err := l.Acquire(r)
		if err != nil {
			s.log.Info("sse: connection refused", "status", err.(*connlimit.Error).Status, "ip", s.clientIP(r))
			connlimit.Refuse(w, err.(*connlimit.Error))
			return
		}
		ss.release = release
	}
	last := r.Header.Get("Last-Event-ID")
	if last == "" {
		last = r.URL.Query().Get("lastEventId") // for clients that cannot set headers
	}
	if st.lines && last != "" {
		if ids, err := s.d.Queue.LineIDs(r.Context()); err != nil || len(ids) > 1 {
			last = "" // one line's Last-Event-ID cannot resume every line: snapshot
		}
	}
	sub, replay, resumed := hub.SubscribeFrom("sse", st.rooms, last)
	ss.sub = sub
	if err := hub.Follow(r.Context(), sub, st.shards...); err != nil {
		s.log.Warn("sse: following the stream's shards failed", "err", err)
	}
	if st.session != "" && !hub.BindSession(sub, st.session) {
		// The session ended between its check and here.
		s.fail(w, r, &auth.Error{Code: auth.CodeUnauthorized, Message: "Authentication required"})
		return
	}
	var snapshot []realtime.Message // nothing when resuming
	if !resumed {
		snap, err := st.snapshot(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		snapshot = snap
		for _, m := range snap {
			ss.skips = append(ss.skips, streamVersion{stream: m.Stream, version: m.Version})
		}
	}

	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	h.Set("X-Content-Type-Options", "nosniff")
	if out, gone, ok := hijackStream(w, r); ok {
		// The stream goes on without this handler: its goroutine, with the
		// stack the middleware and the snapshot grew, and net/http's
		// buffers are let go; a goroutine of its own writes to the
		// connection (sse_stream.go says what an idle stream costs).
		handedOff = true
		go ss.run(out, gone, snapshot, replay)
		return
	}
	ss.run(newResponseOut(w), r.Context().Done(), snapshot, replay)
}

// appendEvent appends one SSE event. The payload is compact JSON, which has
// no newlines, so it fits one data line.
func appendEvent(b []byte, m realtime.Message) []byte {
	if m.ID != "" {
		b = append(append(append(b, "id: "...), m.ID...), '\n')
	}
	b = append(append(append(b, "event: "...), m.Event...), "\ndata: "...)
	b = append(b, m.Data...)
	return append(b, "\n\n"...)
}

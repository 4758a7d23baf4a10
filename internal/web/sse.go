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
	// MayJoinClinic is the authorization hook of the staff stream
	// (GET /api/events/staff[?clinic=]): it reports whether staff account u
	// may follow the staff events of the clinic with the id
	// (queue.DefaultClinicID for the default clinic) and slug (its own slug:
	// "main" for a new deployment's default clinic). It must not block.
	// Refused: 403
	// FORBIDDEN. nil: every staff account may follow every clinic (the rule
	// before per-clinic grants). Socket.IO's join-staff-room applies the
	// same hook (socketio.Config.MayJoinClinic); wire one function to both.
	MayJoinClinic func(u auth.User, clinicID int64, clinicSlug string) bool
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
	// severalLines, when set, reports whether the rooms carry several lines'
	// events: then a Last-Event-ID, which names one line's stream, cannot
	// resume them all, and the client gets a snapshot instead. nil: one line.
	severalLines func(ctx context.Context) (bool, error)
}

// clinicLines is a stream's severalLines for rooms that carry every line of
// a clinic (as rooms name it: "" is the default clinic).
func (s *Server) clinicLines(clinic string) func(ctx context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		cl, err := s.d.Queue.ClinicRooms(ctx, clinic)
		return len(cl.Lines) > 1, err
	}
}

// handleEventsPatient serves GET /api/events/patient/{id}: the patient's own
// events and the queue-level updates of the patients room of the patient's
// clinic. Unknown ids are 404.
func (s *Server) handleEventsPatient() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		st, err := s.d.Queue.Status(r.Context(), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		rooms := []string{events.PatientRoom(id), events.ClinicRoom(events.RoomPatients, st.Rooms)}
		// Both rooms are of the patient's clinic: its shard.
		shards := []string{events.Shard(st.Rooms)}
		// The patients room carries every line of the clinic, so the last
		// event id may name another line's stream: as for staff.
		s.serveEvents(w, r, stream{rooms: rooms, shards: shards, severalLines: s.clinicLines(st.Rooms), snapshot: func(ctx context.Context) ([]realtime.Message, error) {
			st, err := s.d.Queue.Status(ctx, id)
			if err != nil {
				return nil, err
			}
			return []realtime.Message{events.PatientSnapshot(st, s.now())}, nil
		}})
	})
}

// handleEventsStaff serves GET /api/events/staff[?clinic=<slug>] (staff
// only): every staff event of a clinic (absent: the default clinic). Its
// snapshot is a queue_refresh with the whole active queue of each of the
// clinic's lines. The stream ends when the session ends (logout, on any
// instance) or expires. An unknown clinic is 404 CLINIC_NOT_FOUND; a clinic
// Realtime.MayJoinClinic refuses the account, 403 FORBIDDEN.
func (s *Server) handleEventsStaff() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, _ := staffFrom(r.Context())
		cl, err := s.d.Queue.ClinicRooms(r.Context(), strings.TrimSpace(r.URL.Query().Get("clinic")))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if !s.mayJoinClinic()(st.User, cl.ID, cl.Slug) {
			s.fail(w, r, &auth.Error{Code: auth.CodeForbidden, Message: "You may not follow this clinic's staff events"})
			return
		}
		rooms := []string{events.ClinicRoom(events.RoomStaff, cl.Rooms)}
		s.serveEvents(w, r, stream{rooms: rooms, shards: []string{events.Shard(cl.Rooms)}, severalLines: s.clinicLines(cl.Rooms),
			until: st.Session.ExpiresAt, session: st.Session.ID, snapshot: func(ctx context.Context) ([]realtime.Message, error) {
				// The clinic's lines read again: one may have been added since.
				cl, err := s.d.Queue.ClinicRooms(ctx, cl.Rooms)
				if err != nil {
					return nil, err
				}
				return s.lineSnapshots(ctx, cl.Rooms, cl.Lines, events.StaffSnapshot)
			}})
	})
}

// handleEventsDisplay serves GET /api/events/display[?clinic=north][&lines=a,lab]:
// queue-level facts only, of every line of a clinic (absent: the default
// clinic) or of the lines named (which, with a clinic, must be its lines).
// Its snapshot is a queue_update of type "snapshot" per line.
func (s *Server) handleEventsDisplay() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lines, err := displayLines(r.URL.Query().Get("lines"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		named := strings.TrimSpace(r.URL.Query().Get("clinic"))
		cl, err := s.d.Queue.ClinicRooms(r.Context(), named)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var clinics map[string]string // line → its clinic, for the lines named
		if lines != nil {
			if clinics, err = s.d.Queue.LineClinics(r.Context(), lines); err != nil {
				s.fail(w, r, err)
				return
			}
			for _, l := range lines {
				if c, ok := clinics[l]; ok && named != "" && c != cl.Rooms {
					s.fail(w, r, invalidField("lines", "line %q is not a line of clinic %q", l, cl.Slug))
					return
				}
			}
		}
		rooms, shards := events.DisplayRooms(cl.Rooms, lines, clinics)
		several := s.clinicLines(cl.Rooms)
		if lines != nil {
			several = func(context.Context) (bool, error) { return len(lines) > 1, nil }
		}
		s.serveEvents(w, r, stream{rooms: rooms, shards: shards, severalLines: several, snapshot: func(ctx context.Context) ([]realtime.Message, error) {
			want := lines
			if want == nil {
				cl, err := s.d.Queue.ClinicRooms(ctx, cl.Rooms)
				if err != nil {
					return nil, err
				}
				want = cl.Lines
			}
			return s.lineSnapshots(ctx, cl.Rooms, want, events.DisplaySnapshot)
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

// lineSnapshots builds one snapshot per line given with build, addressed to
// clinic's rooms, from the lines' active queues read now, in one
// transaction. No lines, no snapshot (Queues reads every line for nil).
func (s *Server) lineSnapshots(ctx context.Context, clinic string, lines []string, build events.LineSnapshot) ([]realtime.Message, error) {
	if len(lines) == 0 {
		return nil, nil
	}
	queues, err := s.d.Queue.Queues(ctx, lines)
	if err != nil {
		return nil, err
	}
	return events.LineSnapshots(clinic, queues, build, s.now()), nil
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
	if st.severalLines != nil && last != "" {
		if several, err := st.severalLines(r.Context()); err != nil || several {
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

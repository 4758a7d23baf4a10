package web

import (
	"context"
	"net/http"
	"strings"
	"unicode/utf8"

	"smartwait/internal/auth"
	"smartwait/internal/events"
	"smartwait/internal/queue"
)

// maxRoomLen bounds the room a patient is called to; it goes into an SMS.
const maxRoomLen = 50

// handleQueue serves GET /api/staff/queue and its alias GET /api/queue: the active
// tickets, called first, then waiting in position order; tagged (etag.go). With
// ?line= the line's tickets (404 LINE_NOT_FOUND for an unknown line), else every
// line's, line after line by position (queueEntries).
func (s *Server) handleQueue() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var entries []queue.Entry
		var version int64
		err := s.observe("queue", func() (err error) {
			if q := r.URL.Query(); q.Has("line") {
				if err := s.allowLine(r, q.Get("line"), auth.RoleStaff); err != nil {
					return err
				}
				entries, version, err = s.lineEntries(r.Context(), q.Get("line"))
				return err
			}
			lines, err := s.scopeLines(r.Context(), scopeOf(r, auth.RoleStaff))
			if err != nil {
				return err
			}
			entries, version, err = s.queueEntries(r.Context(), lines)
			return err
		})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data := events.NewQueueEntries(entries, s.now())
		n := len(data)
		writeTagged(w, r, tagged{version: version, cache: cacheStaff}, envelope{Success: true, Data: data, Count: &n})
	})
}

// handleCallNext serves POST /api/staff/call-next {room?, line?}: the next
// patient for the room, across the lines it serves or from line
// (queue.Service.Call). Without rooms set up, the default line (or line), as
// a one-line clinic always had it.
func (s *Server) handleCallNext() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := decodeBody(r, false, "room", "line")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		room := strings.TrimSpace(b["room"])
		if utf8.RuneCountInString(room) > maxRoomLen || strings.ContainsFunc(room, queue.DisallowedRune) {
			s.fail(w, r, invalidField("room", "room must be at most %d characters without control or text-direction characters", maxRoomLen))
			return
		}
		req := queue.CallRequest{Room: room, Line: strings.TrimSpace(b["line"])}
		if err := s.allowCall(r, req); err != nil {
			s.fail(w, r, err)
			return
		}
		var e queue.Entry
		err = s.observe("call_next", func() (err error) {
			e, err = s.d.Queue.Call(r.Context(), req)
			return err
		})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		noteTicket(r, e)
		ok(w, newCalledView(e), "Patient "+e.Number+" called")
	})
}

// ticketOp is a staff operation on one patient named in the body.
type ticketOp struct {
	name    string // metrics label
	message string // success message
	run     func(q *queue.Service, ctx context.Context, id string) (queue.Entry, error)
}

var (
	opComplete = ticketOp{"complete", "Patient marked as completed", (*queue.Service).Complete}
	opNoShow   = ticketOp{"no_show", "Patient marked as no-show", (*queue.Service).NoShow}
	opRecall   = ticketOp{"recall", "Patient called again", (*queue.Service).Recall}
)

// handleFinish serves POST /api/staff/complete, /no-show and /recall {patientId}.
func (s *Server) handleFinish(op ticketOp) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := decodeBody(r, false, "patientId")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		id, err := b.required("patientId")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		// The ticket's clinic is checked by the operation itself, inside its
		// transaction (ticketScope): no read of its own before it.
		var e queue.Entry
		err = s.observe(op.name, func() (err error) {
			e, err = op.run(s.d.Queue, ticketScope(r, auth.RoleStaff), strings.TrimSpace(id))
			return err
		})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		noteTicket(r, e)
		ok(w, newTicketView(e), op.message)
	})
}

// handleStats serves GET /api/staff/stats and its alias GET /api/queue/stats: the
// day's figures and the dashboard's SMS alert; tagged (etag.go). ?line= gives one
// line's figures (404 LINE_NOT_FOUND for an unknown line).
func (s *Server) handleStats() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var view statsView
		line := r.URL.Query().Get("line")
		if r.URL.Query().Has("line") && !queue.ValidSlug(line) {
			s.fail(w, r, queue.LineNotFound(line))
			return
		}
		err := s.observe("stats", func() (err error) {
			if line != "" {
				if err := s.allowLine(r, line, auth.RoleStaff); err != nil {
					return err
				}
				view.Stats, err = s.d.Queue.Stats(r.Context(), line)
				view.Line = line
				return err
			}
			sc := scopeOf(r, auth.RoleStaff)
			if sc.all {
				view.Stats, view.Lines, err = s.d.Queue.ClinicStats(r.Context())
				return err
			}
			view.Stats, view.Lines, err = s.d.Queue.ClinicStatsOf(r.Context(), append([]int64{}, sc.ids...))
			return err
		})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		view.SMSAlert = s.smsAlert()
		writeTagged(w, r, tagged{version: view.Stats.Version, cache: cacheStaff}, envelope{Success: true, Data: view})
	})
}

// statsView is today's figures plus smsAlert, what the dashboard's banner shows
// about the texts (e.g. confirmations held back by the breaker); absent when
// there is nothing to say. Without ?line= the figures are the whole clinic's
// and lines has each line's; with it, line names the line.
type statsView struct {
	queue.Stats
	Line     string            `json:"line,omitempty"`
	Lines    []queue.LineStats `json:"lines,omitempty"`
	SMSAlert string            `json:"smsAlert,omitempty"`
}

// handleNotifications serves GET /api/staff/notifications?patientId=: the SMS log,
// newest first — of one patient (who must exist: PATIENT_NOT_FOUND otherwise), or
// of everyone when patientId is absent.
func (s *Server) handleNotifications() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		id := strings.TrimSpace(q.Get("patientId"))
		if q.Has("patientId") {
			if err := s.allowTicket(r, id, auth.RoleStaff); err != nil {
				s.fail(w, r, err)
				return
			}
			if _, err := s.d.Queue.Status(r.Context(), id); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		out := []messageView{}
		if s.d.Messages != nil {
			ms, err := s.d.Messages.Messages(r.Context(), id)
			if err == nil && !q.Has("patientId") {
				ms, err = s.ownMessages(r, ms)
			}
			if err != nil {
				s.fail(w, r, err)
				return
			}
			for _, m := range ms {
				out = append(out, newMessageView(m))
			}
		}
		list(w, out)
	})
}

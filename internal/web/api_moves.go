package web

import (
	"net/http"
	"strconv"
	"strings"

	"smartwait/internal/auth"
	"smartwait/internal/events"
	"smartwait/internal/queue"
)

// Moving patients (docs/api.md, "Lines and rooms"): a transfer to another
// line, an urgent mark, a move before another patient. Each answers the
// patient's QueueEntry after the move: their line, position and estimate.

var (
	transferFields = fieldSpec{"patientId": kindString, "line": kindString, "keepPlace": kindBool}
	priorityFields = fieldSpec{"patientId": kindString, "urgent": kindBool, "before": kindString}
)

// handleTransfer serves POST /api/staff/transfer {patientId, line, keepPlace?}:
// an active patient joins another line, keeping their ticket number; due now,
// or at their original check-in with keepPlace.
func (s *Server) handleTransfer() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := decodeTyped(r, transferFields)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		id, err := requiredStr(b, "patientId")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		line := strings.TrimSpace(deref(b.str("line")))
		keep := false
		if k := b.boolean("keepPlace"); k != nil {
			keep = *k
		}
		// The patient's clinic first, so that another clinic's patient is 404
		// whichever line is named (the operation checks both lines again).
		if err := s.allowTicket(r, id, auth.RoleStaff); err != nil {
			s.fail(w, r, err)
			return
		}
		if err := s.allowLine(r, line, auth.RoleStaff); err != nil {
			s.fail(w, r, err)
			return
		}
		var e queue.Entry
		err = s.observe("transfer", func() (err error) {
			e, err = s.d.Queue.Transfer(ticketScope(r, auth.RoleStaff), id, line, keep)
			return err
		})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		noteTicket(r, e)
		ok(w, events.NewQueueEntry(e, s.now()), "Patient "+e.Number+" moved to line "+e.QueueID)
	})
}

// handlePriority serves POST /api/staff/priority: {patientId, urgent} marks a
// waiting patient urgent or normal; {patientId, before} moves them just before
// another waiting patient of their line. Exactly one of urgent and before.
func (s *Server) handlePriority() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := decodeTyped(r, priorityFields)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		id, err := requiredStr(b, "patientId")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		urgent, before := b.boolean("urgent"), b.str("before")
		if (urgent == nil) == (before == nil) {
			s.fail(w, r, invalidField("urgent", "send either urgent (true or false) or before (a patient id), not both"))
			return
		}
		// MoveBefore needs before in the patient's own line, so the patient's
		// clinic is the one to check: the operation does, in its transaction
		// (ticketScope).
		var e queue.Entry
		var msg string
		err = s.observe("priority", func() (err error) {
			if urgent != nil {
				e, err = s.d.Queue.SetUrgent(ticketScope(r, auth.RoleStaff), id, *urgent)
				msg = "marked urgent"
				if !*urgent {
					msg = "no longer urgent"
				}
				return err
			}
			e, err = s.d.Queue.MoveBefore(ticketScope(r, auth.RoleStaff), id, strings.TrimSpace(*before))
			msg = "moved to position " + strconv.Itoa(e.Position)
			return err
		})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		noteTicket(r, e)
		ok(w, events.NewQueueEntry(e, s.now()), "Patient "+e.Number+" "+msg)
	})
}

// requiredStr is a trimmed string field that must be present and not blank.
func requiredStr(b typedBody, field string) (string, error) {
	v := strings.TrimSpace(deref(b.str(field)))
	if v == "" {
		return "", invalidField(field, "%s is required", field)
	}
	return v, nil
}

package web

import (
	"net/http"
	"strings"

	"smartwait/internal/auth"
	"smartwait/internal/queue"
)

// checkInFields are the fields POST /api/checkin (and the front desk's POST
// /api/staff/checkin) accept; line is a line's slug, empty for the default;
// clinic a clinic's slug, which picks its first line when line is empty and
// must be the line's clinic when it is not (queue.Service.CheckInLine);
// language is the patient's ("es"), empty for the default (docs/languages.md).
var checkInFields = []string{"name", "phone", "appointmentTime", "line", "clinic", "language"}

// decodeCheckIn reads a check-in body — JSON, or also the check-in page's form
// when form is true (decodeBody) — and validates it with
// queue.CheckInRequest.Normalize, the one validation pass: CheckIn does not
// repeat it. The request it returns is normalised: name and appointment
// trimmed, the phone in E.164. region is the default region for numbers
// without "+".
func decodeCheckIn(r *http.Request, region string, form bool) (queue.CheckInRequest, error) {
	b, err := decodeBody(r, form, checkInFields...)
	if err != nil {
		return queue.CheckInRequest{}, err
	}
	return checkInRequest(b).Normalize(region)
}

// checkInRequest is the check-in a decoded body asks for (checkInFields), not
// yet validated: the public and the front-desk check-in read the same fields.
func checkInRequest(b body) queue.CheckInRequest {
	return queue.CheckInRequest{Name: b["name"], Phone: b["phone"], AppointmentTime: b["appointmentTime"],
		QueueID: strings.TrimSpace(b["line"]), Clinic: strings.TrimSpace(b["clinic"]), Language: strings.TrimSpace(b["language"])}
}

// handleCheckIn serves POST /api/checkin: 201 with the new ticket.
func (s *Server) handleCheckIn() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decodeCheckIn(r, s.d.Queue.Config.PhoneRegion, false)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.checkIn(w, r, "check_in", req)
	})
}

// checkIn runs a validated check-in as operation op (its metrics name) and
// answers 201 with the new ticket: the public and the front-desk check-in.
func (s *Server) checkIn(w http.ResponseWriter, r *http.Request, op string, req queue.CheckInRequest) {
	var e queue.Entry
	var clinic string
	err := s.observe(op, func() (err error) {
		e, clinic, err = s.d.Queue.CheckInClinic(r.Context(), req)
		return err
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	noteTicket(r, e) // a front-desk check-in's audit entry (audit.go)
	writeJSON(w, http.StatusCreated, envelope{Success: true, Data: newCheckInView(e, clinic),
		Message: "Checked in: ticket " + e.Number})
}

// handlePosition serves GET /api/position/{id} and its alias /api/status/{id}.
// Unknown and malformed ids are both PATIENT_NOT_FOUND. The answer is tagged
// (etag.go): a status page's repeated read of an unchanged ticket gets 304.
func (s *Server) handlePosition() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var st queue.PatientStatus
		err := s.observe("status", func() (err error) {
			st, err = s.d.Queue.Status(r.Context(), r.PathValue("id"))
			return err
		})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeTagged(w, r, tagged{version: st.Version}, envelope{Success: true, Data: newPositionView(st)})
	})
}

// handleCancel serves DELETE /api/checkin/{id}: the patient leaves the queue.
func (s *Server) handleCancel() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Staff removing a patient act at the patient's clinic, which the
		// operation checks in its transaction (ticketScope); the patient's own
		// request carries no account and no scope.
		var e queue.Entry
		err := s.observe("cancel", func() (err error) {
			e, err = s.d.Queue.Cancel(ticketScope(r, auth.RoleStaff), r.PathValue("id"))
			return err
		})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		noteTicket(r, e) // staff removing a patient: the audit entry's (audit.go)
		ok(w, newTicketView(e), "You have left the queue")
	})
}

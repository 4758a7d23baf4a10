package web

import (
	"net/http"
	"strings"

	"smartwait/internal/auth"
)

// handleFrontDeskCheckIn serves POST /api/staff/checkin {name, phone?,
// appointmentTime?, line?}: staff check a patient in (queue.CheckInRequest's
// FrontDesk). The phone may be left out — no texts then, the desk reads out
// or prints the ticket number — and any line may be chosen, staff-only or
// closed, whatever its capacity. 201 with the same body as POST /api/checkin.
// A kiosk account (page_kiosk.go) may leave the phone out too, but checks in
// as a patient would: public lines only, closed or full lines refuse, and
// the public check-in's rate limit per device.
func (s *Server) handleFrontDeskCheckIn() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := decodeBody(r, false, checkInFields...)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		req := checkInRequest(b)
		req.Kiosk = isKiosk(r)
		req.FrontDesk = !req.Kiosk
		need := auth.RoleStaff
		if req.Kiosk {
			need = auth.RoleKiosk
		}
		// The clinic first: another clinic's account learns nothing more.
		// A clinic and line that disagree, or an unknown clinic, the check-in
		// answers in its own words, and adds no one.
		if line, err := s.d.Queue.CheckInLine(r.Context(), strings.TrimSpace(req.Clinic), strings.TrimSpace(req.QueueID)); err == nil {
			if err := s.allowLine(r, line, need); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		req, err = req.Normalize(s.d.Queue.Config.PhoneRegion)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.checkIn(w, r, "front_desk_check_in", req)
	})
}

package web

import (
	"net/http"

	"smartwait/internal/queue"
)

// clinicsData is the admin's clinics page (/staff/admin/clinics): the
// clinics as the table shows them before clinics.js runs, which then manages
// them through /api/staff/clinics.
type clinicsData struct {
	Username string
	Clinics  []clinicRow
}

// clinicRow is one clinic in the table.
type clinicRow struct {
	Slug, Name, TimeZone, SMSFrom string
	Hours                         string // in words (hoursText)
	Default                       bool   // the clinic every deployment has: it cannot be removed
}

// handleClinicsPage serves GET /staff/admin/clinics (admin).
func (s *Server) handleClinicsPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, _ := staffFrom(r.Context())
		p := s.staffPrinter()
		cs, err := s.d.Queue.Clinics(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d := clinicsData{Username: st.User.Username}
		for _, c := range cs {
			row := clinicRow{Slug: c.Slug, Name: c.Name, TimeZone: c.TimeZone, SMSFrom: c.SMSFrom,
				Hours: hoursText(p, c.Hours), Default: c.ID == queue.DefaultClinicID}
			if c.Hours.Map() == nil {
				row.Hours = p.T("staff.clinics.noHours")
			}
			d.Clinics = append(d.Clinics, row)
		}
		s.render(w, r, http.StatusOK, "clinics", page{Title: p.T("staff.clinics.title"), Body: "staff",
			Scripts: []string{"js/live.js", "js/admin-forms.js", "js/clinics.js"}, Data: d, L: p, Text: scriptText(p, "staff.clinics", "staff.hours", "format.weekday")})
	})
}

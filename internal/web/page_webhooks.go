package web

import (
	"net/http"
	"strings"
	"time"

	"smartwait/internal/queue"
	"smartwait/internal/webhook"
)

// webhooksData is the admin's webhooks page (/staff/admin/webhooks): the
// endpoints as the table shows them before webhooks.js runs, which then
// manages them through /api/staff/webhooks.
type webhooksData struct {
	Username   string
	Endpoints  []webhookRow
	EventTypes []string
	// AnyDisabled: some endpoint was disabled by the dispatcher (it failed
	// for a day); the page says so at the top.
	AnyDisabled bool
}

// webhookRow is one endpoint in the table.
type webhookRow struct {
	ID, URL, Description, Events string
	Personal, Enabled            bool
	DisabledAt, DisabledReason   string // set when the dispatcher disabled it
	FailingSince, LastError      string // set while it fails
	Pending                      int
}

// handleWebhooksPage serves GET /staff/admin/webhooks (admin).
func (s *Server) handleWebhooksPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, _ := staffFrom(r.Context())
		p := s.staffPrinter()
		d := webhooksData{Username: st.User.Username}
		for _, t := range queue.WebhookEventTypes {
			d.EventTypes = append(d.EventTypes, string(t))
		}
		if s.d.Webhooks != nil {
			es, err := s.d.Webhooks.List(r.Context())
			if err != nil {
				s.fail(w, r, err)
				return
			}
			for _, e := range es {
				d.Endpoints = append(d.Endpoints, s.webhookRow(e))
				d.AnyDisabled = d.AnyDisabled || !e.DisabledAt.IsZero()
			}
		}
		s.render(w, r, http.StatusOK, "webhooks", page{Title: p.T("staff.webhooks.title"), Body: "staff",
			Scripts: []string{"js/live.js", "js/webhooks.js"}, Data: d, L: p, Text: scriptText(p, "staff.webhooks")})
	})
}

func (s *Server) webhookRow(e webhook.Endpoint) webhookRow {
	evs := make([]string, len(e.Events))
	for i, t := range e.Events {
		evs[i] = string(t)
	}
	row := webhookRow{ID: e.ID, URL: e.URL, Description: e.Description, Events: strings.Join(evs, ", "),
		Personal: e.Personal, Enabled: e.Enabled, Pending: e.Pending, LastError: e.LastError}
	if !e.DisabledAt.IsZero() {
		row.DisabledAt, row.DisabledReason = s.clinicTime(e.DisabledAt), e.DisabledReason
	}
	if !e.FailingSince.IsZero() {
		row.FailingSince = s.clinicTime(e.FailingSince)
	}
	return row
}

// clinicTime writes t in the clinic's time zone as digits only: 2026-11-28 09:00.
func (s *Server) clinicTime(t time.Time) string {
	loc := s.d.Queue.Config.Location
	if loc == nil {
		loc = time.Local
	}
	return t.In(loc).Format("2006-01-02 15:04")
}

package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"smartwait/internal/audit"
	"smartwait/internal/i18n"
)

// auditData is the admin's audit page (/staff/admin/audit): the filters, a
// page of entries as the server renders them (no script needed to read the
// trail), the CSV download of the same filters, and the form that erases a
// phone number's data (audit.js posts it to the API).
type auditData struct {
	Username           string
	Actor, Action, Day string // the filters as given
	Actions            []auditOption
	Entries            []auditRow
	Older, CSV, Error  string // Older and CSV are URLs; Older "" on the last page
	FiltersSet         bool
	PageSize           int
}

// auditOption is one action of the filter's list.
type auditOption struct {
	Value, Label string
	Selected     bool
}

// auditRow is an entry as the page shows it: times in the clinic's zone,
// actions and targets in the catalogue's words; error codes, details and
// addresses as they are.
type auditRow struct {
	Time, Actor, Action, Target, Result, IP, Detail string
	OK                                              bool
}

// handleAuditPage serves GET /staff/admin/audit?actor=&action=&day=&before=.
func (s *Server) handleAuditPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, _ := staffFrom(r.Context())
		p := s.staffPrinter()
		q := r.URL.Query()
		d := auditData{Username: st.User.Username, Actor: q.Get("actor"), Action: q.Get("action"), Day: q.Get("day"), PageSize: auditPage}
		d.FiltersSet = d.Actor != "" || d.Action != "" || d.Day != ""
		for _, a := range audit.Actions {
			d.Actions = append(d.Actions, auditOption{Value: string(a), Label: p.T("staff.audit.action." + string(a)), Selected: string(a) == d.Action})
		}
		filters := url.Values{}
		for _, k := range []string{"actor", "action", "day"} {
			if v := q.Get(k); v != "" {
				filters.Set(k, v)
			}
		}
		d.CSV = "/api/staff/audit.csv"
		if len(filters) > 0 {
			d.CSV += "?" + filters.Encode()
		}
		status := http.StatusOK
		f, err := s.auditFilter(q, auditPage, auditPage)
		var es []audit.Entry
		if err == nil {
			es, err = s.d.Audit.AuditEntries(r.Context(), f)
		}
		if err != nil {
			st, info := classify(err)
			if st >= 500 {
				s.fail(w, r, err)
				return
			}
			status, d.Error = st, info.Message
		}
		for _, e := range es {
			d.Entries = append(d.Entries, s.auditRow(p, e))
		}
		if len(es) == f.Limit && len(es) > 0 {
			older := url.Values{}
			for k, v := range filters {
				older[k] = v
			}
			older.Set("before", strconv.FormatInt(es[len(es)-1].ID, 10))
			d.Older = "/staff/admin/audit?" + older.Encode()
		}
		s.render(w, r, status, "audit", page{Title: p.T("staff.audit.title"), Body: "staff", Scripts: []string{"js/live.js", "js/audit.js"},
			Data: d, L: p, Text: scriptText(p, "staff.audit")})
	})
}

// auditRow words an entry for the page.
func (s *Server) auditRow(p *i18n.Printer, e audit.Entry) auditRow {
	row := auditRow{Time: e.At.In(s.location()).Format(time.DateTime), Actor: e.Actor, IP: e.IP, Detail: e.Detail,
		Action: string(e.Action), Result: e.Result, OK: e.Result == audit.ResultOK}
	if audit.Known(e.Action) {
		row.Action = p.T("staff.audit.action." + string(e.Action))
	}
	if row.OK {
		row.Result = p.T("staff.audit.ok")
	}
	switch t := e.Target; {
	case t.Kind == audit.TargetTicket && t.Number != "":
		row.Target = p.T("staff.audit.target.ticket", "number", t.Number)
	case t.Kind == audit.TargetTicket && t.ID != "":
		row.Target = p.T("staff.audit.target.ticketId", "id", shortID(t.ID))
	case t.Kind == audit.TargetAccount, t.Kind == audit.TargetLine, t.Kind == audit.TargetRoom, t.Kind == audit.TargetPhone:
		if t.ID != "" {
			row.Target = p.T("staff.audit.target."+t.Kind, "id", t.ID)
		}
	}
	return row
}

// shortID is the first part of a patient id: enough to tell tickets apart on
// the page (the CSV and the API have it whole).
func shortID(id string) string {
	if len(id) > 8 {
		return id[:8] + "…"
	}
	return id
}

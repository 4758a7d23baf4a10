package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"smartwait/internal/audit"
	"smartwait/internal/events"
	"smartwait/internal/privacy"
)

// AuditLog is the audit trail (internal/audit): written on every staff
// action (audit.go), read by admins. It has no way to change an entry.
type AuditLog interface {
	AppendAudit(ctx context.Context, e *audit.Entry) error
	AuditEntries(ctx context.Context, f audit.Filter) ([]audit.Entry, error)
}

// PhoneEraser erases one phone number's data now (privacy.Eraser).
type PhoneEraser interface {
	ErasePhone(ctx context.Context, phone string) (privacy.Erasure, error)
}

// Paging of the audit trail.
const (
	auditPage    = 100     // GET /api/staff/audit's default limit
	auditMaxPage = 1000    // … and its largest
	csvDefault   = 10_000  // the CSV export's default limit
	csvMax       = 100_000 // … and its largest
)

// auditView is an entry as the API shows it.
type auditView struct {
	ID        int64      `json:"id"`
	At        jsonTime   `json:"at"`
	Actor     string     `json:"actor"`
	IP        string     `json:"ip"`
	Action    string     `json:"action"`
	Target    targetView `json:"target"`
	Detail    string     `json:"detail"`
	Result    string     `json:"result"`
	RequestID string     `json:"requestId"`
}

type targetView struct {
	Kind   string `json:"kind"`
	ID     string `json:"id"`
	Number string `json:"number"`
}

func newAuditView(e audit.Entry) auditView {
	return auditView{ID: e.ID, At: jsonTime(e.At), Actor: e.Actor, IP: e.IP, Action: string(e.Action),
		Target: targetView(e.Target), Detail: e.Detail, Result: e.Result, RequestID: e.RequestID}
}

// auditFilter reads ?actor=&action=&day=YYYY-MM-DD&limit=&before= (the day
// in the clinic's time zone). An unknown action, a malformed day, limit or
// before is a VALIDATION_ERROR naming the parameter.
func (s *Server) auditFilter(q url.Values, defLimit, maxLimit int) (audit.Filter, error) {
	f := audit.Filter{Actor: strings.TrimSpace(q.Get("actor")), Action: audit.Action(strings.TrimSpace(q.Get("action"))), Limit: defLimit}
	if f.Action != "" && !audit.Known(f.Action) {
		return f, invalidField("action", "action must be one of the audit actions (docs/security.md), not %q", logField(string(f.Action)))
	}
	if day := strings.TrimSpace(q.Get("day")); day != "" {
		d, err := time.ParseInLocation(time.DateOnly, day, s.location())
		if err != nil {
			return f, invalidField("day", "day must be a date, YYYY-MM-DD")
		}
		f.From, f.Until = d, d.AddDate(0, 0, 1)
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			return f, invalidField("limit", "limit must be a whole number from 1 to %d", maxLimit)
		}
		f.Limit = n
	}
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return f, invalidField("before", "before must be an entry id (a whole number from 1)")
		}
		f.Before = n
	}
	return f, nil
}

// location is the clinic's time zone.
func (s *Server) location() *time.Location {
	if l := s.d.Queue.Config.Location; l != nil {
		return l
	}
	return time.Local
}

// handleAudit serves GET /api/staff/audit (admin): the entries the filters
// select, newest first; next, when present, is the before of the next page.
func (s *Server) handleAudit() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := s.auditFilter(r.URL.Query(), auditPage, auditMaxPage)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		es, err := s.d.Audit.AuditEntries(r.Context(), f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out := make([]auditView, len(es))
		for i, e := range es {
			out[i] = newAuditView(e)
		}
		n := len(out)
		env := envelope{Success: true, Data: out, Count: &n}
		if n == f.Limit && n > 0 {
			next := out[n-1].ID
			env.Next = &next
		}
		writeJSON(w, http.StatusOK, env)
	})
}

// csvHeader is the CSV export's first line.
var csvHeader = []string{"id", "time", "actor", "ip", "action", "target_kind", "target_id", "ticket_number", "detail", "result", "request_id"}

// handleAuditCSV serves GET /api/staff/audit.csv (admin): the same filters,
// as a CSV file (RFC 4180) for a spreadsheet, newest first, up to limit
// (default 10,000) entries read a thousand at a time. Errors before the
// first line are the usual JSON; one after it ends the file early (logged).
func (s *Server) handleAuditCSV() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := s.auditFilter(r.URL.Query(), csvDefault, csvMax)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		left := f.Limit
		page := f
		page.Limit = min(left, auditMaxPage)
		es, err := s.d.Audit.AuditEntries(r.Context(), page)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="smartwait-audit-`+s.now().In(s.location()).Format(time.DateOnly)+`.csv"`)
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		cw := csv.NewWriter(w)
		_ = cw.Write(csvHeader)
		for len(es) > 0 {
			for _, e := range es {
				_ = cw.Write(csvRow(e))
			}
			left -= len(es)
			if left <= 0 || len(es) < page.Limit {
				break
			}
			page.Before, page.Limit = es[len(es)-1].ID, min(left, auditMaxPage)
			if es, err = s.d.Audit.AuditEntries(r.Context(), page); err != nil {
				s.log.Error("audit export cut short", "request_id", requestIDFrom(r.Context()), "err", err)
				break
			}
		}
		cw.Flush()
	})
}

// csvRow is an entry's CSV line, each cell safe to open in a spreadsheet.
func csvRow(e audit.Entry) []string {
	row := []string{strconv.FormatInt(e.ID, 10), e.At.UTC().Format(events.TimeFormat), e.Actor, e.IP, string(e.Action),
		e.Target.Kind, e.Target.ID, e.Target.Number, e.Detail, e.Result, e.RequestID}
	for i, c := range row {
		row[i] = csvCell(c)
	}
	return row
}

// csvCell defuses formula injection (OWASP "CSV Injection"): a spreadsheet
// runs a cell that starts with = + - @ (or a tab or carriage return before
// one) as a formula, and a failed login's username is whatever was typed.
// Such a cell gets a leading apostrophe, which spreadsheets show as text.
// Quoting of commas, quotes and line breaks is encoding/csv's.
func csvCell(c string) string {
	if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
		return "'" + c
	}
	return c
}

// handleErase serves POST /api/staff/erase {phone} (admin): every ticket and
// text of the number is anonymised now (privacy.Eraser). 409 TICKET_ACTIVE
// while the number has an active ticket. The audit entry names the number by
// its last two digits only.
func (s *Server) handleErase() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := decodeBody(r, false, "phone")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		phone, err := b.required("phone")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		res, err := s.d.Eraser.ErasePhone(r.Context(), phone)
		if res.Phone != "" {
			noteTarget(r, audit.Target{Kind: audit.TargetPhone, ID: res.Phone})
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		noteTarget(r, audit.Target{Kind: audit.TargetPhone, ID: res.Phone}, fmt.Sprintf("tickets=%d messages=%d", res.Tickets, res.Messages))
		ok(w, res, fmt.Sprintf("Erased the data of the number ending %s: %d tickets, %d texts", strings.TrimPrefix(res.Phone, "…"), res.Tickets, res.Messages))
	})
}

// optionalStaff puts the request's staff session in its context when it
// carries valid staff credentials (a cookie only from our origin), and lets
// it through as it is otherwise: for a public route that staff also use,
// whose audit entry must know who (DELETE /api/checkin/{id}: staff removing
// a patient).
func (s *Server) optionalStaff(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token, cookie, err := credentials(r); err == nil && (!cookie || s.sameOrigin(r)) {
			if sess, user, err := s.d.Auth.Authenticate(r.Context(), token); err == nil {
				r = r.WithContext(context.WithValue(r.Context(), staffKey, staffSession{Session: sess, User: user, Cookie: cookie}))
			}
		}
		next.ServeHTTP(w, r)
	})
}

package web

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"smartwait/internal/audit"
)

// auditEntry is an entry as GET /api/staff/audit gives it.
type auditEntry struct {
	Action, Actor, IP, Result, Kind, ID, Number, Detail string
}

// trail reads the whole trail, newest first.
func (h *harness) trail(query string) []auditEntry {
	h.tb.Helper()
	r := h.asAdmin("GET", "/api/staff/audit?limit=1000&"+query, "").want(h.tb, http.StatusOK)
	var out []auditEntry
	for i := range r.list(h.tb, "data") {
		p := fmt.Sprintf("data.%d.", i)
		out = append(out, auditEntry{Action: r.str(h.tb, p+"action"), Actor: r.str(h.tb, p+"actor"), IP: r.str(h.tb, p+"ip"),
			Result: r.str(h.tb, p+"result"), Kind: r.str(h.tb, p+"target.kind"), ID: r.str(h.tb, p+"target.id"),
			Number: r.str(h.tb, p+"target.number"), Detail: r.str(h.tb, p+"detail")})
	}
	return out
}

// lastEntry is the newest entry.
func (h *harness) lastEntry() auditEntry {
	h.tb.Helper()
	es := h.trail("")
	if len(es) == 0 {
		h.tb.Fatal("the trail is empty")
	}
	return es[0]
}

// TestAuditRecordsEveryStaffAction drives each staff action through the API
// and the page forms, and reads the entry each wrote: actor, client IP,
// action, target, detail and result.
func TestAuditRecordsEveryStaffAction(t *testing.T) {
	h := newHarness(t)
	ann := h.checkIn("Ann Quist", phone(1))
	ben := h.checkIn("Ben Quist", phone(2))
	cy := h.checkIn("Cy Quist", phone(3))
	h.addLine("lab", "Lab", "L", nil)
	h.addRoom("Room 1", "default", "lab")

	for _, tt := range []struct {
		name string
		act  func() response
		want auditEntry // "*" matches anything
	}{
		{"login", func() response {
			return h.do("POST", "/api/staff/login", `{"username":"nurse","password":"correct horse"}`)
		}, auditEntry{Action: "login", Actor: "nurse", Result: "ok"}},
		{"failed login names the username tried", func() response {
			return h.do("POST", "/api/staff/login", `{"username":"nurse","password":"wrong horse"}`)
		}, auditEntry{Action: "login", Actor: "nurse", Result: "INVALID_CREDENTIALS"}},
		{"failed login of nobody", func() response {
			return h.do("POST", "/api/staff/login", `{"username":"=cmd|' /C calc'!A0","password":"wrong horse"}`)
		}, auditEntry{Action: "login", Actor: "=cmd|' /C calc'!A0", Result: "INVALID_CREDENTIALS"}},
		{"form login", func() response {
			return h.form("/staff/login", url.Values{"username": {"boss"}, "password": {"correct horse"}})
		}, auditEntry{Action: "login", Actor: "boss", Result: "ok"}},
		{"form login refused", func() response {
			return h.form("/staff/login", url.Values{"username": {"boss"}, "password": {"nope nope"}})
		}, auditEntry{Action: "login", Actor: "boss", Result: "INVALID_CREDENTIALS"}},
		{"call next", func() response { return h.asStaff("POST", "/api/staff/call-next", `{"room":"Room 1"}`) },
			auditEntry{Action: "call_next", Actor: "nurse", Kind: "ticket", ID: ann, Number: "A-001", Detail: `room="Room 1"`, Result: "ok"}},
		{"recall", func() response {
			return h.asStaff("POST", "/api/staff/recall", jsonOf(t, map[string]string{"patientId": ann}))
		},
			auditEntry{Action: "recall", Actor: "nurse", Kind: "ticket", ID: ann, Number: "A-001", Result: "ok"}},
		{"complete", func() response {
			return h.asStaff("POST", "/api/staff/complete", jsonOf(t, map[string]string{"patientId": ann}))
		},
			auditEntry{Action: "complete", Actor: "nurse", Kind: "ticket", ID: ann, Number: "A-001", Result: "ok"}},
		{"complete again fails", func() response {
			return h.asStaff("POST", "/api/staff/complete", jsonOf(t, map[string]string{"patientId": ann}))
		}, auditEntry{Action: "complete", Actor: "nurse", Kind: "ticket", ID: ann, Result: "PATIENT_NOT_FOUND"}},
		{"priority", func() response {
			return h.asStaff("POST", "/api/staff/priority", jsonOf(t, map[string]any{"patientId": cy, "urgent": true}))
		}, auditEntry{Action: "priority", Actor: "nurse", Kind: "ticket", ID: cy, Number: "A-003", Detail: "urgent=true", Result: "ok"}},
		{"transfer", func() response {
			return h.asStaff("POST", "/api/staff/transfer", jsonOf(t, map[string]any{"patientId": cy, "line": "lab"}))
		}, auditEntry{Action: "transfer", Actor: "nurse", Kind: "ticket", ID: cy, Number: "A-003", Detail: `line="lab"`, Result: "ok"}},
		{"no-show", func() response {
			return h.asStaff("POST", "/api/staff/no-show", jsonOf(t, map[string]string{"patientId": cy}))
		},
			auditEntry{Action: "no_show", Actor: "nurse", Kind: "ticket", ID: cy, Number: "A-003", Result: "ok"}},
		{"remove", func() response { return h.asStaff("DELETE", "/api/checkin/"+ben, "") },
			auditEntry{Action: "remove", Actor: "nurse", Kind: "ticket", ID: ben, Number: "A-002", Result: "ok"}},
		{"front-desk check-in, never the name", func() response {
			return h.asStaff("POST", "/api/staff/checkin", `{"name":"Dee Secretname","line":"lab"}`)
		}, auditEntry{Action: "front_desk_check_in", Actor: "nurse", Kind: "ticket", ID: "*", Number: "L-001", Detail: `line="lab"`, Result: "ok"}},
		{"room closed by staff", func() response { return h.asStaff("PATCH", "/api/staff/rooms/Room%201", `{"open":false}`) },
			auditEntry{Action: "room_update", Actor: "nurse", Kind: "room", ID: "Room 1", Detail: "open=false", Result: "ok"}},
		{"room renamed by staff: forbidden", func() response { return h.asStaff("PATCH", "/api/staff/rooms/Room%201", `{"name":"R2"}`) },
			auditEntry{Action: "room_update", Actor: "nurse", Kind: "room", ID: "Room 1", Detail: `name="R2"`, Result: "FORBIDDEN"}},
		{"line settings", func() response {
			return h.asAdmin("PATCH", "/api/staff/lines/lab", `{"open":false,"hours":{"mon":"08:00-12:00"}}`)
		}, auditEntry{Action: "line_update", Actor: "boss", Kind: "line", ID: "lab", Detail: `open=false hours={mon:"08:00-12:00"}`, Result: "ok"}},
		{"line by staff: forbidden", func() response { return h.asStaff("DELETE", "/api/staff/lines/lab", "") },
			auditEntry{Action: "line_delete", Actor: "nurse", Kind: "line", ID: "lab", Result: "FORBIDDEN"}},
		{"room added", func() response { return h.asAdmin("POST", "/api/staff/rooms", `{"name":"Room 9","lines":["default"]}`) },
			auditEntry{Action: "room_create", Actor: "boss", Kind: "room", ID: "Room 9", Detail: `lines=["default"]`, Result: "ok"}},
		{"room deleted", func() response { return h.asAdmin("DELETE", "/api/staff/rooms/Room%209", "") },
			auditEntry{Action: "room_delete", Actor: "boss", Kind: "room", ID: "Room 9", Result: "ok"}},
		{"line added", func() response {
			return h.asAdmin("POST", "/api/staff/lines", `{"slug":"xr","name":"X-ray","prefix":"X"}`)
		},
			auditEntry{Action: "line_create", Actor: "boss", Kind: "line", ID: "xr", Detail: `slug="xr" name="X-ray" prefix="X"`, Result: "ok"}},
		{"account added, never the password", func() response {
			return h.asAdmin("POST", "/api/staff/users", `{"username":"temp","password":"secret password","role":"staff"}`)
		}, auditEntry{Action: "user_add", Actor: "boss", Kind: "account", ID: "temp", Detail: `role="staff"`, Result: "ok"}},
		{"password", func() response {
			return h.asAdmin("POST", "/api/staff/users/temp/password", `{"password":"another secret"}`)
		}, auditEntry{Action: "user_password", Actor: "boss", Kind: "account", ID: "temp", Result: "ok"}},
		{"account removed", func() response { return h.asAdmin("DELETE", "/api/staff/users/temp", "") },
			auditEntry{Action: "user_remove", Actor: "boss", Kind: "account", ID: "temp", Result: "ok"}},
		{"accounts by staff: forbidden", func() response { return h.asStaff("DELETE", "/api/staff/users/boss", "") },
			auditEntry{Action: "user_remove", Actor: "nurse", Kind: "account", ID: "boss", Result: "FORBIDDEN"}},
		{"account form", func() response {
			return h.form("/staff/admin/users", url.Values{"username": {"temp2"}, "password": {"secret password"}, "role": {"kiosk"}}, cookie(h.admin)...)
		}, auditEntry{Action: "user_add", Actor: "boss", Kind: "account", ID: "temp2", Detail: `role="kiosk"`, Result: "ok"}},
		{"account form refused", func() response {
			return h.form("/staff/admin/users", url.Values{"username": {"temp2"}, "password": {"secret password"}}, cookie(h.admin)...)
		}, auditEntry{Action: "user_add", Actor: "boss", Kind: "account", ID: "temp2", Result: "USER_EXISTS"}},
		{"remove form by staff", func() response {
			return h.form("/staff/admin/users/remove", url.Values{"username": {"temp2"}}, cookie(h.staff)...)
		}, auditEntry{Action: "user_remove", Actor: "nurse", Kind: "account", ID: "temp2", Result: "FORBIDDEN"}},
		{"erase", func() response { return h.asAdmin("POST", "/api/staff/erase", `{"phone":"(415) 200-0002"}`) },
			auditEntry{Action: "erase_phone", Actor: "boss", Kind: "phone", ID: "…02", Detail: "tickets=1 messages=2", Result: "ok"}}, // confirmation, get ready
		{"logout", func() response { return h.asStaff("POST", "/api/staff/logout", "") },
			auditEntry{Action: "logout", Actor: "nurse", Result: "ok"}},
	} {
		r := tt.act()
		if r.Code >= 500 {
			t.Fatalf("%s: %d %s", tt.name, r.Code, r.Raw)
		}
		got := h.lastEntry()
		w := tt.want
		w.IP = "192.0.2.1" // httptest's client
		if w.ID == "*" {
			w.ID = got.ID
		}
		if got != w {
			t.Errorf("%s: entry\n %+v\nwant\n %+v", tt.name, got, w)
		}
	}
	// A patient leaving the queue on their own is not a staff action.
	n := len(h.trail(""))
	dee := h.checkIn("Dee Quist", phone(4))
	h.do("DELETE", "/api/checkin/"+dee, "").want(t, http.StatusOK)
	if got := len(h.trail("")); got != n {
		t.Errorf("a patient's own cancel wrote %d entries", got-n)
	}
	// Nothing personal went in: no patient's name, phone or any password.
	for _, e := range h.trail("") {
		// A ticket id is a random UUID and may hold "415" by chance; the
		// phone check is about every other field, so the id is left out.
		if e.Kind == "ticket" {
			e.ID = ""
		}
		all := fmt.Sprintf("%+v", e)
		for _, bad := range []string{"Quist", "Secretname", "secret", "correct horse", "wrong horse", "415"} {
			if strings.Contains(all, bad) {
				t.Errorf("entry %+v holds %q", e, bad)
			}
		}
	}
}

// TestAuditFiltersAndPages: actor, action and day select; limit and before
// page; bad filters are VALIDATION_ERROR naming the parameter; only admins.
func TestAuditFiltersAndPages(t *testing.T) {
	h := newHarness(t)
	for range 3 {
		h.do("POST", "/api/staff/login", `{"username":"nurse","password":"correct horse"}`).want(t, http.StatusOK)
	}
	h.clock.Add(24 * time.Hour) // the sessions of the harness have expired: sign in again
	h.admin = h.do("POST", "/api/staff/login", `{"username":"boss","password":"correct horse"}`).want(t, http.StatusOK).str(t, "data.token")
	h.staff = h.admin
	h.asStaff("POST", "/api/staff/call-next", "").wantError(t, http.StatusNotFound, "NO_PATIENTS_WAITING")

	for q, want := range map[string]int{
		"":                          5,
		"actor=nurse":               3,
		"action=login":              4,
		"actor=boss&action=login":   1,
		"day=2026-11-28":            3,
		"day=2026-11-29":            2,
		"day=2026-11-29&actor=boss": 2,
		"day=2026-11-30":            0,
	} {
		if got := len(h.trail(q)); got != want {
			t.Errorf("?%s: %d entries, want %d", q, got, want)
		}
	}
	first := h.asAdmin("GET", "/api/staff/audit?limit=2", "").want(t, http.StatusOK)
	if first.num(t, "count") != 2 {
		t.Fatalf("limit 2: %s", first.Raw)
	}
	next := first.num(t, "next")
	if next != first.num(t, "data.1.id") {
		t.Errorf("next = %d, want the last entry's id", next)
	}
	last := h.asAdmin("GET", fmt.Sprintf("/api/staff/audit?limit=4&before=%d", next), "").want(t, http.StatusOK)
	if last.num(t, "count") != 3 {
		t.Errorf("second page: %s", last.Raw)
	}
	if _, ok := last.get("next"); ok {
		t.Errorf("a page that is not full has next: %s", last.Raw)
	}
	for q, field := range map[string]string{"action=dance": "action", "day=28/11/2026": "day", "limit=0": "limit", "limit=1001": "limit", "before=x": "before"} {
		r := h.asAdmin("GET", "/api/staff/audit?"+q, "").wantError(t, http.StatusBadRequest, "VALIDATION_ERROR")
		if got := r.str(t, "error.details.field"); got != field {
			t.Errorf("?%s: field %q, want %q", q, got, field)
		}
	}
	nurse := h.do("POST", "/api/staff/login", `{"username":"nurse","password":"correct horse"}`).want(t, http.StatusOK).str(t, "data.token")
	h.do("GET", "/api/staff/audit", "", "Authorization", "Bearer "+nurse).wantError(t, http.StatusForbidden, "FORBIDDEN")
	h.do("GET", "/api/staff/audit.csv", "", "Authorization", "Bearer "+nurse).wantError(t, http.StatusForbidden, "FORBIDDEN")
	h.do("GET", "/api/staff/audit", "").wantError(t, http.StatusUnauthorized, "UNAUTHORIZED")
}

// TestAuditCSV: the export is RFC 4180 with a header, newest first, same
// filters, formula cells defused, and the export itself is audited.
func TestAuditCSV(t *testing.T) {
	h := newHarness(t)
	for _, u := range []string{"nurse", "=HYPERLINK(\"http://x\",\"y\")", "+1, \"quoted\"\nnext line", "@SUM(A1)", "-2"} {
		h.do("POST", "/api/staff/login", jsonOf(t, map[string]string{"username": u, "password": "wrong horse"}))
	}
	r := h.asAdmin("GET", "/api/staff/audit.csv?action=login", "")
	if r.Code != http.StatusOK || r.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("status %d, %q: %s", r.Code, r.Header.Get("Content-Type"), r.Raw)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="smartwait-audit-2026-11-28.csv"`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	rows, err := csv.NewReader(strings.NewReader(r.Raw)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, r.Raw)
	}
	if strings.Join(rows[0], ",") != strings.Join(csvHeader, ",") || len(rows) != 6 {
		t.Fatalf("%d rows, header %q", len(rows), rows[0])
	}
	actors := []string{}
	for _, row := range rows[1:] {
		actors = append(actors, row[2])
		if row[4] != "login" || row[9] != "INVALID_CREDENTIALS" || row[3] != "192.0.2.1" {
			t.Errorf("row %q", row)
		}
	}
	want := []string{"'-2", "'@SUM(A1)", "'+1, \"quoted\"next line", "'=HYPERLINK(\"http://x\",\"y\")", "nurse"}
	if strings.Join(actors, "|") != strings.Join(want, "|") {
		t.Errorf("actors, newest first:\n %q\nwant\n %q", actors, want)
	}
	if e := h.lastEntry(); e.Action != "audit_export" || e.Actor != "boss" || e.Detail != `action="login"` {
		t.Errorf("the export's own entry: %+v", e)
	}
	if got := h.asAdmin("GET", "/api/staff/audit.csv?limit=2", "").Raw; strings.Count(got, "\n") != 3 {
		t.Errorf("limit 2: %q", got)
	}
	h.asAdmin("GET", "/api/staff/audit.csv?day=yesterday", "").wantError(t, http.StatusBadRequest, "VALIDATION_ERROR")
}

// TestCSVCell: the formula-injection rule on its own.
func TestCSVCell(t *testing.T) {
	for in, want := range map[string]string{"": "", "nurse": "nurse", "=1+1": "'=1+1", "+1": "'+1", "-1": "'-1", "@x": "'@x", "\t=1": "'\t=1", "\r=1": "'\r=1", "a=1": "a=1"} {
		if got := csvCell(in); got != want {
			t.Errorf("csvCell(%q) = %q, want %q", in, got, want)
		}
	}
}

// failingAudit is an audit log whose writes fail.
type failingAudit struct{ AuditLog }

func (failingAudit) AppendAudit(context.Context, *audit.Entry) error {
	return errors.New("disk on fire")
}

// TestAuditFailureDoesNotFailTheAction: the action succeeds, the failure is
// logged at ERROR with the request id, and counted.
func TestAuditFailureDoesNotFailTheAction(t *testing.T) {
	h := newHarness(t, func(d *Deps) { d.Audit = failingAudit{d.Audit} })
	id := h.checkIn("Ann", phone(1))
	r := h.asStaff("POST", "/api/staff/call-next", "", "X-Request-ID", "req-audit-1").want(t, http.StatusOK)
	if r.str(t, "data.id") != id {
		t.Fatalf("called %s", r.Raw)
	}
	logs := h.logs.String()
	if !strings.Contains(logs, `"level":"ERROR"`) || !strings.Contains(logs, `"msg":"audit entry not recorded"`) ||
		!strings.Contains(logs, `"request_id":"req-audit-1"`) || !strings.Contains(logs, "disk on fire") {
		t.Errorf("log:\n%s", logs)
	}
	if m := h.metricsText(); !strings.Contains(m, "smartwait_audit_write_failures_total 1") {
		t.Errorf("metrics do not count the failure")
	}
}

// TestAuditIPFollowsTrustProxy: the entry's IP is the client's as the rate
// limiter sees it: X-Forwarded-For only when SMARTWAIT_TRUST_PROXY is set.
func TestAuditIPFollowsTrustProxy(t *testing.T) {
	for _, trust := range []bool{false, true} {
		h := newHarness(t, func(d *Deps) { d.Config.TrustProxy = trust })
		h.do("POST", "/api/staff/login", `{"username":"nurse","password":"correct horse"}`, "X-Forwarded-For", "198.51.100.7").want(t, http.StatusOK)
		want := "192.0.2.1"
		if trust {
			want = "198.51.100.7"
		}
		if got := h.lastEntry().IP; got != want {
			t.Errorf("trust proxy %v: IP %q, want %q", trust, got, want)
		}
	}
}

// TestAuditIsAppendOnly: no route changes or deletes an entry.
func TestAuditIsAppendOnly(t *testing.T) {
	h := newHarness(t)
	h.do("POST", "/api/staff/login", `{"username":"nurse","password":"correct horse"}`).want(t, http.StatusOK)
	for _, m := range []string{"PUT", "PATCH", "DELETE", "POST"} {
		r := h.asAdmin(m, "/api/staff/audit", "")
		if r.Code != http.StatusMethodNotAllowed {
			t.Errorf("%s /api/staff/audit: %d", m, r.Code)
		}
	}
	h.asAdmin("DELETE", "/api/staff/audit/1", "").wantError(t, http.StatusNotFound, "NOT_FOUND")
}

// TestWebhookChangesAreAudited: registering, changing and deleting an
// outbound webhook endpoint are staff actions in the trail (issue 15).
func TestWebhookChangesAreAudited(t *testing.T) {
	h := newHarness(t)
	r := h.asAdmin("POST", "/api/staff/webhooks", `{"url":"https://ehr.example/in","events":["ticket.created"],"personalData":true}`).want(t, http.StatusCreated)
	id := r.str(t, "data.id")
	if e := h.lastEntry(); e.Action != "webhook_create" || e.Actor != "boss" || e.Result != "ok" || !strings.Contains(e.Detail, "https://ehr.example/in") {
		t.Errorf("create: %+v", e)
	}
	h.asAdmin("PATCH", "/api/staff/webhooks/"+id, `{"enabled":false}`).want(t, http.StatusOK)
	if e := h.lastEntry(); e.Action != "webhook_update" || e.Kind != "webhook" || e.ID != id || !strings.Contains(e.Detail, "enabled=false") {
		t.Errorf("update: %+v", e)
	}
	h.asAdmin("DELETE", "/api/staff/webhooks/"+id, "").want(t, http.StatusOK)
	if e := h.lastEntry(); e.Action != "webhook_delete" || e.ID != id || e.Result != "ok" {
		t.Errorf("delete: %+v", e)
	}
}

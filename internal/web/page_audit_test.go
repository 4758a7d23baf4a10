package web

import (
	"net/http"
	"strings"
	"testing"
)

// TestAuditPage: the admin's page renders the trail without a script, keeps
// the filters, links the CSV of the same filters and the next page; staff
// are refused, strangers sent to sign in.
func TestAuditPage(t *testing.T) {
	h := newHarness(t)
	for range auditPage + 1 {
		h.do("POST", "/api/staff/login", `{"username":"nurse","password":"wrong horse"}`)
	}
	h.asStaff("POST", "/api/staff/call-next", "")

	r := h.do("GET", "/staff/admin/audit", "", cookie(h.admin)...)
	wantPage(t, r, http.StatusOK)
	if n := strings.Count(r.Raw, "<tr><td>2026-11-28 09:00:00</td>"); n != auditPage {
		t.Errorf("%d rows, want a page of %d", n, auditPage)
	}
	for _, want := range []string{"Call next", "<code>NO_PATIENTS_WAITING</code>", "<code>INVALID_CREDENTIALS</code>", "192.0.2.1",
		`href="/api/staff/audit.csv"`, `href="/staff/admin/audit?before=`, `id="erase-form"`, "/static/js/audit.js"} {
		if !strings.Contains(r.Raw, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", r.Header.Get("Cache-Control"))
	}

	r = h.do("GET", "/staff/admin/audit?actor=nurse&action=call_next&day=2026-11-28", "", cookie(h.admin)...)
	wantPage(t, r, http.StatusOK)
	for _, want := range []string{`value="nurse"`, `<option value="call_next" selected>`, `value="2026-11-28"`,
		`href="/api/staff/audit.csv?action=call_next&amp;actor=nurse&amp;day=2026-11-28"`} {
		if !strings.Contains(r.Raw, want) {
			t.Errorf("filtered page lacks %q", want)
		}
	}
	if strings.Contains(r.Raw, "INVALID_CREDENTIALS") || strings.Contains(r.Raw, "before=") {
		t.Error("filtered page shows other actions, or a next page")
	}

	wantPage(t, h.do("GET", "/staff/admin/audit?day=someday", "", cookie(h.admin)...), http.StatusBadRequest)
	if r := h.do("GET", "/staff/admin/audit", "", cookie(h.staff)...); r.Code != http.StatusForbidden {
		t.Errorf("staff: %d", r.Code)
	}
	if r := h.do("GET", "/staff/admin/audit", ""); r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/staff/login" {
		t.Errorf("stranger: %d %q", r.Code, r.Header.Get("Location"))
	}
	admin := h.do("GET", "/staff/admin", "", cookie(h.admin)...)
	if !strings.Contains(admin.Raw, `href="/staff/admin/audit"`) {
		t.Error("the admin page does not link the audit log")
	}
}

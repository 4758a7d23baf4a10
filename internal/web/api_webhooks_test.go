package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"smartwait/internal/webhook"
)

// The webhook routes are admin-only; the secret is shown once; the URL rules,
// the event list and the endpoint limit answer with the contract's errors.
func TestWebhookRoutes(t *testing.T) {
	h := newHarness(t, func(d *Deps) { d.Webhooks.MaxEndpoints = 2 })
	const body = `{"url":"https://ehr.example/in","description":"EHR","events":["ticket.created","sms.status"],"personalData":true}`
	h.asStaff("GET", "/api/staff/webhooks", "").wantError(t, http.StatusForbidden, "FORBIDDEN")
	h.asStaff("POST", "/api/staff/webhooks", body).wantError(t, http.StatusForbidden, "FORBIDDEN")
	h.do("GET", "/api/staff/webhooks", "").want(t, http.StatusUnauthorized)

	r := h.asAdmin("POST", "/api/staff/webhooks", body).want(t, http.StatusCreated)
	id, secret := r.str(t, "data.id"), r.str(t, "data.secret")
	if !strings.HasPrefix(secret, "whsec_") || r.str(t, "data.url") != "https://ehr.example/in" {
		t.Errorf("created %s", r.Raw)
	}
	list := h.asAdmin("GET", "/api/staff/webhooks", "").want(t, http.StatusOK)
	if strings.Contains(list.Raw, secret) || list.num(t, "count") != 1 || list.str(t, "data.0.id") != id {
		t.Errorf("list = %s", list.Raw)
	}
	for _, tc := range []struct{ body, field string }{
		{`{"url":"http://127.0.0.1:8080/x","events":["ticket.created"]}`, "url"},
		{`{"url":"http://169.254.169.254/latest","events":["ticket.created"]}`, "url"},
		{`{"url":"http://localhost/x","events":["ticket.created"]}`, "url"},
		{`{"url":"ftp://ehr.example/","events":["ticket.created"]}`, "url"},
		{`{"url":"https://ehr.example/in","events":["ticket.exploded"]}`, "events"},
		{`{"url":"https://ehr.example/in","events":[]}`, "events"},
		{`{"url":"https://ehr.example/in"}`, "events"},
		{`{"url":"https://ehr.example/in","events":"ticket.created"}`, "events"},
		{`{"url":"https://ehr.example/in","events":["ticket.created"],"secret":"mine"}`, "secret"},
	} {
		r := h.asAdmin("POST", "/api/staff/webhooks", tc.body).wantError(t, http.StatusBadRequest, "VALIDATION_ERROR")
		if f := r.str(t, "error.details.field"); f != tc.field {
			t.Errorf("%s: field %q, want %q", tc.body, f, tc.field)
		}
	}
	h.asAdmin("POST", "/api/staff/webhooks", body).want(t, http.StatusCreated)
	h.asAdmin("POST", "/api/staff/webhooks", body).wantError(t, http.StatusConflict, "TOO_MANY_WEBHOOKS")

	r = h.asAdmin("PATCH", "/api/staff/webhooks/"+id, `{"enabled":false,"events":["ticket.called"]}`).want(t, http.StatusOK)
	if v, _ := r.get("data.enabled"); v != false {
		t.Errorf("patched %s", r.Raw)
	}
	if strings.Contains(r.Raw, secret) {
		t.Error("the PATCH answer shows the secret")
	}
	h.asAdmin("PATCH", "/api/staff/webhooks/nope", `{"enabled":true}`).wantError(t, http.StatusNotFound, webhook.CodeNotFound)
	log := h.asAdmin("GET", "/api/staff/webhooks/"+id+"/deliveries", "").want(t, http.StatusOK)
	if log.num(t, "count") != 0 {
		t.Errorf("log = %s", log.Raw)
	}
	h.asAdmin("GET", "/api/staff/webhooks/nope/deliveries", "").wantError(t, http.StatusNotFound, webhook.CodeNotFound)
	h.asAdmin("DELETE", "/api/staff/webhooks/"+id, "").want(t, http.StatusOK)
	h.asAdmin("DELETE", "/api/staff/webhooks/"+id, "").wantError(t, http.StatusNotFound, webhook.CodeNotFound)
}

// The page lists the endpoints and says at the top when one was disabled for
// failing; staff who are not admins get 403.
func TestWebhooksPage(t *testing.T) {
	h := newHarness(t)
	if r := h.do("GET", "/staff/admin/webhooks", "", cookie(h.staff)...); r.Code != http.StatusForbidden {
		t.Errorf("staff get %d, want 403", r.Code)
	}
	r := h.asAdmin("POST", "/api/staff/webhooks", `{"url":"https://ehr.example/in","events":["ticket.created"]}`).want(t, http.StatusCreated)
	id := r.str(t, "data.id")
	page := h.do("GET", "/staff/admin/webhooks", "", cookie(h.admin)...)
	wantPage(t, page, http.StatusOK)
	if !strings.Contains(page.Raw, "https://ehr.example/in") || strings.Contains(page.Raw, `id="webhooks-disabled"`) {
		t.Errorf("page without a disabled endpoint:\n%.2000s", page.Raw)
	}
	ctx := context.Background()
	e, err := h.db.Webhook(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	e.Enabled, e.DisabledAt, e.DisabledReason = false, time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC), "failing since yesterday; last error: HTTP 500"
	if err := h.db.SaveWebhook(ctx, e); err != nil {
		t.Fatal(err)
	}
	page = h.do("GET", "/staff/admin/webhooks", "", cookie(h.admin)...)
	if !strings.Contains(page.Raw, `id="webhooks-disabled"`) || !strings.Contains(page.Raw, "last error: HTTP 500") || !strings.Contains(page.Raw, "2026-11-29 09:00") {
		t.Errorf("page with a disabled endpoint:\n%.3000s", page.Raw)
	}
	admin := h.do("GET", "/staff/admin", "", cookie(h.admin)...)
	if !strings.Contains(admin.Raw, `href="/staff/admin/webhooks"`) {
		t.Error("the admin page does not link to the webhooks page")
	}
}

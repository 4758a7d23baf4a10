package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestStaffLoginAndLogout(t *testing.T) {
	h := newHarness(t)
	if r := h.do("GET", "/staff", ""); r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/staff/login" {
		t.Fatalf("anonymous /staff: %d %q", r.Code, r.Header.Get("Location"))
	}
	if r := h.do("GET", "/staff", "", cookie("not-a-valid-token")...); r.Code != http.StatusSeeOther {
		t.Fatalf("bad cookie /staff: %d", r.Code)
	}

	r := h.form("/staff/login", url.Values{"username": {"nurse"}, "password": {"wrong password"}})
	wantPage(t, r, http.StatusUnauthorized)
	if !strings.Contains(r.Raw, `id="login-error"`) || r.Header.Get("Set-Cookie") != "" {
		t.Fatalf("refused login: cookie %q, page %.500s", r.Header.Get("Set-Cookie"), r.Raw)
	}
	if r := h.form("/staff/login", url.Values{"username": {"nurse"}, "password": {"correct horse"}}, "Origin", "https://evil.example"); r.Code != http.StatusForbidden {
		t.Fatalf("cross-origin login: %d", r.Code)
	}

	r = h.form("/staff/login", url.Values{"username": {"nurse"}, "password": {"correct horse"}})
	if r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/staff" {
		t.Fatalf("login: %d %q", r.Code, r.Header.Get("Location"))
	}
	c := (&http.Response{Header: http.Header{"Set-Cookie": r.Header.Values("Set-Cookie")}}).Cookies()
	if len(c) != 1 || c[0].Name != SessionCookie || !c[0].HttpOnly || !c[0].Secure || c[0].SameSite != http.SameSiteStrictMode {
		t.Fatalf("session cookie %+v", c)
	}
	token := c[0].Value

	r = h.do("GET", "/staff", "", cookie(token)...)
	wantPage(t, r, http.StatusOK)
	if !strings.Contains(r.Raw, "nurse") || strings.Contains(r.Raw, `href="/staff/admin"`) {
		t.Fatalf("dashboard for staff: %.1000s", r.Raw)
	}
	if got := r.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("dashboard Cache-Control %q", got)
	}
	if r := h.do("GET", "/staff/login", "", cookie(token)...); r.Code != http.StatusSeeOther {
		t.Errorf("login page when signed in: %d", r.Code)
	}

	// A forged logout from another origin leaves the session alone.
	if r := h.form("/staff/logout", nil, append(cookie(token), "Origin", "http://localhost:9999")...); r.Code != http.StatusForbidden {
		t.Fatalf("cross-origin logout: %d", r.Code)
	}
	h.do("GET", "/api/staff/me", "", cookie(token)...).want(t, http.StatusOK)

	r = h.form("/staff/logout", nil, cookie(token)...)
	if r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/staff/login" {
		t.Fatalf("logout: %d %q", r.Code, r.Header.Get("Location"))
	}
	h.do("GET", "/api/staff/me", "", cookie(token)...).wantError(t, http.StatusUnauthorized, "UNAUTHORIZED")
}

func TestAdminPage(t *testing.T) {
	h := newHarness(t)
	if r := h.do("GET", "/staff/admin", "", cookie(h.staff)...); r.Code != http.StatusForbidden {
		t.Fatalf("staff on admin page: %d", r.Code)
	}
	r := h.do("GET", "/staff/admin", "", cookie(h.admin)...)
	wantPage(t, r, http.StatusOK)
	if !strings.Contains(r.Raw, "nurse") || !strings.Contains(r.Raw, "boss") {
		t.Fatalf("accounts missing: %.2000s", r.Raw)
	}

	add := url.Values{"username": {"frontdesk"}, "password": {"a long enough password"}, "role": {"staff"}}
	if r := h.form("/staff/admin/users", add, append(cookie(h.admin), "Origin", "https://evil.example")...); r.Code != http.StatusForbidden {
		t.Fatalf("cross-origin add: %d", r.Code)
	}
	if r := h.form("/staff/admin/users", add, cookie(h.staff)...); r.Code != http.StatusForbidden {
		t.Fatalf("staff add: %d", r.Code)
	}
	r = h.form("/staff/admin/users", add, cookie(h.admin)...)
	if r.Code != http.StatusSeeOther {
		t.Fatalf("add: %d %.500s", r.Code, r.Raw)
	}
	if _, _, _, err := h.deps.Auth.Login(t.Context(), "frontdesk", "a long enough password"); err != nil {
		t.Fatalf("the new account cannot log in: %v", err)
	}
	r = h.form("/staff/admin/users", add, cookie(h.admin)...)
	wantPage(t, r, http.StatusConflict)
	if !strings.Contains(r.Raw, `id="admin-error"`) || strings.Contains(r.Raw, "a long enough password") {
		t.Fatalf("duplicate add: %.1000s", r.Raw)
	}

	if r := h.form("/staff/admin/users/remove", url.Values{"username": {"boss"}}, cookie(h.admin)...); r.Code != http.StatusConflict {
		t.Fatalf("removing oneself: %d", r.Code)
	}
	if r := h.form("/staff/admin/users/remove", url.Values{"username": {"frontdesk"}}, cookie(h.admin)...); r.Code != http.StatusSeeOther {
		t.Fatalf("remove: %d %.500s", r.Code, r.Raw)
	}
	if _, _, _, err := h.deps.Auth.Login(t.Context(), "frontdesk", "a long enough password"); err == nil {
		t.Fatal("the removed account can still log in")
	}
}

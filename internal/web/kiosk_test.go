package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"smartwait/internal/auth"
	"smartwait/internal/queue"
)

// kioskLogin creates a kiosk account and signs it in, returning its token.
func (h *harness) kioskLogin(username string) string {
	h.tb.Helper()
	h.asAdmin("POST", "/api/staff/users", `{"username":"`+username+`","password":"correct horse","role":"kiosk"}`).
		want(h.tb, http.StatusCreated)
	res := h.do("POST", "/api/staff/login", `{"username":"`+username+`","password":"correct horse"}`).want(h.tb, http.StatusOK)
	if res.str(h.tb, "data.user.role") != "kiosk" {
		h.tb.Fatalf("login: %s", res.Raw)
	}
	return res.str(h.tb, "data.token")
}

// TestKioskAccount: a tablet signed in with a kiosk account checks patients
// in without a phone, as a patient would otherwise (public, admitting lines),
// and may do nothing else a staff member may.
func TestKioskAccount(t *testing.T) {
	h := newHarness(t)
	h.addLine("doctor", "Doctor", "D", map[string]any{"public": false})
	h.addLine("lab", "Lab", "L", map[string]any{"open": false})
	tok := h.kioskLogin("lobby")
	asKiosk := func(method, path, body string) response {
		return h.do(method, path, body, "Authorization", "Bearer "+tok)
	}

	res := asKiosk("POST", "/api/staff/checkin", `{"name":"Nora No-Phone","appointmentTime":"Walk-in"}`).want(t, http.StatusCreated)
	if res.str(t, "data.ticketNumber") != "A-001" || res.str(t, "data.line") != "default" {
		t.Fatalf("kiosk check-in: %s", res.Raw)
	}
	if got := h.positions("default"); got[res.str(t, "data.patientId")] != 1 {
		t.Fatalf("queue after the kiosk: %v", got)
	}
	asKiosk("POST", "/api/staff/checkin", `{"name":"Dan","appointmentTime":"Walk-in","line":"doctor"}`).
		wantError(t, http.StatusBadRequest, queue.CodeValidation)
	asKiosk("POST", "/api/staff/checkin", `{"name":"Lia","appointmentTime":"Walk-in","line":"lab"}`).
		wantError(t, http.StatusConflict, queue.CodeLineClosed)
	asKiosk("POST", "/api/staff/checkin", `{"name":"Ola"}`).
		wantError(t, http.StatusBadRequest, queue.CodeValidation) // a patient says whether they have an appointment
	// The front desk itself may use both lines.
	h.asStaff("POST", "/api/staff/checkin", `{"name":"Dan","line":"doctor"}`).want(t, http.StatusCreated)
	h.asStaff("POST", "/api/staff/checkin", `{"name":"Lia","line":"lab"}`).want(t, http.StatusCreated)

	if me := asKiosk("GET", "/api/staff/me", "").want(t, http.StatusOK); me.str(t, "data.user.role") != "kiosk" {
		t.Fatalf("me: %s", me.Raw)
	}
	for _, r := range []struct{ method, path, body string }{
		{"GET", "/api/staff/queue", ""},
		{"GET", "/api/queue", ""},
		{"POST", "/api/staff/call-next", `{"room":"Room 1"}`},
		{"GET", "/api/staff/stats", ""},
		{"GET", "/api/staff/lines", ""},
		{"GET", "/api/staff/notifications", ""},
		{"GET", "/api/staff/users", ""},
		{"PATCH", "/api/staff/rooms/Room%201", `{"open":false}`},
	} {
		asKiosk(r.method, r.path, r.body).wantError(t, http.StatusForbidden, auth.CodeForbidden)
	}
	asKiosk("POST", "/api/staff/logout", "").want(t, http.StatusOK)
	asKiosk("POST", "/api/staff/checkin", `{"name":"Late","appointmentTime":"Walk-in"}`).
		wantError(t, http.StatusUnauthorized, auth.CodeUnauthorized)
}

// TestKioskAccountRateLimit: a kiosk account's check-ins have the public
// check-in's limit, per kiosk session; staff at the desk have none.
func TestKioskAccountRateLimit(t *testing.T) {
	h := newHarness(t, func(d *Deps) { d.Config.CheckinPerMinute = 2 })
	one, two := h.kioskLogin("lobby-1"), h.kioskLogin("lobby-2")
	n := 0
	checkIn := func(hs ...string) int {
		n++
		return h.do("POST", "/api/staff/checkin", `{"name":"Pat `+itoa(n)+`","appointmentTime":"Walk-in"}`, hs...).Code
	}
	for i, want := range []int{201, 201, 429} {
		if got := checkIn("Authorization", "Bearer "+one); got != want {
			t.Fatalf("kiosk 1, check-in %d: %d, want %d", i+1, got, want)
		}
	}
	if got := checkIn("Authorization", "Bearer "+two); got != 201 {
		t.Fatalf("kiosk 2 has a limit of its own: %d", got)
	}
	for i := range 3 {
		if got := checkIn("Authorization", "Bearer "+h.staff); got != 201 {
			t.Fatalf("front desk, check-in %d: %d", i+1, got)
		}
	}
}

// TestKioskSignIn: the sign-in form takes a kiosk account to /kiosk, where
// the phone is optional and the form posts to the front-desk check-in; its
// cookie opens no staff page.
func TestKioskSignIn(t *testing.T) {
	h := newHarness(t)
	h.kioskLogin("lobby")
	r := h.form("/staff/login", url.Values{"username": {"lobby"}, "password": {"correct horse"}})
	if r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/kiosk" {
		t.Fatalf("kiosk sign-in: %d → %q", r.Code, r.Header.Get("Location"))
	}
	var session string
	for _, c := range (&http.Response{Header: http.Header{"Set-Cookie": r.Header.Values("Set-Cookie")}}).Cookies() {
		if c.Name == SessionCookie {
			session = c.Value
		}
	}
	if session == "" {
		t.Fatal("no session cookie")
	}
	page := h.do("GET", "/kiosk", "", "Cookie", SessionCookie+"="+session)
	for _, want := range []string{`data-phone-required="false"`, `data-desk="true"`, `Mobile phone (optional)`} {
		if !strings.Contains(page.Raw, want) {
			t.Errorf("signed-in kiosk lacks %q", want)
		}
	}
	if r := h.do("GET", "/staff", "", "Cookie", SessionCookie+"="+session); r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/staff/login" {
		t.Fatalf("a kiosk's cookie on /staff: %d → %q", r.Code, r.Header.Get("Location"))
	}
	// Anyone else's kiosk (no session, or a staff member's) asks for a phone.
	for _, hs := range [][]string{nil, {"Authorization", "Bearer " + h.staff}} {
		if page := h.do("GET", "/kiosk", "", hs...); !strings.Contains(page.Raw, `data-phone-required="true" data-desk="false"`) {
			t.Errorf("kiosk with %v is not the public one", hs)
		}
	}
}

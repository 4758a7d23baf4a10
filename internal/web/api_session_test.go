package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"smartwait/internal/auth"
	"smartwait/internal/queue"
)

func TestLogin(t *testing.T) {
	h := newHarness(t)
	res := h.do("POST", "/api/staff/login", `{"username":"boss","password":"correct horse"}`).want(t, 200)
	token := res.str(t, "data.token")
	if res.str(t, "data.expiresAt") != "2026-11-28T17:00:00.000Z" || res.num(t, "data.expiresIn") != 8*3600 {
		t.Fatalf("expiry: %s", res.Raw)
	}
	for f, want := range map[string]string{
		"data.user.username": "boss", "data.user.role": "admin", "data.username": "boss", "data.role": "admin",
	} {
		if got := res.str(t, f); got != want {
			t.Fatalf("%s = %q, want %q", f, got, want)
		}
	}
	res.num(t, "data.user.id")
	if strings.Contains(res.Raw, "$2a$") || strings.Contains(res.Raw, "passwordHash") {
		t.Fatalf("login leaks the password hash: %s", res.Raw)
	}

	cookie := res.Header.Get("Set-Cookie")
	for _, want := range []string{SessionCookie + "=" + token, "Path=/", "Max-Age=28800", "HttpOnly", "SameSite=Strict", "Secure"} {
		if !strings.Contains(cookie, want) {
			t.Fatalf("Set-Cookie %q lacks %q", cookie, want)
		}
	}

	me := h.do("GET", "/api/staff/me", "", "Authorization", "Bearer "+token).want(t, 200)
	if me.str(t, "data.user.username") != "boss" || me.str(t, "data.sessionId") == "" {
		t.Fatalf("me: %s", me.Raw)
	}
	viaCookie := h.do("GET", "/api/staff/me", "", "Cookie", SessionCookie+"="+token).want(t, 200)
	if viaCookie.str(t, "data.sessionId") != me.str(t, "data.sessionId") {
		t.Fatal("cookie and bearer name different sessions")
	}

	out := h.do("POST", "/api/staff/logout", "", "Authorization", "Bearer "+token).want(t, 200)
	if c := out.Header.Get("Set-Cookie"); !strings.Contains(c, SessionCookie+"=;") || !strings.Contains(c, "Max-Age=0") {
		t.Fatalf("logout must clear the cookie: %q", c)
	}
	h.do("GET", "/api/staff/me", "", "Authorization", "Bearer "+token).wantError(t, 401, auth.CodeUnauthorized)
	h.do("POST", "/api/staff/logout", "", "Authorization", "Bearer "+token).wantError(t, 401, auth.CodeUnauthorized)
	h.asStaff("GET", "/api/staff/me", "").want(t, 200) // other sessions live on
}

func TestLoginErrors(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name, body string
		code       int
		errCode    string
	}{
		{"wrong password", `{"username":"boss","password":"wrong horse"}`, 401, auth.CodeInvalidCredentials},
		{"unknown user", `{"username":"ghost","password":"correct horse"}`, 401, auth.CodeInvalidCredentials},
		{"bad username", `{"username":"Ghost Rider!","password":"correct horse"}`, 401, auth.CodeInvalidCredentials},
		{"missing password", `{"username":"boss"}`, 400, queue.CodeValidation},
		{"missing username", `{"password":"correct horse"}`, 400, queue.CodeValidation},
		{"empty body", ``, 400, queue.CodeValidation},
		{"number password", `{"username":"boss","password":12345678}`, 400, queue.CodeValidation},
		{"unknown field", `{"username":"boss","password":"correct horse","remember":"1"}`, 400, queue.CodeValidation},
		{"malformed", `{"username":`, 400, codeInvalidJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.do("POST", "/api/staff/login", tt.body).wantError(t, tt.code, tt.errCode)
			if res.Header.Get("Set-Cookie") != "" {
				t.Fatal("a failed login must not set a cookie")
			}
		})
	}
}

// The login page posts its form to POST /staff/login (origin-checked); the API
// login takes JSON only, so a form cannot sign a browser in through it.
func TestLoginAPIRefusesForms(t *testing.T) {
	h := newHarness(t)
	form := url.Values{"username": {"nurse"}, "password": {"correct horse"}}.Encode()
	res := h.do("POST", "/api/staff/login", form, "Content-Type", "application/x-www-form-urlencoded").
		wantError(t, http.StatusUnsupportedMediaType, codeUnsupportedMedia)
	if res.Header.Get("Set-Cookie") != "" {
		t.Fatalf("a refused login set a cookie: %s", res.Header.Get("Set-Cookie"))
	}
}

func TestCookieNotSecureOnHTTP(t *testing.T) {
	h := newHarness(t, func(d *Deps) { d.Config.PublicURL = "http://localhost:3001" })
	res := h.do("POST", "/api/staff/login", `{"username":"nurse","password":"correct horse"}`).want(t, 200)
	if c := res.Header.Get("Set-Cookie"); strings.Contains(c, "Secure") || !strings.Contains(c, "HttpOnly") {
		t.Fatalf("plain-http cookie %q: want HttpOnly without Secure", c)
	}
}

func TestCookieCrossOrigin(t *testing.T) {
	h := newHarness(t, func(d *Deps) { d.Config.AllowedOrigins = []string{"https://staff.example"} })
	h.checkIn("Ana", phone(1))
	h.checkIn("Ben", phone(2))
	h.checkIn("Cy", phone(3))
	h.checkIn("Di", phone(4))
	cookie := SessionCookie + "=" + h.staff
	tests := []struct {
		name    string
		headers []string
		code    int
	}{
		{"no origin", nil, 403},
		{"foreign origin", []string{"Origin", "https://evil.example"}, 403},
		{"lookalike origin", []string{"Origin", "https://clinic.example.evil.example"}, 403},
		{"null origin", []string{"Origin", "null"}, 403},
		{"foreign referer", []string{"Referer", "https://evil.example/page"}, 403},
		{"public origin", []string{"Origin", testPublicURL}, 200},
		{"allowed origin", []string{"Origin", "https://staff.example"}, 200},
		{"public referer", []string{"Referer", testPublicURL + "/staff"}, 200},
		{"own host", []string{"Origin", "http://example.com"}, 200}, // httptest's Host
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.do("POST", "/api/staff/call-next", "", append([]string{"Cookie", cookie}, tt.headers...)...)
			if tt.code == 403 {
				res.wantError(t, 403, codeCrossOrigin)
			} else {
				res.want(t, tt.code)
			}
		})
	}
	// Reads by cookie need no origin; Bearer requests are not CSRF-able.
	h.do("GET", "/api/staff/queue", "", "Cookie", cookie).want(t, 200)
	h.do("POST", "/api/staff/call-next", "", "Authorization", "Bearer "+h.staff, "Origin", "https://evil.example").
		wantError(t, 404, queue.CodeNoneWaiting)
}

func TestLoginRateLimit(t *testing.T) {
	h := newHarness(t, func(d *Deps) { d.Config.LoginPerMinute = 3; d.Config.TrustProxy = true })
	login := func(ip string) response {
		return h.do("POST", "/api/staff/login", `{"username":"nurse","password":"wrong horse"}`, "X-Forwarded-For", ip)
	}
	for i := 0; i < 3; i++ {
		login("203.0.113.7").wantError(t, 401, auth.CodeInvalidCredentials)
	}
	res := login("203.0.113.7").wantError(t, 429, codeRateLimited)
	if ra := res.Header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Fatalf("Retry-After = %q", ra)
	}
	// Even the right password is refused while limited.
	h.do("POST", "/api/staff/login", `{"username":"nurse","password":"correct horse"}`, "X-Forwarded-For", "203.0.113.7").
		wantError(t, 429, codeRateLimited)
	// Another client behind the proxy is counted apart; the proxy's own entry counts.
	login("203.0.113.8").wantError(t, 401, auth.CodeInvalidCredentials)
	login("203.0.113.7, 203.0.113.9").wantError(t, 401, auth.CodeInvalidCredentials)
	// Check-ins have their own limit (off here).
	h.checkIn("Ana", phone(1))
}

func TestRateLimitIgnoresForwardedForByDefault(t *testing.T) {
	h := newHarness(t, func(d *Deps) { d.Config.CheckinPerMinute = 2 })
	for i := 0; i < 2; i++ {
		h.do("POST", "/api/checkin", `{"name":"P","phone":"`+phone(i)+`","appointmentTime":"1"}`,
			"X-Forwarded-For", "198.51.100."+string(rune('1'+i))).want(t, 201)
	}
	// Spoofed X-Forwarded-For does not buy a fresh bucket without TrustProxy.
	h.do("POST", "/api/checkin", `{"name":"P","phone":"`+phone(9)+`","appointmentTime":"1"}`,
		"X-Forwarded-For", "198.51.100.99").wantError(t, 429, codeRateLimited)
}

func TestUsers(t *testing.T) {
	h := newHarness(t)
	res := h.asAdmin("GET", "/api/staff/users", "").want(t, 200)
	if res.num(t, "count") != 2 || res.str(t, "data.0.username") != "boss" || res.str(t, "data.1.role") != "staff" {
		t.Fatalf("list: %s", res.Raw)
	}
	if strings.Contains(res.Raw, "$2a$") {
		t.Fatalf("users list leaks hashes: %s", res.Raw)
	}
	for _, req := range []struct{ method, path, body string }{
		{"GET", "/api/staff/users", ""},
		{"POST", "/api/staff/users", `{"username":"temp","password":"correct horse"}`},
		{"DELETE", "/api/staff/users/boss", ""},
		{"POST", "/api/staff/users/boss/password", `{"password":"stolen pass"}`},
	} {
		h.asStaff(req.method, req.path, req.body).wantError(t, http.StatusForbidden, auth.CodeForbidden)
	}

	res = h.asAdmin("POST", "/api/staff/users", `{"username":"doc","password":"correct horse","role":"admin"}`).want(t, 201)
	if res.str(t, "data.username") != "doc" || res.str(t, "data.role") != "admin" {
		t.Fatalf("add: %s", res.Raw)
	}
	h.asAdmin("POST", "/api/staff/users", `{"username":"doc","password":"correct horse"}`).wantError(t, 409, auth.CodeUserExists)
	h.asAdmin("POST", "/api/staff/users", `{"username":"x","password":"correct horse"}`).wantError(t, 400, queue.CodeValidation)
	h.asAdmin("POST", "/api/staff/users", `{"username":"shorty","password":"short"}`).wantError(t, 400, queue.CodeValidation)
	h.asAdmin("POST", "/api/staff/users", `{"username":"root","password":"correct horse","role":"god"}`).wantError(t, 400, queue.CodeValidation)
	h.asAdmin("DELETE", "/api/staff/users/ghost", "").wantError(t, 404, auth.CodeUserNotFound)

	// A password change ends the user's sessions.
	h.asAdmin("POST", "/api/staff/users/nurse/password", `{"password":"new horse battery"}`).want(t, 200)
	h.asStaff("GET", "/api/staff/me", "").wantError(t, 401, auth.CodeUnauthorized)
	h.do("POST", "/api/staff/login", `{"username":"nurse","password":"new horse battery"}`).want(t, 200)

	h.asAdmin("DELETE", "/api/staff/users/nurse", "").want(t, 200)
	h.do("POST", "/api/staff/login", `{"username":"nurse","password":"new horse battery"}`).wantError(t, 401, auth.CodeInvalidCredentials)
	h.asAdmin("DELETE", "/api/staff/users/doc", "").want(t, 200)
	h.asAdmin("DELETE", "/api/staff/users/boss", "").wantError(t, 409, "LAST_ADMIN")
}

func TestOnLogoutToldOfEndedSessions(t *testing.T) {
	ended := make(chan string, 4)
	h := newHarness(t)
	h.deps.Auth.OnLogout = func(ids ...string) {
		for _, id := range ids {
			ended <- id
		}
	}
	sid := h.asStaff("GET", "/api/staff/me", "").want(t, 200).str(t, "data.sessionId")
	h.asStaff("POST", "/api/staff/logout", "").want(t, 200)
	select {
	case got := <-ended:
		if got != sid {
			t.Fatalf("OnLogout(%q), want %q", got, sid)
		}
	default: // OnLogout runs before the response is written
		t.Fatal("OnLogout not called")
	}
}

// Login CSRF: a foreign page must not sign a visitor's browser in to the
// attacker's account through the API login, which sets the session cookie. The
// page form at /staff/login already refuses; the API applies the same rule.
func TestLoginRefusesForeignOrigins(t *testing.T) {
	h := newHarness(t, func(d *Deps) { d.Config.AllowedOrigins = []string{"https://staff.example"} })
	creds := `{"username":"nurse","password":"correct horse"}`
	for _, tt := range []struct {
		name    string
		headers []string
	}{
		{"foreign origin", []string{"Origin", "https://evil.example"}},
		{"lookalike origin", []string{"Origin", "https://clinic.example.evil.example"}},
		{"null origin", []string{"Origin", "null"}},
		{"foreign referer", []string{"Referer", "https://evil.example/login"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := h.do("POST", "/api/staff/login", creds, tt.headers...).wantError(t, http.StatusForbidden, codeCrossOrigin)
			if c := res.Header.Get("Set-Cookie"); c != "" {
				t.Fatalf("a refused login set a cookie: %s", c)
			}
		})
	}
	for _, tt := range []struct {
		name    string
		headers []string
	}{
		{"no origin (curl, apps)", nil},
		{"public origin", []string{"Origin", testPublicURL}},
		{"allowed origin", []string{"Origin", "https://staff.example"}},
		{"own host", []string{"Origin", "http://example.com"}}, // httptest's Host
		{"public referer", []string{"Referer", testPublicURL + "/staff/login"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := h.do("POST", "/api/staff/login", creds, tt.headers...).want(t, http.StatusOK)
			if !strings.Contains(res.Header.Get("Set-Cookie"), SessionCookie) {
				t.Fatalf("no session cookie: %v", res.Header)
			}
			// The token works as a Bearer credential, as before.
			tok := res.str(t, "data.token")
			h.do("GET", "/api/staff/me", "", "Authorization", "Bearer "+tok).want(t, http.StatusOK)
		})
	}
}

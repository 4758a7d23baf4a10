package web

import (
	"bytes"
	"encoding/json"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

const formType = "application/x-www-form-urlencoded"

// form posts a form through the whole stack, from our own origin unless headers
// say otherwise.
func (h *harness) form(path string, vals url.Values, headers ...string) response {
	h.tb.Helper()
	hs := append([]string{"Content-Type", formType, "Origin", testPublicURL}, headers...)
	return h.do("POST", path, vals.Encode(), hs...)
}

func cookie(token string) []string { return []string{"Cookie", SessionCookie + "=" + token} }

// wantPage fails unless the response is an HTML page with the given status and
// every security header of a page.
func wantPage(tb testing.TB, r response, code int) {
	tb.Helper()
	if r.Code != code {
		tb.Fatalf("status %d, want %d; body %.300s", r.Code, code, r.Raw)
	}
	if ct := r.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		tb.Fatalf("Content-Type %q", ct)
	}
	wantSecurityHeaders(tb, r)
	if !strings.Contains(r.Raw, "</html>") {
		tb.Fatalf("page is cut short: %.300s", r.Raw)
	}
}

func wantSecurityHeaders(tb testing.TB, r response) {
	tb.Helper()
	for name, want := range map[string]string{
		"Content-Security-Policy": pageCSP,
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "same-origin",
	} {
		if got := r.Header.Get(name); got != want {
			tb.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

func TestCSPIsStrict(t *testing.T) {
	for _, want := range []string{"script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'", "form-action 'self'"} {
		if !strings.Contains(pageCSP, want) {
			t.Errorf("CSP lacks %q", want)
		}
	}
	for _, bad := range []string{"unsafe-inline", "unsafe-eval", "*"} {
		if strings.Contains(pageCSP, bad) {
			t.Errorf("CSP allows %q", bad)
		}
	}
}

// TestTemplatesHaveNoInlineCode keeps the pages working under the CSP: no inline
// scripts, event handler attributes or style attributes in any template.
func TestTemplatesHaveNoInlineCode(t *testing.T) {
	inline := regexp.MustCompile(`(?i)<script>|<script [^>]*>[^<]|\son[a-z]+=|\sstyle=|<style|javascript:`)
	entries, err := templateFS.ReadDir("templates")
	if err != nil || len(entries) == 0 {
		t.Fatalf("no templates: %v", err)
	}
	for _, e := range entries {
		b, err := templateFS.ReadFile("templates/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		// A JSON data block is not run (the layout's #sw-text, the strings
		// the scripts read), so the CSP allows it.
		b = regexp.MustCompile(`<script type="application/json" id="[a-z-]+">\{\{[^}]*\}\}</script>`).ReplaceAll(b, nil)
		if m := inline.Find(b); m != nil {
			t.Errorf("%s has inline code %q", e.Name(), m)
		}
	}
}

func TestPagesRender(t *testing.T) {
	h := newHarness(t)
	id := h.checkIn("Ada Lovelace", phone(1))
	tests := []struct {
		path string
		code int
		want []string
	}{
		{"/", http.StatusOK, []string{`action="/checkin"`, `<label for="name">`, `<label for="phone">`, `<label for="appointmentTime">`, "Test Clinic"}},
		{"/checkin", http.StatusOK, []string{`id="checkin-form"`, `id="my-checkins"`}},
		{"/status/" + id, http.StatusOK, []string{"A-001", `data-id="` + id + `"`, `aria-live="polite"`, "Leave the queue", `id="conn"`}},
		{"/status/" + "00000000-0000-4000-8000-000000000000", http.StatusNotFound, []string{"Check-in not found"}},
		{"/status/not-a-uuid", http.StatusNotFound, []string{"Check-in not found"}},
		{"/staff/login", http.StatusOK, []string{`action="/staff/login"`, `autocomplete="current-password"`}},
		{"/display", http.StatusOK, []string{"Now serving", `id="now-ticket"`, `id="conn"`}},
		{"/qr", http.StatusOK, []string{`src="/qr.png"`, testPublicURL + "/checkin"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := h.do("GET", tt.path, "")
			wantPage(t, r, tt.code)
			for _, w := range tt.want {
				if !strings.Contains(r.Raw, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, src := range regexp.MustCompile(`(?:src|href)="(/static/[^"?]+)\?v=`).FindAllStringSubmatch(r.Raw, -1) {
				if res := h.do("GET", src[1], ""); res.Code != http.StatusOK {
					t.Errorf("%s links %s: status %d", tt.path, src[1], res.Code)
				}
			}
		})
	}
}

func TestStaticFiles(t *testing.T) {
	h := newHarness(t)
	tests := []struct{ path, ctype string }{
		{"/static/css/app.css", "text/css; charset=utf-8"},
		{"/static/js/live.js", "text/javascript; charset=utf-8"},
		{"/sw.js", "text/javascript; charset=utf-8"},
		{"/manifest.webmanifest", "application/manifest+json"},
		{"/static/icons/icon-192.png", "image/png"},
		{"/favicon.ico", "image/png"},
	}
	for _, tt := range tests {
		r := h.do("GET", tt.path, "")
		if r.Code != http.StatusOK || r.Header.Get("Content-Type") != tt.ctype || r.Raw == "" {
			t.Errorf("%s: %d %q (%d bytes)", tt.path, r.Code, r.Header.Get("Content-Type"), len(r.Raw))
		}
	}
	if r := h.do("GET", assetURL("js/live.js"), ""); !strings.Contains(r.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("versioned asset Cache-Control = %q", r.Header.Get("Cache-Control"))
	}
	if r := h.do("GET", "/static/js/", ""); r.Code != http.StatusNotFound {
		t.Errorf("directory listing: %d", r.Code)
	}
	var m struct {
		StartURL string `json:"start_url"`
		Icons    []struct{ Src, Sizes string }
	}
	if err := json.Unmarshal([]byte(h.do("GET", "/manifest.webmanifest", "").Raw), &m); err != nil {
		t.Fatal(err)
	}
	if m.StartURL != "/" || len(m.Icons) < 2 {
		t.Fatalf("manifest %+v", m)
	}
	for _, ic := range m.Icons {
		if r := h.do("GET", ic.Src, ""); r.Code != http.StatusOK {
			t.Errorf("manifest icon %s: %d", ic.Src, r.Code)
		}
	}
}

func TestQRImage(t *testing.T) {
	h := newHarness(t)
	r := h.do("GET", "/qr.png", "")
	if r.Code != http.StatusOK || r.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("%d %q", r.Code, r.Header.Get("Content-Type"))
	}
	img, err := png.Decode(bytes.NewReader([]byte(r.Raw)))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 512 || b.Dy() != 512 {
		t.Fatalf("QR is %v", b)
	}
	if got := h.server.checkinURL(site{}); got != testPublicURL+"/checkin" {
		t.Fatalf("check-in URL %q", got)
	}
}

func TestCheckinForm(t *testing.T) {
	h := newHarness(t)
	vals := func(name, ph string) url.Values {
		return url.Values{"name": {name}, "phone": {ph}, "appointmentTime": {"10:30"}}
	}

	r := h.form("/checkin", vals("José García", "(415) 555-2671"))
	if r.Code != http.StatusSeeOther {
		t.Fatalf("status %d: %s", r.Code, r.Raw)
	}
	loc := r.Header.Get("Location")
	if !regexp.MustCompile(`^/status/[0-9a-f-]{36}$`).MatchString(loc) {
		t.Fatalf("Location %q", loc)
	}
	h.do("GET", "/api/position/"+strings.TrimPrefix(loc, "/status/"), "").want(t, http.StatusOK)

	tests := []struct {
		name    string
		vals    url.Values
		code    int
		errorID string
	}{
		{"bad phone", vals("Ben", "12345"), http.StatusBadRequest, "phone-error"},
		{"no name", vals("  ", "+14155550100"), http.StatusBadRequest, "name-error"},
		{"long appointment", url.Values{"name": {"Ben"}, "phone": {phone(7)}, "appointmentTime": {strings.Repeat("x", 51)}}, http.StatusBadRequest, "appointmentTime-error"},
		{"duplicate", vals("José again", "415-555-2671"), http.StatusConflict, "phone-error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.form("/checkin", tt.vals)
			wantPage(t, r, tt.code)
			if !strings.Contains(r.Raw, `id="`+tt.errorID+`"`) {
				t.Fatalf("no %s on the page: %.2000s", tt.errorID, r.Raw)
			}
			if strings.Contains(r.Raw, "Validation error:") {
				t.Error("the API's prefix is shown to the patient")
			}
			if !strings.Contains(r.Raw, `aria-invalid="true"`) {
				t.Error("the bad field is not marked aria-invalid")
			}
		})
	}

	// Typed values come back escaped.
	r = h.form("/checkin", vals(`<script>alert(1)</script>`, "12"))
	if strings.Contains(r.Raw, "<script>alert") || !strings.Contains(r.Raw, "&lt;script&gt;alert(1)") {
		t.Fatalf("value not escaped: %.2000s", r.Raw)
	}

	// A form posted from another site, or with no origin at all, checks nobody in.
	for _, hs := range [][]string{{"Origin", "https://evil.example"}, {"Origin", ""}} {
		r := h.form("/checkin", vals("Mallory", phone(9)), hs...)
		if r.Code != http.StatusForbidden {
			t.Errorf("Origin %q: status %d", hs[1], r.Code)
		}
	}
	if n := len(h.asStaff("GET", "/api/staff/queue", "").list(t, "data")); n != 1 {
		t.Fatalf("queue has %d tickets, want 1", n)
	}
}

// TestDisplayShowsNoPatient: the waiting-room display, page and API, shows ticket
// numbers and rooms, never a name, phone or patient id.
func TestDisplayShowsNoPatient(t *testing.T) {
	h := newHarness(t)
	ids := []string{h.checkIn("Zelda Quixote", "+14155552671"), h.checkIn("Yusuf Öztürk", phone(2)), h.checkIn("Xi Wang", phone(3))}
	h.clock.Add(5 * time.Minute)
	h.asStaff("POST", "/api/staff/call-next", `{"room":"Room 7"}`).want(t, http.StatusOK)

	page := h.do("GET", "/display", "")
	wantPage(t, page, http.StatusOK)
	api := h.do("GET", "/api/display", "").want(t, http.StatusOK)
	if got := api.str(t, "data.nowServing.ticketNumber"); got != "A-001" {
		t.Fatalf("now serving %q", got)
	}
	if got := api.str(t, "data.nowServing.room"); got != "Room 7" {
		t.Fatalf("room %q", got)
	}
	if got := api.num(t, "data.waiting"); got != 2 {
		t.Fatalf("waiting %d", got)
	}
	for _, want := range []string{"A-001", "Room 7"} {
		if !strings.Contains(page.Raw, want) {
			t.Errorf("display page lacks %q", want)
		}
	}
	leaks := []string{"Zelda", "Quixote", "Yusuf", "Öztürk", "Wang", "+1415", "415", "555"}
	leaks = append(leaks, ids...)
	for _, body := range []string{page.Raw, api.Raw} {
		for _, l := range leaks {
			if strings.Contains(body, l) {
				t.Errorf("display shows %q", l)
			}
		}
	}
}

func TestWaitsAPI(t *testing.T) {
	h := newHarness(t)
	h.do("GET", "/api/staff/waits", "").wantError(t, http.StatusUnauthorized, "UNAUTHORIZED")
	h.checkIn("One", phone(1))
	h.checkIn("Two", phone(2))
	cancelled := h.checkIn("Three", phone(3))
	h.do("DELETE", "/api/checkin/"+cancelled, "").want(t, http.StatusOK)
	h.clock.Add(12 * time.Minute)
	h.asStaff("POST", "/api/staff/call-next", "").want(t, http.StatusOK)
	h.clock.Add(3 * time.Minute)

	r := h.asStaff("GET", "/api/staff/waits", "").want(t, http.StatusOK)
	pts := r.list(t, "data")
	if len(pts) != 2 {
		t.Fatalf("%d points, want 2 (the cancelled ticket has no wait): %s", len(pts), r.Raw)
	}
	want := []struct {
		ticket  string
		wait    float64
		waiting bool
		quoted  float64
	}{{"A-001", 12, false, 0}, {"A-002", 15, true, 15}}
	for i, w := range want {
		p := pts[i].(map[string]any)
		if p["ticketNumber"] != w.ticket || p["waitMinutes"] != w.wait || p["stillWaiting"] != w.waiting || p["quotedMinutes"] != w.quoted {
			t.Errorf("point %d = %v, want %+v", i, p, w)
		}
		if _, leaked := p["patientId"]; leaked {
			t.Errorf("point %d carries a patient id", i)
		}
	}
}

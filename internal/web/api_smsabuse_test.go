package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"smartwait/internal/queue"
)

// phoneCheckIn is a check-in request body for phone.
func phoneCheckIn(phone string) string {
	b, _ := json.Marshal(map[string]string{"name": "Ann", "phone": phone, "appointmentTime": "10:30"})
	return string(b)
}

// Numbers whose texts cost the clinic (premium-rate, toll-free) or go abroad are
// refused with 400 VALIDATION_ERROR naming the accepted countries; the contract's
// examples check in.
func TestCheckInSMSDestinations(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		phone string
		want  string // message fragment; "" = 201
	}{
		{"(415) 555-2671", ""},
		{"+15005550006", ""},
		{"+19002345678", "must be a mobile number that can receive texts"},
		{"+18005551212", "must be a mobile number that can receive texts"},
		{"+447400123456", "a country this clinic sends texts to: US (+1)"},
		{"+8613800138000", "a country this clinic sends texts to: US (+1)"},
	}
	for _, tt := range tests {
		res := h.do("POST", "/api/checkin", phoneCheckIn(tt.phone))
		if tt.want == "" {
			res.want(t, http.StatusCreated)
			continue
		}
		res.wantError(t, http.StatusBadRequest, queue.CodeValidation)
		if msg := res.str(t, "error.message"); !strings.Contains(msg, tt.want) || !strings.HasPrefix(msg, "Validation error: ") {
			t.Errorf("%s: message %q, want it to contain %q", tt.phone, msg, tt.want)
		}
		if res.str(t, "error.details.field") != "phone" {
			t.Errorf("%s: details %s", tt.phone, res.Raw)
		}
	}

	// With GB among the countries, the UK mobile checks in.
	gb := newHarness(t, func(d *Deps) { d.Queue.Config.SMSCountries = queue.MustParseCountries("US,GB") })
	gb.do("POST", "/api/checkin", phoneCheckIn("+44 7400 123456")).want(t, http.StatusCreated)
}

// The fourth check-in of one phone within an hour is 429 RATE_LIMITED with
// Retry-After, for the API and the check-in page alike.
func TestCheckInsPerPhoneHTTP(t *testing.T) {
	h := newHarness(t)
	for range 3 {
		id := h.checkIn("Ann", "415-555-2671")
		h.do("DELETE", "/api/checkin/"+id, "").want(t, http.StatusOK)
		h.clock.Add(5 * time.Minute)
	}
	res := h.do("POST", "/api/checkin", phoneCheckIn("+14155552671"))
	res.wantError(t, http.StatusTooManyRequests, queue.CodeRateLimited)
	if got := res.Header.Get("Retry-After"); got != "2700" { // 09:00 + 1h − 09:15
		t.Errorf("Retry-After %q, want 2700", got)
	}
	if msg := res.str(t, "error.message"); !strings.Contains(msg, "try again in 45 minutes") {
		t.Errorf("message %q does not say when to try again", msg)
	}
	page := h.form("/checkin", url.Values{"name": {"Ann"}, "phone": {"(415) 555-2671"}, "appointmentTime": {"10:30"}})
	wantPage(t, page, http.StatusTooManyRequests)
	if page.Header.Get("Retry-After") != "2700" || !strings.Contains(page.Raw, `id="phone-error"`) ||
		!strings.Contains(page.Raw, "try again in 45 minutes") {
		t.Errorf("check-in page over the limit: Retry-After %q, body %.1500s", page.Header.Get("Retry-After"), page.Raw)
	}
	// Another phone from the same client is not limited.
	h.checkIn("Ben", phone(1))
}

// Concurrent check-ins of one phone over HTTP, after two earlier ones: exactly one
// 201 (the limit's third), every other 429.
func TestCheckInsPerPhoneHTTPConcurrent(t *testing.T) {
	h := newHarness(t)
	for range 2 {
		id := h.checkIn("Ann", "415-555-2671")
		h.do("DELETE", "/api/checkin/"+id, "").want(t, http.StatusOK)
	}
	srv := h.liveServer()
	const n = 10
	results := parallel(t, n, func(int) (*http.Response, error) {
		return http.Post(srv.URL+"/api/checkin", "application/json", strings.NewReader(phoneCheckIn("(415) 555-2671")))
	})
	created, limited := 0, 0
	for _, r := range results {
		switch r.code {
		case http.StatusCreated:
			created++
		case http.StatusTooManyRequests:
			limited++
		default:
			t.Errorf("status %d: %v", r.code, r.body)
		}
	}
	if created != 1 || limited != n-1 {
		t.Fatalf("%d concurrent check-ins after 2: %d created, %d rate limited; want 1, %d", n, created, limited, n-1)
	}
	var stored int
	if err := h.db.View(context.Background(), func(tx queue.Tx) error {
		ts, err := tx.RecentCheckIns(context.Background(), "+14155552671", time.Time{}, 0)
		stored = len(ts)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if stored != 3 {
		t.Errorf("%d tickets stored for the phone, want 3", stored)
	}
}

// While the breaker holds confirmation texts, the dashboard says so — rendered
// into the page and in the stats its script re-reads — and says nothing otherwise.
func TestDashboardSMSAlert(t *testing.T) {
	var alert atomicString
	h := newHarness(t, func(d *Deps) { d.SMSAlert = alert.Load })
	const msg = "Confirmation texts are on hold: over 60 check-ins a minute asked for one"

	page := h.do("GET", "/staff", "", cookie(h.staff)...)
	wantPage(t, page, http.StatusOK)
	if !strings.Contains(page.Raw, `id="sms-alert" class="alert warn" role="status" aria-live="polite" hidden></p>`) {
		t.Errorf("dashboard without an alert: the banner is not empty and hidden: %.3000s", page.Raw)
	}
	if _, has := h.asStaff("GET", "/api/staff/stats", "").want(t, http.StatusOK).get("data.smsAlert"); has {
		t.Error("stats carry smsAlert while there is none")
	}

	alert.Store(msg)
	page = h.do("GET", "/staff", "", cookie(h.staff)...)
	wantPage(t, page, http.StatusOK)
	if !strings.Contains(page.Raw, `id="sms-alert" class="alert warn" role="status" aria-live="polite">`+msg+`</p>`) {
		t.Errorf("dashboard while texts are held: no visible banner with the reason: %.3000s", page.Raw)
	}
	stats := h.asStaff("GET", "/api/staff/stats", "").want(t, http.StatusOK)
	if got := stats.str(t, "data.smsAlert"); got != msg {
		t.Errorf("stats smsAlert %q, want %q", got, msg)
	}
	if stats.num(t, "data.totalWaiting") != 0 {
		t.Errorf("stats lost their figures: %s", stats.Raw)
	}
}

// atomicString is a string read and written from different goroutines.
type atomicString struct{ v atomic.Value }

func (a *atomicString) Load() string {
	s, _ := a.v.Load().(string)
	return s
}

func (a *atomicString) Store(s string) { a.v.Store(s) }

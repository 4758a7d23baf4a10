package main

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"smartwait/internal/sms/twiliofake"
)

// TestConfirmationBreakerWired drives the real program against the Twilio fake with
// SMARTWAIT_SMS_CONFIRMATIONS_PER_MINUTE=2: four check-ins all succeed, two texts go
// out, the other two wait in the outbox marked held, /health reports the SMS part
// degraded with the reason, the dashboard's stats carry it, and /metrics counts the
// trip. (Their release a minute later is TestConfirmationBreaker, on a fake clock.)
func TestConfirmationBreakerWired(t *testing.T) {
	fake := twiliofake.New(t)
	vars := twilioVars(fake, filepath.Join(t.TempDir(), "breaker.db"))
	vars["SMARTWAIT_SMS_CONFIRMATIONS_PER_MINUTE"] = "2"
	srv := startServer(t, vars)
	c := &client{tb: t, base: srv.URL}
	staff := loginAdmin(t, srv.URL)

	var ids []string
	for _, p := range []string{"+14155552671", "+14155552672", "+14155552673", "+14155552674"} {
		ids = append(ids, checkIn(c, "Ana", p))
	}
	held := 0
	for _, id := range ids {
		ns := waitNotifications(staff, id, func(ns []notification) bool {
			return len(ns) == 1 && (ns[0].Status == "sent" || strings.Contains(ns[0].LastError, "held"))
		})
		if ns[0].Status == "pending" {
			held++
			if ns[0].Attempts != 0 {
				t.Errorf("held text %+v, want no attempt used", ns[0])
			}
		}
	}
	if held != 2 || len(fake.Messages()) != 2 {
		t.Fatalf("%d texts held, %d sent; want 2 and 2", held, len(fake.Messages()))
	}

	var health struct {
		Status string `json:"status"`
		SMS    struct {
			Status, Reason string
			Pending        int
		} `json:"sms"`
	}
	c.must(http.StatusOK, "GET", "/health", nil, &health)
	if health.Status != "degraded" || health.SMS.Status != "degraded" || health.SMS.Pending != 2 ||
		!strings.Contains(health.SMS.Reason, "Confirmation texts are on hold") || !strings.Contains(health.SMS.Reason, "over 2 check-ins a minute") {
		t.Errorf("health = %+v, want degraded with the reason and 2 pending", health)
	}
	var stats struct {
		SMSAlert string `json:"smsAlert"`
	}
	staff.must(http.StatusOK, "GET", "/api/staff/stats", nil, &stats)
	if stats.SMSAlert != health.SMS.Reason {
		t.Errorf("stats smsAlert %q, want the health reason %q", stats.SMSAlert, health.SMS.Reason)
	}
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, m := range []string{"smartwait_sms_breaker_trips_total 1", `smartwait_sms_held_total{kind="confirmation"} 2`} {
		if !strings.Contains(string(metrics), m) {
			t.Errorf("/metrics lacks %q", m)
		}
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(srv.Log.String(), "holding confirmation texts") {
		t.Errorf("the trip is not logged:\n%s", srv.Log.String())
	}
}

// A premium-rate number is refused at check-in with the contract's 400, and the
// limits of item 5 have their documented defaults in the real program.
func TestSMSAbuseDefaults(t *testing.T) {
	srv := startServer(t, map[string]string{
		"DATABASE_URL": "sqlite://" + filepath.Join(t.TempDir(), "abuse.db"), "SMARTWAIT_TIMEZONE": "UTC",
		"SMARTWAIT_ADMIN_PASSWORD": "correct horse battery",
	})
	c := &client{tb: t, base: srv.URL}
	code, env := c.do("POST", "/api/checkin", map[string]string{"name": "Mallory", "phone": "+1 900 234 5678", "appointmentTime": "1"}, nil)
	if code != http.StatusBadRequest || env.Error == nil || env.Error.Code != "VALIDATION_ERROR" || !strings.Contains(env.Error.Message, "mobile number") {
		t.Errorf("premium-rate check-in: %d %+v", code, env)
	}
	code, env = c.do("POST", "/api/checkin", map[string]string{"name": "Mallory", "phone": "+447400123456", "appointmentTime": "1"}, nil)
	if code != http.StatusBadRequest || env.Error == nil || !strings.Contains(env.Error.Message, "US (+1)") {
		t.Errorf("UK check-in with the default countries: %d %+v", code, env)
	}
	for i := range 4 {
		var p struct {
			PatientID string `json:"patientId"`
		}
		code, _ := c.do("POST", "/api/checkin", map[string]string{"name": "Ann", "phone": "415-555-2671", "appointmentTime": "1"}, &p)
		want := http.StatusCreated
		if i == 3 {
			want = http.StatusTooManyRequests // the default: 3 an hour
		}
		if code != want {
			t.Fatalf("check-in %d of one phone: %d, want %d", i+1, code, want)
		}
		if code == http.StatusCreated {
			c.must(http.StatusOK, "DELETE", "/api/checkin/"+p.PatientID, nil, nil)
		}
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
}

package main

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"smartwait/internal/sms/twiliofake"
)

const testPublicURL = "https://clinic.example"

// twilioVars configures the server to send through fake.
func twilioVars(fake *twiliofake.Server, dbPath string) map[string]string {
	return map[string]string{
		"DATABASE_URL": "sqlite://" + dbPath, "SMARTWAIT_TIMEZONE": "UTC",
		"TWILIO_ACCOUNT_SID": twiliofake.AccountSID, "TWILIO_AUTH_TOKEN": twiliofake.AuthToken,
		"TWILIO_PHONE_NUMBER": twiliofake.From, "TWILIO_API_URL": fake.URL,
		"SMARTWAIT_PUBLIC_URL": testPublicURL, "SMARTWAIT_CLINIC_NAME": "Riverside Clinic",
		"SMARTWAIT_ADMIN_PASSWORD": "correct horse battery", "SMARTWAIT_FOLLOW_UP_AFTER": "1s",
	}
}

func loginAdmin(tb testing.TB, base string) *client {
	tb.Helper()
	c := &client{tb: tb, base: base}
	var login struct {
		Token string `json:"token"`
	}
	c.must(http.StatusOK, "POST", "/api/staff/login", map[string]string{"username": "admin", "password": "correct horse battery"}, &login)
	c.token = login.Token
	return c
}

type notification struct {
	ID         int64  `json:"id"`
	Kind       string `json:"kind"`
	Status     string `json:"status"`
	Attempts   int    `json:"attempts"`
	LastError  string `json:"lastError"`
	ProviderID string `json:"providerId"`
	Body       string `json:"body"`
}

func notifications(staff *client, patientID string) []notification {
	staff.tb.Helper()
	var ns []notification
	staff.must(http.StatusOK, "GET", "/api/staff/notifications?patientId="+patientID, nil, &ns)
	return ns
}

// waitNotifications polls the patient's SMS log until cond holds for it, and fails
// the test if it does not within startTimeout (a guard against a hang).
func waitNotifications(staff *client, patientID string, cond func([]notification) bool) []notification {
	staff.tb.Helper()
	poll := time.NewTicker(10 * time.Millisecond)
	defer poll.Stop()
	deadline := time.After(startTimeout)
	for {
		ns := notifications(staff, patientID)
		if cond(ns) {
			return ns
		}
		select {
		case <-poll.C:
		case <-deadline:
			staff.tb.Fatalf("SMS log of the patient never reached the expected state: %+v", ns)
		}
	}
}

func firstSent(ns []notification) bool { return len(ns) > 0 && ns[0].Status == "sent" }

func checkIn(c *client, name, phone string) string {
	c.tb.Helper()
	var p struct {
		PatientID string `json:"patientId"`
	}
	c.must(http.StatusCreated, "POST", "/api/checkin", map[string]string{"name": name, "phone": phone, "appointmentTime": "10:00"}, &p)
	return p.PatientID
}

// signTwilio computes X-Twilio-Signature independently of internal/sms.
func signTwilio(fullURL string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := fullURL
	for _, k := range keys {
		s += k + form.Get(k)
	}
	mac := hmac.New(sha1.New, []byte(twiliofake.AuthToken))
	mac.Write([]byte(s))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// TestSMSThroughTwilio drives the real program against the Twilio fake: check-in
// while Twilio fails, delivery once it answers, the delivery webhook, the call and
// the follow-up, and /health's SMS part.
func TestSMSThroughTwilio(t *testing.T) {
	fake := twiliofake.New(t)
	srv := startServer(t, twilioVars(fake, filepath.Join(t.TempDir(), "sms.db")))
	c := &client{tb: t, base: srv.URL}
	staff := loginAdmin(t, srv.URL)

	fake.FailNext(1, 503)
	ana := checkIn(c, "Ana Lima", "+14155552671") // answered without waiting for Twilio
	msgs := fake.WaitMessages(t, 1)
	if msgs[0].To != "+14155552671" || !strings.Contains(msgs[0].Body, "Riverside Clinic") ||
		msgs[0].StatusCallback != testPublicURL+"/api/webhooks/twilio/status" {
		t.Fatalf("first message %+v", msgs[0])
	}
	ns := waitNotifications(staff, ana, firstSent)
	if len(ns) != 1 || ns[0].Status != "sent" || ns[0].Attempts != 2 || ns[0].ProviderID != msgs[0].SID || !strings.Contains(ns[0].LastError, "503") {
		t.Fatalf("notifications = %+v, want the confirmation sent on the 2nd attempt", ns)
	}

	// Twilio reports delivery; a forged report is refused.
	form := url.Values{"MessageSid": {msgs[0].SID}, "MessageStatus": {"delivered"}, "AccountSid": {twiliofake.AccountSID}}
	post := func(sig string) int {
		req, _ := http.NewRequest("POST", srv.URL+"/api/webhooks/twilio/status", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(signTwilio(srv.URL+"/api/webhooks/twilio/status", form)); code != http.StatusForbidden {
		t.Errorf("report signed for the listening address: %d, want 403 (the public URL is signed)", code)
	}
	if code := post(signTwilio(testPublicURL+"/api/webhooks/twilio/status", form)); code != http.StatusOK {
		t.Fatalf("signed report: %d", code)
	}
	if ns := notifications(staff, ana); ns[0].Status != "delivered" {
		t.Errorf("after the report: %+v, want delivered", ns[0])
	}

	// Ana is called and stays called: one "your turn", then one follow-up. Ben is
	// called after her and completed at once: his follow-up never goes out.
	ben := checkIn(c, "Ben Ode", "+14155552672")
	// His confirmation goes out first: a completion drops what is still
	// pending, so calling and completing him before the dispatcher's next
	// claim would cancel it (and the count below would race the dispatcher).
	waitNotifications(staff, ben, firstSent)
	staff.must(http.StatusOK, "POST", "/api/staff/call-next", map[string]string{"room": "3"}, nil)
	staff.must(http.StatusOK, "POST", "/api/staff/call-next", map[string]string{"room": "4"}, nil)
	staff.must(http.StatusOK, "POST", "/api/staff/complete", map[string]string{"patientId": ben}, nil)
	fake.WaitFor(t, startTimeout, "Ana's follow-up", func(m []twiliofake.Message, _ int) bool {
		for _, x := range m {
			if x.To == "+14155552671" && strings.Contains(x.Body, "Reminder") {
				return true
			}
		}
		return false
	})
	waitNotifications(staff, ana, func(ns []notification) bool {
		for _, n := range ns {
			if n.Kind == "follow_up" {
				return n.Status == "sent"
			}
		}
		return false
	})
	var health struct {
		SMS struct {
			Status, Provider string
			Pending          int
		} `json:"sms"`
	}
	c.must(http.StatusOK, "GET", "/health", nil, &health)
	if health.SMS.Provider != "twilio" || health.SMS.Status != "ok" || health.SMS.Pending != 0 {
		t.Errorf("health sms = %+v, want twilio ok with nothing pending", health.SMS)
	}
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, m := range []string{`smartwait_sms_sent_total{kind="follow_up"} 1`, `smartwait_sms_retried_total{kind="confirmation"} 1`,
		"smartwait_sms_send_duration_seconds_count"} {
		if !strings.Contains(string(metrics), m) {
			t.Errorf("/metrics lacks %q", m)
		}
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, m := range fake.Messages() {
		kind := "other"
		switch {
		case strings.Contains(m.Body, "Reminder"):
			kind = "follow_up"
		case strings.Contains(m.Body, "your turn"):
			kind = "called"
		case strings.Contains(m.Body, "checked in"):
			kind = "confirmation"
		case strings.Contains(m.Body, "get ready"):
			kind = "get_ready"
		}
		count[m.To[len(m.To)-1:]+kind]++
	}
	// Ben's get-ready and "your turn" may have gone out before he was completed,
	// or been cancelled unsent by the completion: both are right, but never twice
	// and never a follow-up.
	for _, k := range []string{"2get_ready", "2called"} {
		if count[k] > 1 {
			t.Errorf("Ben got %d %s texts", count[k], k[1:])
		}
		delete(count, k)
	}
	want := map[string]int{"1confirmation": 1, "1called": 1, "1follow_up": 1, "2confirmation": 1}
	if len(count) != len(want) {
		t.Errorf("texts %v, want %v", count, want)
	}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("texts %v, want %v", count, want)
			break
		}
	}
}

// TestSMSSurvivesRestart: texts that could not be sent before a shutdown go out
// exactly once after the next start.
func TestSMSSurvivesRestart(t *testing.T) {
	fake := twiliofake.New(t)
	dbPath := filepath.Join(t.TempDir(), "restart.db")
	srv := startServer(t, twilioVars(fake, dbPath))
	fake.FailNext(1000, 503)
	c := &client{tb: t, base: srv.URL}
	for _, p := range []string{"+14155552671", "+14155552672", "+14155552673"} {
		checkIn(c, "P", p)
	}
	fake.WaitFor(t, startTimeout, "3 failed attempts", func(_ []twiliofake.Message, n int) bool { return n >= 3 })
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	fake.FailNext(0, 503)
	srv = startServer(t, twilioVars(fake, dbPath))
	fake.WaitMessages(t, 3)
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	// Read again after the stop: a text sent twice would arrive after the wait.
	msgs := fake.Messages()
	seen := map[string]int{}
	for _, m := range msgs {
		seen[m.To]++
	}
	if len(msgs) != 3 || len(seen) != 3 {
		t.Errorf("after the restart the fake got %d messages to %v, want one each to 3 numbers", len(msgs), seen)
	}
}

// Without Twilio the log sender records texts as sent and keeps the patient id
// and phone out of the INFO log.
func TestSMSLogSender(t *testing.T) {
	srv := startServer(t, map[string]string{
		"DATABASE_URL": "sqlite://" + filepath.Join(t.TempDir(), "log.db"), "SMARTWAIT_TIMEZONE": "UTC",
		"SMARTWAIT_ADMIN_PASSWORD": "correct horse battery",
	})
	c := &client{tb: t, base: srv.URL}
	id := checkIn(c, "Ana Lima", "+14155552671")
	staff := loginAdmin(t, srv.URL)
	ns := waitNotifications(staff, id, firstSent)
	if ns[0].ProviderID == "" || ns[0].Attempts != 1 {
		t.Errorf("notification %+v, want sent once with a provider id", ns[0])
	}
	var health struct {
		SMS struct{ Provider string } `json:"sms"`
	}
	c.must(http.StatusOK, "GET", "/health", nil, &health)
	if health.SMS.Provider != "log" {
		t.Errorf("health sms provider %q, want log", health.SMS.Provider)
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	logs := srv.Log.String()
	if !strings.Contains(logs, "you're checked in") {
		t.Errorf("log does not show the text:\n%s", logs)
	}
	if strings.Contains(logs, id) || strings.Contains(logs, "+14155552671") {
		t.Errorf("INFO log shows the patient id or phone:\n%s", logs)
	}
}

// TestCheckInWhileTwilioHangs: check-ins answer while Twilio holds a send
// unanswered, and each text arrives exactly once when it answers again.
func TestCheckInWhileTwilioHangs(t *testing.T) {
	fake := twiliofake.New(t)
	srv := startServer(t, twilioVars(fake, filepath.Join(t.TempDir(), "hang.db")))
	c := &client{tb: t, base: srv.URL}
	fake.Hold()
	checkIn(c, "Ana", "+14155552671")
	fake.WaitFor(t, startTimeout, "a send held by Twilio", func([]twiliofake.Message, int) bool { return fake.InFlight() > 0 })
	checkIn(c, "Ben", "+14155552672") // answered while a send hangs
	checkIn(c, "Cy", "+14155552673")
	if n := fake.InFlight(); n == 0 || len(fake.Messages()) != 0 {
		t.Fatalf("%d sends held, %d answered; want the provider still hanging", n, len(fake.Messages()))
	}
	fake.Release()
	fake.WaitMessages(t, 3)
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, m := range fake.Messages() {
		seen[m.To]++
	}
	if len(fake.Messages()) != 3 || len(seen) != 3 {
		t.Errorf("texts per number %v, want exactly one each", seen)
	}
}

// TestSMSPermanentFailure: a number Twilio rejects (21211) is tried once, shows
// as failed in the staff's SMS log, and does not hold up other texts.
func TestSMSPermanentFailure(t *testing.T) {
	fake := twiliofake.New(t)
	srv := startServer(t, twilioVars(fake, filepath.Join(t.TempDir(), "reject.db")))
	c := &client{tb: t, base: srv.URL}
	staff := loginAdmin(t, srv.URL)
	fake.Reject("+14155552679")
	bad := checkIn(c, "Ana", "+14155552679")
	ns := waitNotifications(staff, bad, func(ns []notification) bool { return len(ns) == 1 && ns[0].Status == "failed" })
	if ns[0].Attempts != 1 || !strings.Contains(ns[0].LastError, "21211") || strings.Contains(ns[0].LastError, "+14155552679") {
		t.Errorf("failed text %+v, want one attempt, error 21211, the number masked", ns[0])
	}
	good := checkIn(c, "Ben", "+14155552672")
	waitNotifications(staff, good, firstSent)
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	if n := fake.Requests(); n != 2 {
		t.Errorf("%d requests to Twilio, want 2 (the rejected text is not retried)", n)
	}
}

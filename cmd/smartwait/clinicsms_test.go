package main

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"smartwait/internal/queue"
	"smartwait/internal/sms/twiliofake"
	"smartwait/internal/sqlite"
)

// northFrom is the north clinic's own number, one the Twilio account owns.
const northFrom = "+15005550111"

// seedClinics adds to the database at dbPath the clinics north (with its own
// number) and south (without), each with one line, as an admin would.
func seedClinics(tb testing.TB, dbPath string) {
	tb.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	svc := &queue.Service{Store: db, Config: queue.DefaultConfig()}
	for _, c := range []queue.Clinic{
		{Slug: "north", Name: "North", TimeZone: "UTC", SMSFrom: northFrom},
		{Slug: "south", Name: "South", TimeZone: "UTC"},
	} {
		c, err := svc.CreateClinic(ctx, c)
		if err != nil {
			tb.Fatal(err)
		}
		line := queue.Queue{ID: c.Slug + "-walk", Name: "Walk-in", Prefix: strings.ToUpper(c.Slug[:1]), Clinic: c}
		if _, err := svc.CreateLine(ctx, line, queue.LinePatch{}); err != nil {
			tb.Fatal(err)
		}
	}
}

// textTo waits for the text to the number whose body starts with prefix and
// returns it.
func textTo(tb testing.TB, fake *twiliofake.Server, to, prefix string) twiliofake.Message {
	tb.Helper()
	var got twiliofake.Message
	fake.WaitFor(tb, startTimeout, "a text to "+to+" starting "+prefix, func(ms []twiliofake.Message, _ int) bool {
		for _, m := range ms {
			if m.To == to && strings.HasPrefix(m.Body, prefix) {
				got = m
				return true
			}
		}
		return false
	})
	return got
}

// TestClinicTextsThroughTwilio drives the real program against the Twilio
// fake with the default clinic and two more: each clinic's texts carry its
// name and pages and go from its own number, or the deployment's; a text to
// a clinic's number is that clinic's.
func TestClinicTextsThroughTwilio(t *testing.T) {
	fake := twiliofake.New(t)
	fake.AddNumber(northFrom)
	dbPath := filepath.Join(t.TempDir(), "clinics.db")
	seedClinics(t, dbPath)
	srv := startServer(t, twilioVars(fake, dbPath))
	c := &client{tb: t, base: srv.URL}
	staff := loginAdmin(t, srv.URL)

	checkInLine := func(name, phone, line string) string {
		t.Helper()
		var p struct {
			PatientID string `json:"patientId"`
		}
		c.must(http.StatusCreated, "POST", "/api/checkin", map[string]string{"name": name, "phone": phone, "appointmentTime": "10:00", "line": line}, &p)
		return p.PatientID
	}
	const (
		ana = "+14155552671"
		bo  = "+14155552672"
		cy  = "+14155552673"
		di  = "+14155552674"
		ed  = "+14155552675"
	)
	anaID := checkInLine("Ana Lima", ana, "")
	boID := checkInLine("Bo Diaz", bo, "north-walk")
	cyID := checkInLine("Cy Park", cy, "south-walk")
	for _, tt := range []struct{ to, from, body string }{
		{ana, twiliofake.From, "Riverside Clinic: Hi Ana, you're checked in: ticket A-001, number 1 in line, about 0 min. " + testPublicURL + "/status/" + anaID},
		{bo, northFrom, "North: Hi Bo, you're checked in: ticket N-001, number 1 in line, about 0 min. " + testPublicURL + "/c/north/status/" + boID},
		{cy, twiliofake.From, "South: Hi Cy, you're checked in: ticket S-001, number 1 in line, about 0 min. " + testPublicURL + "/c/south/status/" + cyID},
	} {
		if m := textTo(t, fake, tt.to, ""); m.Body != tt.body || m.From != tt.from {
			t.Errorf("confirmation to %s:\n got  %q from %s\n want %q from %s", tt.to, m.Body, m.From, tt.body, tt.from)
		}
	}

	// The staff's SMS log says which number each text goes from.
	for id, from := range map[string]string{anaID: "", boID: northFrom, cyID: ""} {
		var log []struct{ Kind, From string }
		staff.must(http.StatusOK, "GET", "/api/staff/notifications?patientId="+id, nil, &log)
		if len(log) != 1 || log[0].From != from {
			t.Errorf("SMS log of %s: %+v, want one text from %q", id, log, from)
		}
	}

	staff.must(http.StatusOK, "POST", "/api/staff/call-next", map[string]string{"room": "3", "line": "north-walk"}, nil)
	if m := textTo(t, fake, bo, "North: It's your turn"); m.Body != "North: It's your turn, Bo! Ticket N-001, please come to room 3 now." || m.From != northFrom {
		t.Errorf("north's call: %q from %s", m.Body, m.From)
	}

	// Inbound: JOIN to north's number checks in to north, answered from it;
	// STATUS from a number without a ticket to the deployment's number is the
	// default clinic's; Cy, south's patient, is answered by south.
	inbound := func(sid, from, to, body string) {
		t.Helper()
		form := url.Values{"MessageSid": {sid}, "From": {from}, "To": {to}, "Body": {body}, "AccountSid": {twiliofake.AccountSID}}
		req, _ := http.NewRequest("POST", srv.URL+"/api/sms/inbound", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", signTwilio(testPublicURL+"/api/sms/inbound", form))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("inbound %s: %d", sid, resp.StatusCode)
		}
	}
	inbound("SMin1", di, northFrom, "JOIN Di Moss")
	// Bo is called: Di is next, told to get ready; the link is the first to
	// go when the text would not fit one segment.
	joined := textTo(t, fake, di, "")
	if joined.Body != "North: Hi Di, you're checked in: ticket N-002, number 1 in line, about 15 min. Please get ready, it's almost your turn." || joined.From != northFrom {
		t.Errorf("JOIN's answer: %q from %s, want north's from %s", joined.Body, joined.From, northFrom)
	}
	inbound("SMin2", ed, twiliofake.From, "STATUS")
	if m := textTo(t, fake, ed, ""); m.Body != "Riverside Clinic: This number has no check-in today. To check in: "+testPublicURL+"/checkin" || m.From != twiliofake.From {
		t.Errorf("STATUS to the deployment's number: %q from %s", m.Body, m.From)
	}
	inbound("SMin3", cy, northFrom, "STATUS")
	want := "South: Status: ticket S-001, number 1 in line, about 0 min. " + testPublicURL + "/c/south/status/" + cyID
	if m := textTo(t, fake, cy, "South: Status"); m.Body != want || m.From != twiliofake.From {
		t.Errorf("south patient's STATUS:\n got  %q from %s\n want %q from %s", m.Body, m.From, want, twiliofake.From)
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
}

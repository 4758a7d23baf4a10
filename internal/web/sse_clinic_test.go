package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"smartwait/internal/auth"
	"smartwait/internal/queue"
)

// addClinicLine adds clinic north with line north-gp to the harness.
func (h *harness) addClinicLine(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	c, err := h.deps.Queue.CreateClinic(ctx, queue.Clinic{Slug: "north", Name: "North", TimeZone: "UTC"})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := h.deps.Queue.CreateLine(ctx, queue.Queue{ID: "north-gp", Name: "GP", Prefix: "N", Clinic: c}, queue.LinePatch{}); err != nil {
		tb.Fatal(err)
	}
}

// checkInLine checks a patient in to line over the API and returns the id.
func (h *harness) checkInLine(tb testing.TB, line, name, phone string) string {
	tb.Helper()
	body, _ := json.Marshal(map[string]string{"name": name, "phone": phone, "appointmentTime": "10:00", "line": line})
	return h.do("POST", "/api/checkin", string(body)).want(tb, http.StatusCreated).str(tb, "data.patientId")
}

// sseError opens a stream that must be refused and returns its status and code.
func sseError(tb testing.TB, url string, headers ...string) (int, string) {
	tb.Helper()
	req, _ := http.NewRequestWithContext(tb.Context(), "GET", url, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Error struct{ Code string }
	}
	_ = json.NewDecoder(res.Body).Decode(&body)
	return res.StatusCode, body.Error.Code
}

// TestSSEClinicStreams: ?clinic= picks a clinic's staff and display streams;
// each gets that clinic's lines only, in its snapshot and live; the default
// clinic's streams are unchanged; a patient's stream carries their clinic's
// queue-level updates.
func TestSSEClinicStreams(t *testing.T) {
	rh, srv := newSSEServer(t, time.Hour)
	rh.addClinicLine(t)
	// The deployment admin follows every clinic's staff stream; a staff
	// account of one clinic only its own (authz_matrix_test.go).
	auth := []string{"Authorization", "Bearer " + rh.admin}
	for _, tt := range []struct {
		url, code string
		status    int
	}{
		{"/api/events/staff?clinic=south", "CLINIC_NOT_FOUND", 404},
		{"/api/events/display?clinic=south", "CLINIC_NOT_FOUND", 404},
		{"/api/events/display?clinic=Not!", "CLINIC_NOT_FOUND", 404},
		{"/api/events/display?clinic=north&lines=default", "VALIDATION_ERROR", 400},
	} {
		if status, code := sseError(t, srv.URL+tt.url, auth...); status != tt.status || code != tt.code {
			t.Errorf("%s: %d %s, want %d %s", tt.url, status, code, tt.status, tt.code)
		}
	}
	rh.checkInLine(t, "default", "Ana", phone(1))
	rh.checkInLine(t, "north-gp", "Ben", phone(2))

	northStaff := openSSE(t, srv.URL+"/api/events/staff?clinic=north", auth...)
	mainStaff := openSSE(t, srv.URL+"/api/events/staff", auth...)
	northDisplay := openSSE(t, srv.URL+"/api/events/display?clinic=north")
	mainDisplay := openSSE(t, srv.URL+"/api/events/display")
	mainBySlug := openSSE(t, srv.URL+"/api/events/display?clinic=main")
	for name, c := range map[string]struct {
		s    *sseClient
		line string
	}{"north staff": {northStaff, "north-gp"}, "main staff": {mainStaff, "default"}, "north display": {northDisplay, "north-gp"},
		"main display": {mainDisplay, "default"}, "main display by slug": {mainBySlug, "default"}} {
		if e := c.s.mustNext(t); e.Data["line"] != c.line || e.ID != "1" && e.ID != "north-gp:1" {
			t.Errorf("%s: snapshot %+v, want one of line %s only", name, e, c.line)
		}
	}
	// Default clinic first, then north: the first live event of each
	// stream shows whether the other clinic's change reached it.
	rh.checkInLine(t, "default", "Cy", phone(3))
	cy := rh.checkInLine(t, "north-gp", "Di", phone(4))
	for name, c := range map[string]struct {
		s     *sseClient
		event string
		id    string
	}{"north staff": {northStaff, "new_patient", "north-gp:2-1"}, "main staff": {mainStaff, "new_patient", "2-1"},
		"north display": {northDisplay, "queue_update", "north-gp:2-5"}, "main display": {mainDisplay, "queue_update", "2-5"}} {
		if e := c.s.mustNext(t); e.Event != c.event || e.ID != c.id {
			t.Errorf("%s: first live event %s %s, want %s %s", name, e.ID, e.Event, c.id, c.event)
		}
	}
	// A north patient's stream: their own events and north's patients room.
	p := openSSE(t, srv.URL+"/api/events/patient/"+cy)
	p.mustNext(t) // snapshot
	rh.checkInLine(t, "default", "Ed", phone(5))
	rh.checkInLine(t, "north-gp", "Fay", phone(6))
	if e := p.mustNext(t); e.Event != "queue_update" || e.Data["line"] != "north-gp" {
		t.Errorf("north patient got %+v, want north's queue_update", e)
	}
}

// TestSSEStaffMayJoinClinic: the staff stream asks Realtime.MayJoinClinic
// with the account and the clinic's slug; refused is 403 FORBIDDEN.
func TestSSEStaffMayJoinClinic(t *testing.T) {
	var mu sync.Mutex
	var asked []string
	rh := newRealtimeHarness(t, func(d *Deps) {
		d.Realtime.MayJoinClinic = func(u auth.User, id int64, clinic string) bool {
			mu.Lock()
			defer mu.Unlock()
			asked = append(asked, fmt.Sprint(u.Username, "@", clinic, "#", id))
			return clinic == "north"
		}
	})
	srv := httptest.NewServer(rh.handler)
	t.Cleanup(srv.Close)
	t.Cleanup(rh.hub.Close) // end the streams before the server waits for them
	rh.addClinicLine(t)
	auth := []string{"Authorization", "Bearer " + rh.staff}
	if status, code := sseError(t, srv.URL+"/api/events/staff", auth...); status != 403 || code != "FORBIDDEN" {
		t.Errorf("main: %d %s, want 403 FORBIDDEN", status, code)
	}
	if status, code := sseError(t, srv.URL+"/api/events/staff?clinic=main", auth...); status != 403 || code != "FORBIDDEN" {
		t.Errorf("main by slug: %d %s, want 403 FORBIDDEN", status, code)
	}
	c := openSSE(t, srv.URL+"/api/events/staff?clinic=north", auth...)
	if c.res.StatusCode != 200 {
		t.Fatalf("north: %d", c.res.StatusCode)
	}
	if e := c.mustNext(t); e.Event != "queue_refresh" || e.Data["line"] != "north-gp" {
		t.Errorf("north snapshot %+v", e)
	}
	mu.Lock()
	defer mu.Unlock()
	if got := strings.Join(asked, ","); got != "nurse@main#1,nurse@main#1,nurse@north#2" {
		t.Errorf("hook asked %s", got)
	}
}

package web

import (
	"bytes"
	"context"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"smartwait/internal/queue"
)

// clinicHarness is a deployment with the default clinic (its line "default",
// "Main queue") and a second clinic, north, in Tokyo: public lines "nwalk"
// (open) and "nlab" (open Mondays only), a staff-only line "nback", and a
// room "North 1" serving nwalk.
func clinicHarness(tb testing.TB) (*harness, queue.Clinic) {
	tb.Helper()
	h := newHarness(tb)
	ctx := context.Background()
	q := h.deps.Queue
	north, err := q.CreateClinic(ctx, queue.Clinic{Slug: "north", Name: "North Clinic", TimeZone: "Asia/Tokyo"})
	if err != nil {
		tb.Fatal(err)
	}
	sundays, err := queue.ParseHours("08:00-17:00,,,,,,")
	if err != nil {
		tb.Fatal(err)
	}
	no := false
	for _, l := range []struct {
		slug, name, prefix string
		p                  queue.LinePatch
	}{
		{"nwalk", "North walk-in", "N", queue.LinePatch{}},
		{"nlab", "North lab", "L", queue.LinePatch{Hours: &sundays}},
		{"nback", "North back office", "B", queue.LinePatch{Public: &no}},
	} {
		if _, err := q.CreateLine(ctx, queue.Queue{ID: l.slug, Name: l.name, Prefix: l.prefix, Clinic: north}, l.p); err != nil {
			tb.Fatalf("line %s: %v", l.slug, err)
		}
	}
	if _, err := q.CreateRoom(ctx, queue.Room{Name: "North 1", Lines: []string{"nwalk"}, Open: true, ClinicID: north.ID}); err != nil {
		tb.Fatal(err)
	}
	return h, north
}

// wantIn fails unless the page holds every one of want and none of not.
func wantIn(tb testing.TB, what, body string, want, not []string) {
	tb.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			tb.Errorf("%s lacks %q", what, w)
		}
	}
	for _, n := range not {
		if strings.Contains(body, n) {
			tb.Errorf("%s shows %q", what, n)
		}
	}
}

func TestClinicCheckinPageShowsOnlyItsPublicLines(t *testing.T) {
	h, _ := clinicHarness(t)
	for _, path := range []string{"/c/north/", "/c/north/checkin"} {
		r := h.do("GET", path, "")
		wantPage(t, r, http.StatusOK)
		wantIn(t, path, r.Raw,
			[]string{"North Clinic", "North walk-in", "North lab", `action="/c/north/checkin"`, `name="clinic" value="north"`, `data-clinic="north"`, `data-home="/c/north"`,
				// It is Saturday 18:00 in Tokyo: nlab opens tomorrow at 08:00 there
				// (in UTC, "today at 11:00 PM").
				"opens tomorrow at 8:00 AM"},
			[]string{"Main queue", "North back office", "Test Clinic"})
	}
	// The default clinic's pages, prefixed or not, show only its lines.
	for _, path := range []string{"/", "/checkin", "/c/main/"} {
		r := h.do("GET", path, "")
		wantPage(t, r, http.StatusOK)
		wantIn(t, path, r.Raw, []string{"Test Clinic"}, []string{"North", "data-clinic="})
	}
	r := h.do("GET", "/c/main/", "")
	wantIn(t, "/c/main/", r.Raw, []string{`action="/c/main/checkin"`, `data-home="/c/main"`}, []string{`name="clinic"`})
	r = h.do("GET", "/", "")
	wantIn(t, "/", r.Raw, []string{`action="/checkin"`}, []string{"data-home="})
}

func TestClinicPagesUnknownAre404(t *testing.T) {
	h, _ := clinicHarness(t)
	for _, path := range []string{"/c/nope/", "/c/nope/checkin", "/c/nope/display", "/c/nope/qr", "/c/nope/kiosk",
		"/c/nope/status/00000000-0000-4000-8000-000000000000", "/c/north/nothing-here", "/c/NOPE/", "/c/nope/qr.png"} {
		r := h.do("GET", path, "")
		wantPage(t, r, http.StatusNotFound)
		wantIn(t, path, r.Raw, []string{"Page not found"}, nil)
	}
	r := h.form("/c/nope/checkin", url.Values{"name": {"Ann"}, "phone": {phone(1)}, "appointmentTime": {"10:00"}})
	wantPage(t, r, http.StatusNotFound)
	// The Spanish 404 page.
	r = h.do("GET", "/c/nope/?lang=es", "")
	wantPage(t, r, http.StatusNotFound)
	wantIn(t, "/c/nope/?lang=es", r.Raw, []string{"Página no encontrada"}, nil)
}

func TestClinicCheckinFormAndStatusPage(t *testing.T) {
	h, _ := clinicHarness(t)
	// A check-in on north's form lands on north's status page.
	r := h.form("/c/north/checkin", url.Values{"name": {"Nora North"}, "phone": {phone(1)}, "appointmentTime": {"10:00"}, "line": {"nwalk"}, "clinic": {"north"}})
	if r.Code != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/c/north/status/") {
		t.Fatalf("north check-in: %d to %q; %.300s", r.Code, r.Header.Get("Location"), r.Raw)
	}
	northID := strings.TrimPrefix(r.Header.Get("Location"), "/c/north/status/")
	st := h.do("GET", "/c/north/status/"+northID, "")
	wantPage(t, st, http.StatusOK)
	wantIn(t, "north status", st.Raw, []string{"North Clinic", "N-001", `href="/c/north/"`, `data-line="nwalk"`}, []string{"Test Clinic"})

	// The form refuses a line of another clinic, and asks for a line when
	// several are open (nlab is closed today: nwalk is the only one).
	r = h.form("/c/north/checkin", url.Values{"name": {"Mo Main"}, "phone": {phone(2)}, "appointmentTime": {"10:00"}, "line": {"default"}})
	wantPage(t, r, http.StatusBadRequest)
	r = h.form("/c/north/checkin", url.Values{"name": {"Ola Only"}, "phone": {phone(3)}, "appointmentTime": {"10:00"}})
	if r.Code != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/c/north/status/") {
		t.Fatalf("north check-in without a line: %d %q; %s", r.Code, r.Header.Get("Location"), r.Raw)
	}
	if got := h.do("GET", "/api/position/"+strings.TrimPrefix(r.Header.Get("Location"), "/c/north/status/"), "").want(t, 200).str(t, "data.line"); got != "nwalk" {
		t.Errorf("a north check-in without a line went to %q, want north's first public line", got)
	}

	// Under another clinic's address, the patient is the same 404 page an
	// unknown id is: byte for byte, but for the id in its own links.
	mainID := h.checkIn("Mia Main", phone(4))
	const unknownID = "00000000-0000-4000-8000-000000000000"
	for _, c := range []struct{ clinic, id string }{{"main", northID}, {"north", mainID}} {
		path := "/c/" + c.clinic + "/status/" + c.id
		other := h.do("GET", path, "")
		wantPage(t, other, http.StatusNotFound)
		unknown := h.do("GET", "/c/"+c.clinic+"/status/"+unknownID, "")
		wantPage(t, unknown, http.StatusNotFound)
		if strings.ReplaceAll(other.Raw, c.id, unknownID) != unknown.Raw {
			t.Errorf("%s differs from an unknown id's page", path)
		}
		wantIn(t, path, other.Raw, nil, []string{"N-001", "A-001", "Nora", "Mia"})
	}
	wantPage(t, h.do("GET", "/c/main/status/"+mainID, ""), http.StatusOK)

	// The unprefixed status page (the texts' links) shows any patient, as
	// their own clinic's page.
	st = h.do("GET", "/status/"+northID, "")
	wantPage(t, st, http.StatusOK)
	wantIn(t, "/status/ of a north patient", st.Raw, []string{"North Clinic", "N-001", `href="/c/north/"`}, []string{"Test Clinic"})
	st = h.do("GET", "/status/"+mainID, "")
	wantPage(t, st, http.StatusOK)
	wantIn(t, "/status/ of a main patient", st.Raw, []string{"Test Clinic", "A-001", `href="/"`}, []string{"North", "data-home="})
}

func TestClinicDisplayShowsOnlyItsCalls(t *testing.T) {
	h, _ := clinicHarness(t)
	h.checkInTo("nwalk", "Nora North", phone(1), "10:00")
	h.checkIn("Mia Main", phone(2))
	h.addRoom("Room 7", "default")
	// The harness's staff account acts at the default clinic only; the
	// deployment admin calls in both.
	h.asAdmin("POST", "/api/staff/call-next", `{"room":"North 1"}`).want(t, 200)
	h.asAdmin("POST", "/api/staff/call-next", `{"room":"Room 7"}`).want(t, 200)

	r := h.do("GET", "/c/north/display", "")
	wantPage(t, r, http.StatusOK)
	wantIn(t, "north display", r.Raw, []string{"North Clinic", "N-001", "North walk-in", "North lab", `data-clinic="north"`}, []string{"A-001", "Main queue", "Room 7"})
	for _, path := range []string{"/display", "/c/main/display"} {
		r = h.do("GET", path, "")
		wantPage(t, r, http.StatusOK)
		wantIn(t, path, r.Raw, []string{"A-001", "Room 7"}, []string{"N-001", "North", "data-clinic="})
	}
	// A line of another clinic is not the clinic's display's.
	if r = h.do("GET", "/c/north/display?lines=default", ""); r.Code != http.StatusBadRequest {
		t.Errorf("north display of main's line: %d", r.Code)
	}
	wantPage(t, h.do("GET", "/c/north/display?lines=nwalk", ""), http.StatusOK)

	// The display API, as the pages' scripts read it.
	v := h.do("GET", "/api/display?clinic=north", "").want(t, 200)
	if got := v.str(t, "data.nowServing.ticketNumber"); got != "N-001" {
		t.Errorf("north's display API serves %q", got)
	}
	if n := len(v.list(t, "data.lines")); n != 3 {
		t.Errorf("north's display API has %d lines, want 3", n)
	}
	v = h.do("GET", "/api/display", "").want(t, 200)
	if got := v.str(t, "data.nowServing.ticketNumber"); got != "A-001" || len(v.list(t, "data.lines")) != 1 {
		t.Errorf("the default display API serves %q of %d lines", got, len(v.list(t, "data.lines")))
	}
	h.do("GET", "/api/display?lines=default,nwalk", "").want(t, 200) // today's ?lines=: any lines
	h.do("GET", "/api/display?clinic=nope", "").wantError(t, 404, queue.CodeClinicNotFound)
	h.do("GET", "/api/display?clinic=north&lines=default", "").wantError(t, 400, queue.CodeValidation)
	h.do("GET", "/api/display?clinic=north&lines=nowhere", "").wantError(t, 404, queue.CodeLineNotFound)
}

func TestClinicQRAndKiosk(t *testing.T) {
	h, _ := clinicHarness(t)
	r := h.do("GET", "/c/north/qr", "")
	wantPage(t, r, http.StatusOK)
	wantIn(t, "north poster", r.Raw, []string{"North Clinic", testPublicURL + "/c/north/", `src="/c/north/qr.png"`}, []string{"Test Clinic"})
	img := h.do("GET", "/c/north/qr.png", "")
	if img.Code != 200 || img.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("north QR: %d %q", img.Code, img.Header.Get("Content-Type"))
	}
	if _, err := png.Decode(bytes.NewReader([]byte(img.Raw))); err != nil {
		t.Fatal(err)
	}
	if got := h.do("GET", "/c/north/qr.png?status=00000000-0000-4000-8000-000000000000", "").Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("a status QR's Cache-Control %q", got)
	}

	r = h.do("GET", "/c/north/kiosk", "")
	wantPage(t, r, http.StatusOK)
	wantIn(t, "north kiosk", r.Raw, []string{"North Clinic", "North walk-in", `data-lines-url="/api/clinics/north/lines"`, `data-line="nwalk"`, `data-home="/c/north"`},
		[]string{"Main queue", "North back office"})
	r = h.do("GET", "/kiosk", "")
	// The unprefixed kiosk is the default clinic's: it re-reads only its lines.
	wantIn(t, "kiosk", r.Raw, []string{`data-lines-url="/api/clinics/main/lines"`}, []string{"North", "data-line=", `"/api/lines"`})
}

func TestClinicsAdminPage(t *testing.T) {
	h, _ := clinicHarness(t)
	if r := h.do("GET", "/staff/admin/clinics", ""); r.Code != http.StatusSeeOther {
		t.Errorf("signed out: %d, want a redirect to the sign-in", r.Code)
	}
	if r := h.do("GET", "/staff/admin/clinics", "", cookie(h.staff)...); r.Code != http.StatusForbidden {
		t.Errorf("staff: %d, want 403", r.Code)
	}
	r := h.do("GET", "/staff/admin/clinics", "", cookie(h.admin)...)
	wantPage(t, r, http.StatusOK)
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	wantIn(t, "clinics page", r.Raw, []string{`data-clinic="main"`, `data-clinic="north"`, "North Clinic", "Asia/Tokyo", `href="/c/north/"`,
		"(default)", "No hours set", "the deployment&#39;s number", "js/clinics.js", `id="clinic-dialog"`}, nil)
	admin := h.do("GET", "/staff/admin", "", cookie(h.admin)...)
	wantIn(t, "admin page", admin.Raw, []string{`href="/staff/admin/clinics"`}, nil)
}

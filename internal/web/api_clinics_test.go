package web

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// Clinics over the API (issue 13; docs/clinics.md, "API").

// addClinic creates a clinic as the admin; it fails unless 201.
func (h *harness) addClinic(slug, name, tz string) response {
	h.tb.Helper()
	return h.asAdmin("POST", "/api/staff/clinics", jsonOf(h.tb, map[string]any{"slug": slug, "name": name, "timezone": tz})).
		want(h.tb, http.StatusCreated)
}

// slugsAt lists the string field of every element of the data list.
func slugsAt(tb testing.TB, r response, field string) []string {
	tb.Helper()
	var out []string
	for i := range r.list(tb, "data") {
		out = append(out, r.str(tb, fmt.Sprintf("data.%d.%s", i, field)))
	}
	return out
}

func TestPublicClinics(t *testing.T) {
	h := newHarness(t)
	r := h.do("GET", "/api/clinics", "").want(t, 200)
	if r.num(t, "count") != 1 || r.str(t, "data.0.slug") != "main" || r.str(t, "data.0.name") != "SmartWait" ||
		r.str(t, "data.0.timezone") != "UTC" {
		t.Fatalf("a fresh deployment's clinics: %s", r.Raw)
	}
	h.asAdmin("POST", "/api/staff/clinics", `{"slug":"north","name":"North Clinic","timezone":"America/Denver","smsFrom":"+15005550006"}`).want(t, 201)
	r = h.do("GET", "/api/clinics", "").want(t, 200)
	if got := slugsAt(t, r, "slug"); !slices.Equal(got, []string{"main", "north"}) {
		t.Fatalf("clinics %v, want main then north", got)
	}
	if strings.Contains(r.Raw, "smsFrom") || strings.Contains(r.Raw, "5550006") || strings.Contains(r.Raw, "hours") {
		t.Fatalf("the public list shows a clinic's settings: %s", r.Raw)
	}
	if r.str(t, "data.1.name") != "North Clinic" || r.str(t, "data.1.timezone") != "America/Denver" {
		t.Fatalf("north: %s", r.Raw)
	}
}

func TestClinicLines(t *testing.T) {
	h := newHarness(t)
	h.addClinic("north", "North", "America/Denver")
	if r := h.do("GET", "/api/clinics/north/lines", "").want(t, 200); r.num(t, "count") != 0 {
		t.Fatalf("a new clinic has lines: %s", r.Raw)
	}
	// A prefix is unique per clinic: north may use A too.
	h.addLine("north-walk-in", "Walk-in", "A", map[string]any{"clinic": "north"})
	h.addLine("north-lab", "Lab", "L", map[string]any{"clinic": "north"})
	h.addLine("north-desk", "Desk", "D", map[string]any{"clinic": "north", "public": false})
	h.addLine("lab", "Lab", "L", nil)

	r := h.do("GET", "/api/clinics/north/lines", "").want(t, 200)
	if got := slugsAt(t, r, "slug"); !slices.Equal(got, []string{"north-walk-in", "north-lab"}) {
		t.Fatalf("north's public lines %v", got)
	}
	if got := slugsAt(t, r, "clinic"); !slices.Equal(got, []string{"north", "north"}) {
		t.Fatalf("north's lines' clinics %v", got)
	}
	r = h.do("GET", "/api/clinics/main/lines", "").want(t, 200)
	if got := slugsAt(t, r, "slug"); !slices.Equal(got, []string{"default", "lab"}) {
		t.Fatalf("main's lines %v", got)
	}
	// The same shape as GET /api/lines, which lists every clinic's lines.
	all := h.do("GET", "/api/lines", "").want(t, 200)
	byClinic := map[string]string{} // a line's JSON in GET /api/lines, by slug
	for i, l := range slugsAt(t, all, "slug") {
		byClinic[l] = jsonOf(t, all.Body["data"].([]any)[i])
	}
	if len(byClinic) != 5-1 { // the staff-only line is not listed
		t.Fatalf("GET /api/lines: %s", all.Raw)
	}
	for _, c := range []string{"main", "north"} {
		r := h.do("GET", "/api/clinics/"+c+"/lines", "").want(t, 200)
		for i, l := range slugsAt(t, r, "slug") {
			if got := jsonOf(t, r.Body["data"].([]any)[i]); got != byClinic[l] {
				t.Errorf("line %s: %s by clinic, %s in GET /api/lines", l, got, byClinic[l])
			}
			if !strings.Contains(byClinic[l], `"clinic":"`+c+`"`) {
				t.Errorf("line %s listed for %s: %s", l, c, byClinic[l])
			}
		}
	}
	staff := h.asStaff("GET", "/api/staff/lines", "").want(t, 200)
	for i, l := range slugsAt(t, staff, "slug") {
		want := "main"
		if strings.HasPrefix(l, "north") {
			want = "north"
		}
		if got := staff.str(t, fmt.Sprintf("data.%d.clinic", i)); got != want {
			t.Errorf("staff line %s clinic %q, want %q", l, got, want)
		}
	}
	for _, slug := range []string{"nowhere", "BAD!", "x%2Fy"} {
		h.do("GET", "/api/clinics/"+slug+"/lines", "").wantError(t, 404, "CLINIC_NOT_FOUND")
	}
}

func TestCheckInWithClinic(t *testing.T) {
	h := newHarness(t)
	h.addClinic("north", "North", "America/Denver")
	h.addClinic("empty", "Empty", "UTC")
	h.addLine("north-desk", "Desk", "D", map[string]any{"clinic": "north", "public": false}) // first, staff-only
	h.addLine("north-walk-in", "Walk-in", "A", map[string]any{"clinic": "north"})
	h.addLine("north-lab", "Lab", "L", map[string]any{"clinic": "north"})
	checkIn := func(i int, fields map[string]string) response {
		t.Helper()
		body := map[string]string{"name": fmt.Sprintf("P%d", i), "phone": phone(i), "appointmentTime": "10:00"}
		for k, v := range fields {
			body[k] = v
		}
		return h.do("POST", "/api/checkin", jsonOf(t, body))
	}
	i := 0

	for _, tt := range []struct {
		name             string
		fields           map[string]string
		line, clinic     string // a 201's
		status           int    // else
		code, errorField string
	}{
		{name: "neither: the default line", fields: nil, line: "default", clinic: "main"},
		{name: "a line alone", fields: map[string]string{"line": "north-lab"}, line: "north-lab", clinic: "north"},
		{name: "a clinic alone: its first public line", fields: map[string]string{"clinic": "north"}, line: "north-walk-in", clinic: "north"},
		{name: "the default clinic alone", fields: map[string]string{"clinic": "main"}, line: "default", clinic: "main"},
		{name: "line and its clinic", fields: map[string]string{"clinic": "north", "line": "north-lab"}, line: "north-lab", clinic: "north"},
		{name: "line of another clinic", fields: map[string]string{"clinic": "main", "line": "north-lab"}, status: 400, code: "VALIDATION_ERROR", errorField: "clinic"},
		{name: "default line, other clinic", fields: map[string]string{"clinic": "north", "line": "default"}, status: 400, code: "VALIDATION_ERROR", errorField: "clinic"},
		{name: "unknown clinic", fields: map[string]string{"clinic": "nowhere"}, status: 404, code: "CLINIC_NOT_FOUND"},
		{name: "unknown clinic with a line", fields: map[string]string{"clinic": "nowhere", "line": "default"}, status: 404, code: "CLINIC_NOT_FOUND"},
		{name: "malformed clinic", fields: map[string]string{"clinic": "No Such!"}, status: 404, code: "CLINIC_NOT_FOUND"},
		{name: "a clinic without lines", fields: map[string]string{"clinic": "empty"}, status: 404, code: "LINE_NOT_FOUND"},
		{name: "a staff-only line named with its clinic", fields: map[string]string{"clinic": "north", "line": "north-desk"}, status: 400, code: "VALIDATION_ERROR", errorField: "line"},
	} {
		i++
		t.Run(tt.name, func(t *testing.T) {
			r := checkIn(i, tt.fields)
			if tt.status != 0 {
				r.wantError(t, tt.status, tt.code)
				if tt.errorField != "" && r.str(t, "error.details.field") != tt.errorField {
					t.Fatalf("field %s, want %s", r.str(t, "error.details.field"), tt.errorField)
				}
				return
			}
			r.want(t, 201)
			if r.str(t, "data.line") != tt.line || r.str(t, "data.clinic") != tt.clinic {
				t.Fatalf("landed in %s of %s, want %s of %s", r.str(t, "data.line"), r.str(t, "data.clinic"), tt.line, tt.clinic)
			}
			st := h.do("GET", "/api/position/"+r.str(t, "data.patientId"), "").want(t, 200)
			if st.str(t, "data.clinic") != tt.clinic || st.str(t, "data.line") != tt.line {
				t.Fatalf("position: %s", st.Raw)
			}
		})
	}

	// The front desk names a clinic the same way, and may reach its staff-only line
	// (as a deployment admin: the harness's staff account acts at the default clinic only).
	r := h.asAdmin("POST", "/api/staff/checkin", `{"name":"Desk Patient","clinic":"north","line":"north-desk"}`).want(t, 201)
	if r.str(t, "data.line") != "north-desk" || r.str(t, "data.clinic") != "north" {
		t.Fatalf("front desk: %s", r.Raw)
	}
	h.asStaff("POST", "/api/staff/checkin", `{"name":"Desk Patient","clinic":"main","line":"north-desk"}`).wantError(t, 400, "VALIDATION_ERROR")
	h.asStaff("POST", "/api/staff/checkin", `{"name":"Desk Patient","clinic":"nowhere"}`).wantError(t, 404, "CLINIC_NOT_FOUND")
}

// TestRenamedDefaultClinic: the default clinic's slug is an admin's to
// change; every answer names it by its new slug at once.
func TestRenamedDefaultClinic(t *testing.T) {
	h := newHarness(t)
	r := h.asAdmin("PATCH", "/api/staff/clinics/main", `{"slug":"downtown","name":"Downtown"}`).want(t, 200)
	if r.str(t, "data.slug") != "downtown" || r.Body["data"].(map[string]any)["default"] != true {
		t.Fatalf("renamed: %s", r.Raw)
	}
	in := h.do("POST", "/api/checkin", `{"name":"Ann","phone":"`+phone(1)+`","appointmentTime":"10:00"}`).want(t, 201)
	if in.str(t, "data.clinic") != "downtown" {
		t.Fatalf("check-in names clinic %s", in.str(t, "data.clinic"))
	}
	if got := h.do("GET", "/api/lines", "").want(t, 200).str(t, "data.0.clinic"); got != "downtown" {
		t.Fatalf("the default line's clinic %s", got)
	}
	h.do("POST", "/api/checkin", `{"name":"Ben","phone":"`+phone(2)+`","appointmentTime":"10:00","clinic":"downtown"}`).want(t, 201)
	h.do("POST", "/api/checkin", `{"name":"Cy","phone":"`+phone(3)+`","appointmentTime":"10:00","clinic":"main"}`).wantError(t, 404, "CLINIC_NOT_FOUND")
	h.do("GET", "/api/clinics/main/lines", "").wantError(t, 404, "CLINIC_NOT_FOUND")
	h.do("GET", "/api/clinics/downtown/lines", "").want(t, 200)
}

func TestStaffClinics(t *testing.T) {
	h := newHarness(t)
	r := h.asAdmin("POST", "/api/staff/clinics",
		`{"slug":"north","name":"North Clinic","timezone":"America/Denver","smsFrom":"+15005550006","hours":{"mon":"08:00-17:00"}}`).want(t, 201)
	if r.str(t, "data.slug") != "north" || r.str(t, "data.smsFrom") != "+15005550006" || r.str(t, "data.hours.mon") != "08:00-17:00" ||
		r.Body["data"].(map[string]any)["default"] != false || r.str(t, "message") != "Clinic north created" {
		t.Fatalf("created: %s", r.Raw)
	}
	list := h.asAdmin("GET", "/api/staff/clinics", "").want(t, 200)
	if got := slugsAt(t, list, "slug"); !slices.Equal(got, []string{"main", "north"}) {
		t.Fatalf("clinics %v", got)
	}
	if d := list.Body["data"].([]any)[0].(map[string]any); d["default"] != true || d["smsFrom"] != "" || d["hours"] != nil || d["timezone"] != "UTC" {
		t.Fatalf("the default clinic: %v", d)
	}

	// Validation: each field is named.
	for _, tt := range []struct{ body, field string }{
		{`{"name":"X","timezone":"UTC"}`, "slug"},
		{`{"slug":"Bad Slug","name":"X","timezone":"UTC"}`, "slug"},
		{`{"slug":"north","name":"Again","timezone":"UTC"}`, "slug"},
		{`{"slug":"east","timezone":"UTC"}`, "name"},
		{`{"slug":"east","name":"   ","timezone":"UTC"}`, "name"},
		{`{"slug":"east","name":"` + strings.Repeat("x", 81) + `","timezone":"UTC"}`, "name"},
		{`{"slug":"east","name":"East"}`, "timezone"},
		{`{"slug":"east","name":"East","timezone":"Mars/Olympus"}`, "timezone"},
		{`{"slug":"east","name":"East","timezone":"UTC","smsFrom":"555-1234"}`, "smsFrom"},
		{`{"slug":"east","name":"East","timezone":"UTC","hours":{"mon":"17:00-08:00"}}`, "hours"},
		{`{"slug":"east","name":"East","timezone":"UTC","hours":"always"}`, "hours"},
		{`{"slug":"east","name":"East","timezone":"UTC","color":"red"}`, "color"},
		{`{"slug":7,"name":"East","timezone":"UTC"}`, "slug"},
	} {
		r := h.asAdmin("POST", "/api/staff/clinics", tt.body).wantError(t, 400, "VALIDATION_ERROR")
		if got := r.str(t, "error.details.field"); got != tt.field {
			t.Errorf("%s: field %q, want %q", tt.body, got, tt.field)
		}
	}
	h.asAdmin("POST", "/api/staff/clinics", `{"slug":`).wantError(t, 400, "INVALID_JSON")

	// PATCH: any subset; the rest stays.
	r = h.asAdmin("PATCH", "/api/staff/clinics/north", `{"name":"North Family Clinic","smsFrom":"","hours":null}`).want(t, 200)
	if r.str(t, "data.name") != "North Family Clinic" || r.str(t, "data.timezone") != "America/Denver" ||
		r.str(t, "data.smsFrom") != "" || r.Body["data"].(map[string]any)["hours"] != nil {
		t.Fatalf("patched: %s", r.Raw)
	}
	h.asAdmin("PATCH", "/api/staff/clinics/north", `{"timezone":"Nowhere/Else"}`).wantError(t, 400, "VALIDATION_ERROR")
	h.asAdmin("PATCH", "/api/staff/clinics/north", `{"slug":"main"}`).wantError(t, 400, "VALIDATION_ERROR")
	h.asAdmin("PATCH", "/api/staff/clinics/nowhere", `{"name":"X"}`).wantError(t, 404, "CLINIC_NOT_FOUND")
	h.asAdmin("PATCH", "/api/staff/clinics/BAD!", `{"name":"X"}`).wantError(t, 404, "CLINIC_NOT_FOUND")

	// DELETE: never the default; never while someone waits; then with its lines and rooms.
	h.addLine("north-walk-in", "Walk-in", "A", map[string]any{"clinic": "north"})
	h.asAdmin("POST", "/api/staff/rooms", `{"name":"North 1","lines":["north-walk-in"],"clinic":"north"}`).want(t, 201)
	id := h.do("POST", "/api/checkin", `{"name":"Ann","phone":"`+phone(1)+`","appointmentTime":"10:00","clinic":"north"}`).want(t, 201).str(t, "data.patientId")
	h.asAdmin("DELETE", "/api/staff/clinics/north", "").wantError(t, 409, "CLINIC_NOT_EMPTY")
	h.asAdmin("DELETE", "/api/staff/clinics/main", "").wantError(t, 400, "VALIDATION_ERROR")
	h.asAdmin("DELETE", "/api/staff/clinics/nowhere", "").wantError(t, 404, "CLINIC_NOT_FOUND")
	h.do("DELETE", "/api/checkin/"+id, "").want(t, 200)
	h.asAdmin("DELETE", "/api/staff/clinics/north", "").want(t, 200)
	if got := slugsAt(t, h.do("GET", "/api/clinics", "").want(t, 200), "slug"); !slices.Equal(got, []string{"main"}) {
		t.Fatalf("after removal: %v", got)
	}
	if got := slugsAt(t, h.asStaff("GET", "/api/staff/rooms", "").want(t, 200), "name"); len(got) != 0 {
		t.Fatalf("north's rooms stayed: %v", got)
	}
	h.do("GET", "/api/position/"+id, "").want(t, 200) // the finished visit stays the patient's

	// Admins only.
	h.asStaff("GET", "/api/staff/clinics", "").wantError(t, 403, "FORBIDDEN")
	h.asStaff("POST", "/api/staff/clinics", `{"slug":"east","name":"East","timezone":"UTC"}`).wantError(t, 403, "FORBIDDEN")
	h.asStaff("PATCH", "/api/staff/clinics/main", `{"name":"Mine"}`).wantError(t, 403, "FORBIDDEN")
	h.asStaff("DELETE", "/api/staff/clinics/main", "").wantError(t, 403, "FORBIDDEN")
	h.do("GET", "/api/staff/clinics", "").wantError(t, 401, "UNAUTHORIZED")
}

func TestClinicLinesAndRooms(t *testing.T) {
	h := newHarness(t)
	h.addClinic("north", "North", "America/Denver")
	h.asAdmin("POST", "/api/staff/lines", `{"slug":"x","name":"X","prefix":"X","clinic":"nowhere"}`).wantError(t, 404, "CLINIC_NOT_FOUND")
	h.asAdmin("POST", "/api/staff/lines", `{"slug":"x","name":"X","prefix":"X","clinic":5}`).wantError(t, 400, "VALIDATION_ERROR")
	r := h.addLine("north-walk-in", "Walk-in", "A", map[string]any{"clinic": "north"})
	if r.str(t, "data.clinic") != "north" {
		t.Fatalf("line: %s", r.Raw)
	}
	if r := h.addLine("lab", "Lab", "L", nil); r.str(t, "data.clinic") != "main" {
		t.Fatalf("a line without clinic: %s", r.Raw)
	}
	// Prefixes are unique per clinic.
	h.asAdmin("POST", "/api/staff/lines", `{"slug":"north-2","name":"Two","prefix":"A","clinic":"north"}`).wantError(t, 400, "VALIDATION_ERROR")
	// The line's clinic is set once.
	h.asAdmin("PATCH", "/api/staff/lines/lab", `{"clinic":"north"}`).wantError(t, 400, "VALIDATION_ERROR")

	r = h.asAdmin("POST", "/api/staff/rooms", `{"name":"North 1","lines":["north-walk-in"],"clinic":"north"}`).want(t, 201)
	if r.str(t, "data.clinic") != "north" {
		t.Fatalf("room: %s", r.Raw)
	}
	if r := h.addRoom("Room 1", "default", "lab"); r.str(t, "data.clinic") != "main" {
		t.Fatalf("a room without clinic: %s", r.Raw)
	}
	h.asAdmin("POST", "/api/staff/rooms", `{"name":"North 2","lines":["default"],"clinic":"north"}`).wantError(t, 400, "VALIDATION_ERROR")
	h.asAdmin("POST", "/api/staff/rooms", `{"name":"Main 2","lines":["north-walk-in"]}`).wantError(t, 400, "VALIDATION_ERROR")
	h.asAdmin("POST", "/api/staff/rooms", `{"name":"X","lines":[],"clinic":"nowhere"}`).wantError(t, 404, "CLINIC_NOT_FOUND")
	rooms := h.asAdmin("GET", "/api/staff/rooms", "").want(t, 200) // every clinic's: the deployment admin
	if got := slugsAt(t, rooms, "clinic"); !slices.Equal(got, []string{"north", "main"}) {
		t.Fatalf("rooms' clinics %v: %s", got, rooms.Raw)
	}
	if r := h.asAdmin("PATCH", "/api/staff/rooms/North%201", `{"open":false}`).want(t, 200); r.str(t, "data.clinic") != "north" {
		t.Fatalf("patched room: %s", r.Raw)
	}
	// A room calls its own clinic's patients.
	h.do("POST", "/api/checkin", `{"name":"Ann","phone":"`+phone(1)+`","appointmentTime":"10:00","clinic":"north"}`).want(t, 201)
	h.asAdmin("PATCH", "/api/staff/rooms/North%201", `{"open":true}`).want(t, 200)
	if got := h.asAdmin("POST", "/api/staff/call-next", `{"room":"North 1"}`).want(t, 200).str(t, "data.line"); got != "north-walk-in" {
		t.Fatalf("North 1 called from %s", got)
	}
}

func TestClinicChangesAreAudited(t *testing.T) {
	h := newHarness(t)
	h.asAdmin("POST", "/api/staff/clinics", `{"slug":"north","name":"North","timezone":"America/Denver","smsFrom":"+15005550006"}`).want(t, 201)
	if e := h.lastEntry(); e.Action != "clinic_add" || e.Actor != "boss" || e.Kind != "clinic" || e.ID != "north" || e.Result != "ok" ||
		e.Detail != `slug="north" name="North" timezone="America/Denver" smsFrom="+15005550006"` {
		t.Fatalf("add: %+v", e)
	}
	h.asAdmin("POST", "/api/staff/clinics", `{"slug":"north","name":"Again","timezone":"UTC"}`).wantError(t, 400, "VALIDATION_ERROR")
	if e := h.lastEntry(); e.Action != "clinic_add" || e.ID != "north" || e.Result != "VALIDATION_ERROR" {
		t.Fatalf("refused add: %+v", e)
	}
	h.asAdmin("PATCH", "/api/staff/clinics/north", `{"name":"North Two","hours":{"mon":"08:00-12:00"}}`).want(t, 200)
	if e := h.lastEntry(); e.Action != "clinic_update" || e.ID != "north" || e.Result != "ok" ||
		e.Detail != `name="North Two" hours={mon:"08:00-12:00"}` {
		t.Fatalf("update: %+v", e)
	}
	h.asStaff("PATCH", "/api/staff/clinics/north", `{"name":"Mine"}`).wantError(t, 403, "FORBIDDEN")
	if e := h.lastEntry(); e.Action != "clinic_update" || e.Actor != "nurse" || e.Result != "FORBIDDEN" {
		t.Fatalf("forbidden update: %+v", e)
	}
	h.addLine("north-walk-in", "Walk-in", "A", map[string]any{"clinic": "north"})
	if e := h.lastEntry(); e.Action != "line_create" || !strings.Contains(e.Detail, `clinic="north"`) {
		t.Fatalf("line in a clinic: %+v", e)
	}
	id := h.do("POST", "/api/checkin", `{"name":"Ann","phone":"`+phone(1)+`","appointmentTime":"10:00","clinic":"north"}`).want(t, 201).str(t, "data.patientId")
	h.asAdmin("DELETE", "/api/staff/clinics/north", "").wantError(t, 409, "CLINIC_NOT_EMPTY")
	if e := h.lastEntry(); e.Action != "clinic_remove" || e.ID != "north" || e.Result != "CLINIC_NOT_EMPTY" {
		t.Fatalf("refused remove: %+v", e)
	}
	h.do("DELETE", "/api/checkin/"+id, "").want(t, 200)
	h.asAdmin("DELETE", "/api/staff/clinics/north", "").want(t, 200)
	if e := h.lastEntry(); e.Action != "clinic_remove" || e.Kind != "clinic" || e.ID != "north" || e.Result != "ok" {
		t.Fatalf("remove: %+v", e)
	}
	if got := h.trail("action=clinic_update"); len(got) != 2 {
		t.Fatalf("filtered by action: %d entries", len(got))
	}
}

// TestConcurrentCheckInsOverClinics: two clinics, each with a line of prefix
// A, take N check-ins each at once; each clinic's line numbers its tickets
// A-001..A-00N exactly, positions 1..N, whatever the interleaving.
func TestConcurrentCheckInsOverClinics(t *testing.T) {
	h := newHarness(t)
	h.addClinic("north", "North", "America/Denver")
	h.addLine("north-walk-in", "Walk-in", "A", map[string]any{"clinic": "north"})
	srv := h.liveServer()
	const n = 20 // per clinic: A-001..A-020
	clinics := []string{"main", "north"}
	rs := parallel(t, 2*n, func(i int) (*http.Response, error) {
		return post(srv, "/api/checkin", "", fmt.Sprintf(`{"name":"Patient %d","phone":"%s","appointmentTime":"10:00","clinic":"%s"}`,
			i, phone(i), clinics[i%2]))
	})
	if c := codes(rs); c[201] != 2*n {
		t.Fatalf("codes %v, want %d × 201", c, 2*n)
	}
	numbers := map[string][]string{}
	positions := map[string][]int{}
	for i, r := range rs {
		clinic := data(r, "clinic").(string)
		if clinic != clinics[i%2] {
			t.Fatalf("request %d for %s landed in %s", i, clinics[i%2], clinic)
		}
		numbers[clinic] = append(numbers[clinic], data(r, "ticketNumber").(string))
		positions[clinic] = append(positions[clinic], int(data(r, "position").(float64)))
	}
	for _, c := range clinics {
		slices.Sort(numbers[c])
		slices.Sort(positions[c])
		for i := range n {
			if numbers[c][i] != fmt.Sprintf("A-%03d", i+1) || positions[c][i] != i+1 {
				t.Fatalf("clinic %s: numbers %v positions %v, want exactly A-001..A-%03d and 1..%d", c, numbers[c], positions[c], n, n)
			}
		}
	}
}

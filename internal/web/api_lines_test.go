package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"smartwait/internal/auth"
	"smartwait/internal/queue"
)

// The harness's clock starts on Saturday 2026-11-28 at 09:00 UTC, the clinic's
// time zone.

func TestPublicLines(t *testing.T) {
	h := newHarness(t)
	res := h.do("GET", "/api/lines", "").want(t, 200)
	if res.num(t, "count") != 1 || res.str(t, "data.0.slug") != "default" || res.str(t, "data.0.prefix") != "A" ||
		res.get1(t, "data.0.open") != true || res.num(t, "data.0.waiting") != 0 || res.num(t, "data.0.estimatedWait") != 0 {
		t.Fatalf("a fresh clinic's lines: %s", res.Raw)
	}
	if _, has := res.get("data.0.opensAt"); has {
		t.Fatalf("an open line has no opensAt: %s", res.Raw)
	}
	h.addLine("lab", "Lab", "L", map[string]any{"position": 1})
	h.addLine("doctor", "Doctor", "D", map[string]any{"public": false, "position": 2})
	h.checkIn("Ana", phone(1))
	h.checkIn("Ben", phone(2))

	res = h.do("GET", "/api/lines", "").want(t, 200)
	if res.num(t, "count") != 2 || res.str(t, "data.0.slug") != "default" || res.str(t, "data.1.slug") != "lab" {
		t.Fatalf("public lines by position, no staff-only line: %s", res.Raw)
	}
	if res.num(t, "data.0.waiting") != 2 || res.num(t, "data.0.estimatedWait") <= 0 || res.num(t, "data.1.waiting") != 0 {
		t.Fatalf("figures: %s", res.Raw)
	}
	if strings.Contains(res.Raw, "Doctor") || strings.Contains(res.Raw, "visitMinutes") {
		t.Fatalf("patients see neither staff-only lines nor settings: %s", res.Raw)
	}

	// Closed by staff: closed, with no known opening.
	h.asAdmin("PATCH", "/api/staff/lines/lab", `{"open":false}`).want(t, 200)
	res = h.do("GET", "/api/lines", "").want(t, 200)
	if res.get1(t, "data.1.open") != false {
		t.Fatalf("closed lab: %s", res.Raw)
	}
	if _, has := res.get("data.1.opensAt"); has {
		t.Fatalf("a line closed by staff has no known opening: %s", res.Raw)
	}
	// Open on Mondays only: closed on this Saturday, opening on Monday at 08:00.
	h.asAdmin("PATCH", "/api/staff/lines/lab", `{"open":true,"hours":{"mon":"08:00-12:00"}}`).want(t, 200)
	res = h.do("GET", "/api/lines", "").want(t, 200)
	if res.get1(t, "data.1.open") != false || res.str(t, "data.1.opensAt") != "2026-11-30T08:00:00.000Z" {
		t.Fatalf("lab outside its hours: %s", res.Raw)
	}
}

func TestCheckInLine(t *testing.T) {
	h := newHarness(t)
	h.addLine("lab", "Lab", "L", nil)
	h.addLine("doctor", "Doctor", "D", map[string]any{"public": false})

	res := h.checkInTo("lab", "Ana", phone(1), "10:00")
	if res.str(t, "data.line") != "lab" || res.str(t, "data.ticketNumber") != "L-001" || res.num(t, "data.position") != 1 {
		t.Fatalf("check-in to the lab: %s", res.Raw)
	}
	// The patient's own status names the line it counts positions in.
	pos := h.do("GET", "/api/position/"+res.str(t, "data.patientId"), "").want(t, 200)
	if pos.str(t, "data.line") != "lab" || pos.num(t, "data.position") != 1 || pos.num(t, "data.queueLength") != 1 {
		t.Fatalf("position in the lab: %s", pos.Raw)
	}
	// Without a line: the default one, as always.
	res = h.do("POST", "/api/checkin", `{"name":"Ben","phone":"`+phone(2)+`","appointmentTime":"10:00"}`).want(t, 201)
	if res.str(t, "data.line") != "default" || res.str(t, "data.ticketNumber") != "A-001" {
		t.Fatalf("check-in without a line: %s", res.Raw)
	}
	cy := `"name":"Cy","phone":"` + phone(3) + `","appointmentTime":"10:00"`
	for name, body := range map[string]string{
		"unknown":    `{` + cy + `,"line":"xray"}`,
		"staff-only": `{` + cy + `,"line":"doctor"}`,
		"malformed":  `{` + cy + `,"line":"Lab!"}`,
		"number":     `{` + cy + `,"line":7}`,
	} {
		t.Run(name, func(t *testing.T) {
			res := h.do("POST", "/api/checkin", body).wantError(t, 400, queue.CodeValidation)
			if res.str(t, "error.details.field") != "line" {
				t.Fatalf("the error names the line: %s", res.Raw)
			}
		})
	}
	// A closed line refuses remote check-ins and says when it opens.
	h.asAdmin("PATCH", "/api/staff/lines/lab", `{"hours":{"mon":"08:00-12:00"}}`).want(t, 200)
	res = h.do("POST", "/api/checkin", `{"name":"Dee","phone":"`+phone(4)+`","appointmentTime":"10:00","line":"lab"}`).
		wantError(t, 409, queue.CodeLineClosed)
	if !strings.Contains(res.str(t, "error.message"), "Monday at 08:00") {
		t.Fatalf("the message names the next opening: %s", res.Raw)
	}

	// The check-in page's form passes the line too.
	vals := url.Values{"name": {"Eve"}, "phone": {phone(5)}, "appointmentTime": {"10:00"}, "line": {"default"}}
	if r := h.form("/checkin", vals); r.Code != http.StatusSeeOther {
		t.Fatalf("form check-in: %d %s", r.Code, r.Raw)
	}
	vals = url.Values{"name": {"Fay"}, "phone": {phone(6)}, "appointmentTime": {"10:00"}, "line": {"doctor"}}
	if r := h.form("/checkin", vals); r.Code != http.StatusBadRequest {
		t.Fatalf("form check-in to a staff-only line: %d", r.Code)
	}
	if got := h.positions("default"); len(got) != 2 {
		t.Fatalf("default line after the forms: %v", got)
	}
}

func TestStaffLines(t *testing.T) {
	h := newHarness(t)
	res := h.asStaff("GET", "/api/staff/lines", "").want(t, 200)
	if res.num(t, "count") != 1 || res.str(t, "data.0.slug") != "default" || res.get1(t, "data.0.hours") != nil ||
		res.get1(t, "data.0.public") != true || res.get1(t, "data.0.openNow") != true || len(res.list(t, "data.0.rooms")) != 0 {
		t.Fatalf("the default line: %s", res.Raw)
	}

	created := h.addLine("lab", "Lab", "L", map[string]any{
		"open": true, "public": false, "appointments": true, "position": 7, "visitMinutes": 5,
		"getReadyPosition": 2, "graceMinutes": 10, "hours": map[string]string{"mon": "08:00-12:00", "sat": "08:00-18:00", "sun": ""},
	})
	want := map[string]any{
		"data.slug": "lab", "data.name": "Lab", "data.prefix": "L", "data.open": true, "data.openNow": true,
		"data.public": false, "data.appointments": true, "data.position": 7.0, "data.visitMinutes": 5.0,
		"data.getReadyPosition": 2.0, "data.graceMinutes": 10.0, "data.hours.mon": "08:00-12:00",
		"data.hours.sat": "08:00-18:00", "data.waiting": 0.0, "data.called": 0.0,
	}
	for path, v := range want {
		if got := created.get1(t, path); got != v {
			t.Fatalf("%s = %v, want %v: %s", path, got, v, created.Raw)
		}
	}
	if _, has := created.get("data.hours.sun"); has {
		t.Fatalf("a closed day is left out: %s", created.Raw)
	}
	if !strings.HasPrefix(created.str(t, "message"), "Line lab") {
		t.Fatalf("message: %s", created.Raw)
	}
	// Defaults.
	def := h.addLine("xray", "X-ray", "X", nil)
	for path, v := range map[string]any{"data.open": true, "data.public": true, "data.appointments": false,
		"data.graceMinutes": 15.0, "data.visitMinutes": 0.0, "data.getReadyPosition": 0.0, "data.hours": nil, "data.position": 8.0} {
		if got := def.get1(t, path); got != v {
			t.Fatalf("default %s = %v, want %v: %s", path, got, v, def.Raw)
		}
	}

	// rooms lists the open rooms that serve the line.
	h.addRoom("Lab 1", "lab")
	h.addRoom("Lab 2", "lab", "xray")
	h.asStaff("PATCH", "/api/staff/rooms/Lab%202", `{"open":false}`).want(t, 200)
	res = h.asStaff("GET", "/api/staff/lines", "").want(t, 200)
	if res.num(t, "count") != 3 || res.str(t, "data.1.slug") != "lab" || res.str(t, "data.2.slug") != "xray" {
		t.Fatalf("lines by position: %s", res.Raw)
	}
	if rooms := res.list(t, "data.1.rooms"); len(rooms) != 1 || rooms[0] != "Lab 1" || len(res.list(t, "data.2.rooms")) != 0 {
		t.Fatalf("open rooms serving each line: %s", res.Raw)
	}

	// PATCH: any subset; hours null removes them; {} changes nothing.
	res = h.asAdmin("PATCH", "/api/staff/lines/lab", `{"name":"Laboratory","hours":null}`).want(t, 200)
	if res.str(t, "data.name") != "Laboratory" || res.get1(t, "data.hours") != nil || res.num(t, "data.visitMinutes") != 5 {
		t.Fatalf("patched: %s", res.Raw)
	}
	same := h.asAdmin("PATCH", "/api/staff/lines/lab", `{}`).want(t, 200)
	if same.str(t, "data.name") != "Laboratory" || same.get1(t, "data.public") != false {
		t.Fatalf("empty patch: %s", same.Raw)
	}
	res = h.asAdmin("PATCH", "/api/staff/lines/lab", `{"hours":{}}`).want(t, 200)
	if res.get1(t, "data.openNow") != false || len(res.get1(t, "data.hours").(map[string]any)) != 0 {
		t.Fatalf("hours {} is closed every day: %s", res.Raw)
	}
	h.asAdmin("PATCH", "/api/staff/lines/nope", `{"open":false}`).wantError(t, 404, queue.CodeLineNotFound)
	h.asAdmin("PATCH", "/api/staff/lines/No_Such", `{"open":false}`).wantError(t, 404, queue.CodeLineNotFound)
}

func TestLineValidation(t *testing.T) {
	h := newHarness(t)
	h.addLine("lab", "Lab", "L", nil)
	tests := []struct {
		name, method, path, body string
		code                     int
		errCode, field           string
	}{
		{"slug taken", "POST", "/api/staff/lines", `{"slug":"lab","name":"Lab 2","prefix":"M"}`, 400, queue.CodeValidation, "slug"},
		{"prefix taken", "POST", "/api/staff/lines", `{"slug":"lab2","name":"Lab 2","prefix":"L"}`, 400, queue.CodeValidation, "prefix"},
		{"default's prefix", "POST", "/api/staff/lines", `{"slug":"lab2","name":"Lab 2","prefix":"A"}`, 400, queue.CodeValidation, "prefix"},
		{"bad slug", "POST", "/api/staff/lines", `{"slug":"Lab 2","name":"Lab 2","prefix":"M"}`, 400, queue.CodeValidation, "slug"},
		{"long slug", "POST", "/api/staff/lines", `{"slug":"` + strings.Repeat("a", 33) + `","name":"Lab 2","prefix":"M"}`, 400, queue.CodeValidation, "slug"},
		{"no slug", "POST", "/api/staff/lines", `{"name":"Lab 2","prefix":"M"}`, 400, queue.CodeValidation, "slug"},
		{"no name", "POST", "/api/staff/lines", `{"slug":"lab2","prefix":"M"}`, 400, queue.CodeValidation, "name"},
		{"lower-case prefix", "POST", "/api/staff/lines", `{"slug":"lab2","name":"Lab 2","prefix":"m"}`, 400, queue.CodeValidation, "prefix"},
		{"long prefix", "POST", "/api/staff/lines", `{"slug":"lab2","name":"Lab 2","prefix":"MMM"}`, 400, queue.CodeValidation, "prefix"},
		{"empty body", "POST", "/api/staff/lines", ``, 400, queue.CodeValidation, "slug"},
		{"visit too long", "PATCH", "/api/staff/lines/lab", `{"visitMinutes":481}`, 400, queue.CodeValidation, "visitMinutes"},
		{"visit huge", "PATCH", "/api/staff/lines/lab", `{"visitMinutes":9223372036854775807}`, 400, queue.CodeValidation, "visitMinutes"},
		{"visit negative huge", "PATCH", "/api/staff/lines/lab", `{"visitMinutes":-9223372036854775808}`, 400, queue.CodeValidation, "visitMinutes"},
		{"grace negative", "PATCH", "/api/staff/lines/lab", `{"graceMinutes":-1}`, 400, queue.CodeValidation, "graceMinutes"},
		{"get ready too far", "PATCH", "/api/staff/lines/lab", `{"getReadyPosition":101}`, 400, queue.CodeValidation, "getReadyPosition"},
		{"blank name", "PATCH", "/api/staff/lines/lab", `{"name":"  "}`, 400, queue.CodeValidation, "name"},
		{"unknown weekday", "PATCH", "/api/staff/lines/lab", `{"hours":{"someday":"08:00-12:00"}}`, 400, queue.CodeValidation, "hours"},
		{"bad span", "PATCH", "/api/staff/lines/lab", `{"hours":{"mon":"9-5"}}`, 400, queue.CodeValidation, "hours"},
		{"closing before opening", "PATCH", "/api/staff/lines/lab", `{"hours":{"mon":"12:00-08:00"}}`, 400, queue.CodeValidation, "hours"},
		// JSON types: each names its field.
		{"open as string", "PATCH", "/api/staff/lines/lab", `{"open":"yes"}`, 400, queue.CodeValidation, "open"},
		{"public as number", "PATCH", "/api/staff/lines/lab", `{"public":1}`, 400, queue.CodeValidation, "public"},
		{"appointments null", "PATCH", "/api/staff/lines/lab", `{"appointments":null}`, 400, queue.CodeValidation, "appointments"},
		{"position fraction", "PATCH", "/api/staff/lines/lab", `{"position":1.5}`, 400, queue.CodeValidation, "position"},
		{"position exponent", "PATCH", "/api/staff/lines/lab", `{"position":1e3}`, 400, queue.CodeValidation, "position"},
		{"position past int64", "PATCH", "/api/staff/lines/lab", `{"position":99999999999999999999}`, 400, queue.CodeValidation, "position"},
		{"position as string", "PATCH", "/api/staff/lines/lab", `{"position":"1"}`, 400, queue.CodeValidation, "position"},
		{"name as number", "PATCH", "/api/staff/lines/lab", `{"name":5}`, 400, queue.CodeValidation, "name"},
		{"hours as string", "PATCH", "/api/staff/lines/lab", `{"hours":"mon"}`, 400, queue.CodeValidation, "hours"},
		{"hours with a number", "PATCH", "/api/staff/lines/lab", `{"hours":{"mon":9}}`, 400, queue.CodeValidation, "hours"},
		{"hours with null", "PATCH", "/api/staff/lines/lab", `{"hours":{"mon":null}}`, 400, queue.CodeValidation, "hours"},
		{"hours as array", "PATCH", "/api/staff/lines/lab", `{"hours":["08:00-12:00"]}`, 400, queue.CodeValidation, "hours"},
		{"slug in a patch", "PATCH", "/api/staff/lines/lab", `{"slug":"lab2"}`, 400, queue.CodeValidation, "slug"},
		{"unknown field", "PATCH", "/api/staff/lines/lab", `{"colour":"red"}`, 400, queue.CodeValidation, "colour"},
		{"array body", "PATCH", "/api/staff/lines/lab", `[]`, 400, queue.CodeValidation, ""},
		{"null body", "PATCH", "/api/staff/lines/lab", `null`, 400, queue.CodeValidation, ""},
		{"malformed", "PATCH", "/api/staff/lines/lab", `{"open":`, 400, codeInvalidJSON, ""},
		{"trailing data", "PATCH", "/api/staff/lines/lab", `{"open":true} {}`, 400, codeInvalidJSON, ""},
		{"default line", "DELETE", "/api/staff/lines/default", ``, 400, queue.CodeValidation, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.asAdmin(tt.method, tt.path, tt.body).wantError(t, tt.code, tt.errCode)
			if tt.field != "" && res.str(t, "error.details.field") != tt.field {
				t.Fatalf("details.field, want %q: %s", tt.field, res.Raw)
			}
		})
	}
	t.Run("media type", func(t *testing.T) {
		h.asAdmin("PATCH", "/api/staff/lines/lab", `{"open":true}`, "Content-Type", "text/plain").
			wantError(t, 415, codeUnsupportedMedia)
		h.asAdmin("POST", "/api/staff/lines", `slug=lab2`, "Content-Type", "application/x-www-form-urlencoded").
			wantError(t, 415, codeUnsupportedMedia)
		big := `{"name":"` + strings.Repeat("x", 70<<10) + `"}`
		h.asAdmin("PATCH", "/api/staff/lines/lab", big).wantError(t, 413, codeTooLarge)
	})
	// Nothing above changed the lab.
	res := h.asStaff("GET", "/api/staff/lines", "").want(t, 200)
	if res.num(t, "count") != 2 || res.str(t, "data.1.name") != "Lab" || res.get1(t, "data.1.open") != true {
		t.Fatalf("after the refusals: %s", res.Raw)
	}
}

func TestDeleteLine(t *testing.T) {
	h := newHarness(t)
	h.addLine("lab", "Lab", "L", nil)
	h.addRoom("Lab", "lab", "default")
	id := h.checkInTo("lab", "Ana", phone(1), "10:00").str(t, "data.patientId")
	res := h.asAdmin("DELETE", "/api/staff/lines/lab", "").wantError(t, 409, queue.CodeLineNotEmpty)
	if !strings.Contains(res.str(t, "error.message"), "1 patients") {
		t.Fatalf("message: %s", res.Raw)
	}
	h.asStaff("POST", "/api/staff/complete", `{"patientId":"`+id+`"}`).want(t, 200)
	h.asAdmin("DELETE", "/api/staff/lines/lab", "").want(t, 200)
	h.asAdmin("DELETE", "/api/staff/lines/lab", "").wantError(t, 404, queue.CodeLineNotFound)
	h.asAdmin("DELETE", "/api/staff/lines/Bad_Slug", "").wantError(t, 404, queue.CodeLineNotFound)
	if l := h.asStaff("GET", "/api/staff/rooms", "").want(t, 200).list(t, "data.0.lines"); len(l) != 1 || l[0] != "default" {
		t.Fatalf("the deleted line leaves the rooms that served it: %v", l)
	}
	if got := h.asStaff("GET", "/api/staff/lines", "").want(t, 200).num(t, "count"); got != 1 {
		t.Fatalf("%d lines after the delete", got)
	}
}

func TestLinesAndRoomsPermissions(t *testing.T) {
	h := newHarness(t)
	h.addLine("lab", "Lab", "L", nil)
	h.addRoom("Room 1", "default")
	adminOnly := []struct{ method, path, body string }{
		{"POST", "/api/staff/lines", `{"slug":"lab2","name":"Lab 2","prefix":"M"}`},
		{"PATCH", "/api/staff/lines/lab", `{"open":false}`},
		{"DELETE", "/api/staff/lines/lab", ``},
		{"POST", "/api/staff/rooms", `{"name":"Room 2","lines":["default"]}`},
		{"PATCH", "/api/staff/rooms/Room%201", `{"name":"Room 9"}`},
		{"PATCH", "/api/staff/rooms/Room%201", `{"open":false,"lines":["lab"]}`},
		{"PATCH", "/api/staff/rooms/Room%201", `{"position":3}`},
		{"DELETE", "/api/staff/rooms/Room%201", ``},
	}
	for _, r := range adminOnly {
		t.Run("staff "+r.method+" "+r.path+" "+r.body, func(t *testing.T) {
			res := h.asStaff(r.method, r.path, r.body).wantError(t, 403, auth.CodeForbidden)
			if !strings.HasPrefix(res.str(t, "error.message"), "Only admins may manage ") {
				t.Fatalf("message: %s", res.Raw)
			}
		})
	}
	staffRoutes := append(adminOnly, []struct{ method, path, body string }{
		{"GET", "/api/staff/lines", ``}, {"GET", "/api/staff/rooms", ``},
		{"PATCH", "/api/staff/rooms/Room%201", `{"open":false}`},
		{"POST", "/api/staff/checkin", `{"name":"Ana"}`},
		{"POST", "/api/staff/transfer", `{"patientId":"x","line":"lab"}`},
		{"POST", "/api/staff/priority", `{"patientId":"x","urgent":true}`},
		{"GET", "/api/staff/queue?line=lab", ``},
	}...)
	for _, r := range staffRoutes {
		t.Run("patient "+r.method+" "+r.path, func(t *testing.T) {
			h.do(r.method, r.path, r.body).wantError(t, 401, auth.CodeUnauthorized)
			h.do(r.method, r.path, r.body, "Authorization", "Bearer "+strings.Repeat("A", 43)).
				wantError(t, 401, auth.CodeUnauthorized)
		})
	}
	// Nothing changed; the staff may still open and close a room.
	h.asStaff("PATCH", "/api/staff/rooms/Room%201", `{"open":false}`).want(t, 200)
	res := h.asStaff("GET", "/api/staff/rooms", "").want(t, 200)
	if res.num(t, "count") != 1 || res.str(t, "data.0.name") != "Room 1" || res.get1(t, "data.0.open") != false {
		t.Fatalf("rooms: %s", res.Raw)
	}
	if got := h.asStaff("GET", "/api/staff/lines", "").want(t, 200).num(t, "count"); got != 2 {
		t.Fatalf("%d lines", got)
	}
}

// get1 returns the value at a dotted path, failing the test when it is absent.
func (r response) get1(tb testing.TB, path string) any {
	tb.Helper()
	v, ok := r.get(path)
	if !ok {
		tb.Fatalf("%s is absent: %s", path, r.Raw)
	}
	return v
}

// TestStatsByLine: the figures are the whole clinic's, with each line's, or
// one line's with ?line=; the tag moves with any line.
func TestStatsByLine(t *testing.T) {
	h := newHarness(t)
	h.addLine("lab", "Lab", "L", nil)
	h.addRoom("Lab bench", "lab")
	h.checkInTo("default", "Ann", phone(1), "walk-in")
	h.checkInTo("default", "Bob", phone(2), "walk-in")
	h.checkInTo("lab", "Cyd", phone(3), "walk-in")
	h.asStaff("POST", "/api/staff/call-next", `{"room":"Lab bench"}`).want(t, http.StatusOK)

	all := h.asStaff("GET", "/api/staff/stats", "").want(t, http.StatusOK)
	if all.num(t, "data.totalWaiting") != 2 || all.num(t, "data.totalCalled") != 1 || len(all.list(t, "data.lines")) != 2 {
		t.Fatalf("clinic stats: %s", all.Raw)
	}
	if all.str(t, "data.lines.0.line") != "default" || all.num(t, "data.lines.0.totalWaiting") != 2 || all.num(t, "data.lines.0.totalCalled") != 0 ||
		all.str(t, "data.lines.1.line") != "lab" || all.num(t, "data.lines.1.totalWaiting") != 0 || all.num(t, "data.lines.1.totalCalled") != 1 {
		t.Fatalf("per-line stats: %s", all.Raw)
	}
	lab := h.asStaff("GET", "/api/staff/stats?line=lab", "").want(t, http.StatusOK)
	if lab.str(t, "data.line") != "lab" || lab.num(t, "data.totalCalled") != 1 || lab.num(t, "data.totalWaiting") != 0 {
		t.Fatalf("lab stats: %s", lab.Raw)
	}
	if _, ok := lab.get("data.lines"); ok {
		t.Fatalf("one line's stats list lines: %s", lab.Raw)
	}
	for _, bad := range []string{"xray", "", "Lab!"} {
		h.asStaff("GET", "/api/staff/stats?line="+bad, "").wantError(t, http.StatusNotFound, queue.CodeLineNotFound)
	}
	// A change in the lab alone moves the clinic's tag.
	tag := all.Header.Get("ETag")
	if nm := h.asStaff("GET", "/api/staff/stats", "", "If-None-Match", tag); nm.Code != http.StatusNotModified {
		t.Fatalf("unchanged stats: %d, want 304", nm.Code)
	}
	h.checkInTo("lab", "Dee", phone(4), "walk-in")
	if again := h.asStaff("GET", "/api/staff/stats", "", "If-None-Match", tag).want(t, http.StatusOK); again.num(t, "data.lines.1.totalWaiting") != 1 {
		t.Fatalf("after a lab check-in: %s", again.Raw)
	}
}

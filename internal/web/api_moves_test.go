package web

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"smartwait/internal/queue"
)

func TestTransfer(t *testing.T) {
	h := newHarness(t)
	h.addLine("doctor", "Doctor", "D", map[string]any{"public": false})
	a := h.checkIn("Ana", phone(1)) // 09:00
	h.clock.Add(5 * time.Minute)
	d := h.asStaff("POST", "/api/staff/checkin", `{"name":"Dan","line":"doctor"}`).want(t, 201).str(t, "data.patientId") // 09:05
	h.clock.Add(5 * time.Minute)
	b := h.checkIn("Ben", phone(2)) // 09:10
	h.asStaff("POST", "/api/staff/call-next", "").want(t, 200)

	// Ana, called at triage, moves to the doctor keeping her place: due at her
	// check-in, 09:00, so ahead of Dan.
	res := h.asStaff("POST", "/api/staff/transfer", `{"patientId":"`+a+`","line":"doctor","keepPlace":true}`).want(t, 200)
	for path, want := range map[string]any{
		"data.patientId": a, "data.line": "doctor", "data.ticketNumber": "A-001", "data.status": "waiting",
		"data.position": 1.0, "data.calledAt": nil, "data.dueAt": "2026-11-28T09:00:00.000Z",
		"message": "Patient A-001 moved to line doctor",
	} {
		if got := res.get1(t, path); got != want {
			t.Fatalf("%s = %v, want %v: %s", path, got, want, res.Raw)
		}
	}
	if got := h.positions("doctor"); got[a] != 1 || got[d] != 2 || len(got) != 2 {
		t.Fatalf("doctor line: %v", got)
	}
	if got := h.positions("default"); got[b] != 1 || len(got) != 1 {
		t.Fatalf("triage line: %v", got)
	}
	// Ben moves without keepPlace: due at the transfer, behind both.
	res = h.asStaff("POST", "/api/staff/transfer", `{"patientId":"`+b+`","line":"doctor"}`).want(t, 200)
	if res.num(t, "data.position") != 3 || res.str(t, "data.dueAt") != "2026-11-28T09:10:00.000Z" {
		t.Fatalf("Ben: %s", res.Raw)
	}
	if got := h.positions("default"); len(got) != 0 {
		t.Fatalf("triage is empty: %v", got)
	}

	h.checkIn("Ann", phone(1)) // Ana's phone again, in triage
	tests := []struct {
		name, body     string
		code           int
		errCode, field string
	}{
		{"no patient", `{"line":"doctor"}`, 400, queue.CodeValidation, "patientId"},
		{"no line", `{"patientId":"` + d + `"}`, 400, queue.CodeValidation, "line"},
		{"unknown line", `{"patientId":"` + d + `","line":"xray"}`, 400, queue.CodeValidation, "line"},
		{"same line", `{"patientId":"` + d + `","line":"doctor"}`, 400, queue.CodeValidation, "line"},
		{"keepPlace as string", `{"patientId":"` + d + `","line":"default","keepPlace":"yes"}`, 400, queue.CodeValidation, "keepPlace"},
		{"patientId as number", `{"patientId":1,"line":"default"}`, 400, queue.CodeValidation, "patientId"},
		{"unknown field", `{"patientId":"` + d + `","line":"default","reason":"x"}`, 400, queue.CodeValidation, "reason"},
		{"malformed id", `{"patientId":"nope","line":"default"}`, 404, queue.CodePatientNotFound, ""},
		{"unknown id", `{"patientId":"00000000-0000-4000-8000-000000000000","line":"default"}`, 404, queue.CodePatientNotFound, ""},
		{"phone already there", `{"patientId":"` + a + `","line":"default"}`, 409, queue.CodeDuplicate, ""},
		{"malformed", `{"patientId":`, 400, codeInvalidJSON, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.asStaff("POST", "/api/staff/transfer", tt.body).wantError(t, tt.code, tt.errCode)
			if tt.field != "" && res.str(t, "error.details.field") != tt.field {
				t.Fatalf("details.field, want %q: %s", tt.field, res.Raw)
			}
		})
	}
	h.asStaff("POST", "/api/staff/complete", `{"patientId":"`+d+`"}`).want(t, 200)
	h.asStaff("POST", "/api/staff/transfer", `{"patientId":"`+d+`","line":"default"}`).wantError(t, 409, queue.CodeNotActive)
}

func TestPriority(t *testing.T) {
	h := newHarness(t)
	a := h.checkIn("Ana", phone(1))
	h.clock.Add(time.Minute)
	b := h.checkIn("Ben", phone(2))
	h.clock.Add(time.Minute)
	c := h.checkIn("Cy", phone(3))
	order := func(want ...string) {
		t.Helper()
		got := h.positions("default")
		for i, id := range want {
			if got[id] != i+1 {
				t.Fatalf("positions %v, want %v in this order", got, want)
			}
		}
	}

	res := h.asStaff("POST", "/api/staff/priority", `{"patientId":"`+c+`","urgent":true}`).want(t, 200)
	if res.num(t, "data.position") != 1 || res.get1(t, "data.urgent") != true || res.str(t, "message") != "Patient A-003 marked urgent" {
		t.Fatalf("urgent: %s", res.Raw)
	}
	order(c, a, b)
	res = h.asStaff("POST", "/api/staff/priority", `{"patientId":"`+c+`","urgent":false}`).want(t, 200)
	if res.num(t, "data.position") != 3 || res.str(t, "message") != "Patient A-003 no longer urgent" {
		t.Fatalf("not urgent: %s", res.Raw)
	}
	if _, has := res.get("data.urgent"); has {
		t.Fatalf("urgent is left out when false: %s", res.Raw)
	}
	order(a, b, c)
	res = h.asStaff("POST", "/api/staff/priority", `{"patientId":"`+c+`","before":"`+b+`"}`).want(t, 200)
	if res.num(t, "data.position") != 2 || res.str(t, "message") != "Patient A-003 moved to position 2" {
		t.Fatalf("before: %s", res.Raw)
	}
	order(a, c, b)
	h.asStaff("POST", "/api/staff/priority", `{"patientId":"`+b+`","before":"`+a+`"}`).want(t, 200)
	order(b, a, c)

	h.asStaff("POST", "/api/staff/call-next", "").want(t, 200) // Ben
	tests := []struct {
		name, body     string
		code           int
		errCode, field string
	}{
		{"neither", `{"patientId":"` + a + `"}`, 400, queue.CodeValidation, "urgent"},
		{"both", `{"patientId":"` + a + `","urgent":true,"before":"` + c + `"}`, 400, queue.CodeValidation, "urgent"},
		{"urgent as string", `{"patientId":"` + a + `","urgent":"true"}`, 400, queue.CodeValidation, "urgent"},
		{"before as number", `{"patientId":"` + a + `","before":3}`, 400, queue.CodeValidation, "before"},
		{"before self", `{"patientId":"` + a + `","before":"` + a + `"}`, 400, queue.CodeValidation, "before"},
		{"before unknown", `{"patientId":"` + a + `","before":"00000000-0000-4000-8000-000000000000"}`, 400, queue.CodeValidation, "before"},
		{"before a called patient", `{"patientId":"` + a + `","before":"` + b + `"}`, 400, queue.CodeValidation, "before"},
		{"no patient", `{"urgent":true}`, 400, queue.CodeValidation, "patientId"},
		{"called patient", `{"patientId":"` + b + `","urgent":true}`, 409, queue.CodeNotWaiting, ""},
		{"unknown patient", `{"patientId":"00000000-0000-4000-8000-000000000000","urgent":true}`, 404, queue.CodePatientNotFound, ""},
		{"malformed patient", `{"patientId":"x","urgent":true}`, 404, queue.CodePatientNotFound, ""},
		{"text body", `urgent`, 400, codeInvalidJSON, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.asStaff("POST", "/api/staff/priority", tt.body).wantError(t, tt.code, tt.errCode)
			if tt.field != "" && res.str(t, "error.details.field") != tt.field {
				t.Fatalf("details.field, want %q: %s", tt.field, res.Raw)
			}
		})
	}
	order(a, c)
}

func TestFrontDeskCheckIn(t *testing.T) {
	h := newHarness(t)
	h.addLine("lab", "Lab", "L", map[string]any{"open": false})
	h.addLine("doctor", "Doctor", "D", map[string]any{"public": false})

	res := h.asStaff("POST", "/api/staff/checkin", `{"name":" Maria Santos "}`).want(t, 201)
	id := res.str(t, "data.patientId")
	for path, want := range map[string]any{"data.line": "default", "data.ticketNumber": "A-001", "data.position": 1.0,
		"data.status": "waiting", "message": "Checked in: ticket A-001"} {
		if got := res.get1(t, path); got != want {
			t.Fatalf("%s = %v, want %v: %s", path, got, want, res.Raw)
		}
	}
	q := h.asStaff("GET", "/api/staff/queue", "").want(t, 200)
	if q.str(t, "data.0.patient.name") != "Maria Santos" || q.str(t, "data.0.patient.phone") != "" || q.str(t, "data.0.appointmentTime") != "" {
		t.Fatalf("a patient without a phone: %s", q.Raw)
	}
	if n := h.asStaff("GET", "/api/staff/notifications?patientId="+id, "").want(t, 200).num(t, "count"); n != 0 {
		t.Fatalf("%d texts for a patient without a phone", n)
	}
	// Any line: closed, staff-only.
	for line, ticket := range map[string]string{"lab": "L-001", "doctor": "D-001"} {
		res := h.asStaff("POST", "/api/staff/checkin", `{"name":"Pat","line":"`+line+`","appointmentTime":"9:30"}`).want(t, 201)
		if res.str(t, "data.ticketNumber") != ticket || res.str(t, "data.line") != line {
			t.Fatalf("front desk into %s: %s", line, res.Raw)
		}
	}
	// With a phone: normalised, texted, and the duplicate rule applies.
	res = h.asStaff("POST", "/api/staff/checkin", `{"name":"Ben","phone":"(415) 200-0002"}`).want(t, 201)
	ben := res.str(t, "data.patientId")
	if n := h.asStaff("GET", "/api/staff/notifications?patientId="+ben, "").want(t, 200).num(t, "count"); n != 1 {
		t.Fatalf("%d texts for a patient with a phone, want the confirmation", n)
	}
	h.asStaff("POST", "/api/staff/checkin", `{"name":"Ben","phone":"+14152000002"}`).wantError(t, 409, queue.CodeDuplicate)
	for body, field := range map[string]string{
		`{}`:                                  "name",
		`{"name":"  "}`:                       "name",
		`{"name":"Cy","phone":"call me"}`:     "phone",
		`{"name":"Cy","line":"xray"}`:         "line",
		`{"name":"Cy","urgent":"true"}`:       "urgent",
		`{"name":"Cy","phone":4152000003}`:    "phone",
		`{"name":"Cy","appointmentTime":930}`: "appointmentTime",
	} {
		res := h.asStaff("POST", "/api/staff/checkin", body).wantError(t, 400, queue.CodeValidation)
		if got := res.str(t, "error.details.field"); got != field {
			t.Fatalf("%s: field %q, want %q", body, got, field)
		}
	}
	h.asStaff("POST", "/api/staff/checkin", `name=Cy`, "Content-Type", "application/x-www-form-urlencoded").
		wantError(t, 415, codeUnsupportedMedia)
	if got := h.asStaff("GET", "/api/staff/queue", "").want(t, 200).num(t, "count"); got != 4 {
		t.Fatalf("%d active, want 4", got)
	}
}

func TestQueueOfEveryLine(t *testing.T) {
	h := newHarness(t)
	// One line: the answer with and without ?line= is the same.
	h.checkIn("Ana", phone(1))
	all := h.asStaff("GET", "/api/staff/queue", "").want(t, 200)
	one := h.asStaff("GET", "/api/staff/queue?line=default", "").want(t, 200)
	if all.Raw != one.Raw || all.Header.Get("ETag") != one.Header.Get("ETag") || all.str(t, "data.0.line") != "default" {
		t.Fatalf("one line:\n%s\n%s", all.Raw, one.Raw)
	}

	h.addLine("lab", "Lab", "L", map[string]any{"position": 5})
	h.addLine("early", "Early", "E", map[string]any{"position": -1})
	h.clock.Add(time.Minute)
	h.checkInTo("lab", "Lou", phone(2), "10:00")
	h.checkInTo("early", "Eve", phone(3), "10:00")
	h.checkIn("Ben", phone(4))
	res := h.asStaff("GET", "/api/staff/queue", "").want(t, 200)
	var got []string
	for i := range res.list(t, "data") {
		got = append(got, res.str(t, "data."+itoa(i)+".line")+":"+res.str(t, "data."+itoa(i)+".patient.name"))
	}
	if want := "early:Eve default:Ana default:Ben lab:Lou"; strings.Join(got, " ") != want || res.num(t, "count") != 4 {
		t.Fatalf("every line by position: %v, want %s", got, want)
	}
	res = h.asStaff("GET", "/api/queue?line=lab", "").want(t, 200)
	if res.num(t, "count") != 1 || res.str(t, "data.0.patient.name") != "Lou" {
		t.Fatalf("?line=lab: %s", res.Raw)
	}
	for _, bad := range []string{"xray", "Bad!", "", strings.Repeat("a", 40)} {
		h.asStaff("GET", "/api/staff/queue?line="+bad, "").wantError(t, 404, queue.CodeLineNotFound)
	}

	// The tag moves when any line changes, and a 304 answers an unchanged queue.
	tag := h.asStaff("GET", "/api/staff/queue", "").Header.Get("ETag")
	h.asStaff("GET", "/api/staff/queue", "", "If-None-Match", tag).want304(t)
	labTag := h.asStaff("GET", "/api/staff/queue?line=lab", "").Header.Get("ETag")
	h.checkInTo("early", "Eli", phone(5), "10:00")
	again := h.asStaff("GET", "/api/staff/queue", "", "If-None-Match", tag).want(t, 200)
	if again.Header.Get("ETag") == tag || again.num(t, "count") != 5 {
		t.Fatalf("tag %s unchanged after a check-in to another line", tag)
	}
	if v := etagVersion(t, again.Header.Get("ETag")); v != etagVersion(t, tag)+1 {
		t.Fatalf("version %d after %s: the sum of the lines' versions grows by one", v, tag)
	}
	h.asStaff("GET", "/api/staff/queue?line=lab", "", "If-None-Match", labTag).want304(t)
}

// want304 fails unless the response is 304 Not Modified with no body.
func (r response) want304(tb testing.TB) {
	tb.Helper()
	if r.Code != 304 || r.Raw != "" {
		tb.Fatalf("status %d, want 304 with no body: %s", r.Code, r.Raw)
	}
}

// etagVersion reads the version of a `"v<version>-<hash>"` tag.
func etagVersion(tb testing.TB, tag string) int {
	tb.Helper()
	v, _, ok := strings.Cut(strings.TrimPrefix(tag, `"v`), "-")
	n, err := strconv.Atoi(v)
	if !ok || err != nil {
		tb.Fatalf("tag %q", tag)
	}
	return n
}

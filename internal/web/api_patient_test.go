package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"smartwait/internal/queue"
)

func TestCheckIn(t *testing.T) {
	h := newHarness(t)
	body := func(name, phone, appt string) string {
		b, _ := json.Marshal(map[string]string{"name": name, "phone": phone, "appointmentTime": appt})
		return string(b)
	}
	tests := []struct {
		name string
		body string
		code int
		err  string // error code, or "" for 201
		want string // expected stored name on success
	}{
		{"accented", body("José García", "+14155550100", "10:00"), 400, queue.CodeValidation, ""}, // 555-01xx is fiction
		{"latin accents", body("José García", phone(1), "10:00"), 201, "", "José García"},
		{"chinese", body("李小明", phone(2), "10:15"), 201, "", "李小明"},
		{"apostrophe hyphen", body("O'Connor-Smith", phone(3), "10:30"), 201, "", "O'Connor-Smith"},
		{"trimmed", body("  Ana  ", phone(4), " 11:00 "), 201, "", "Ana"},
		{"100 chars", body(strings.Repeat("é", 100), phone(5), "11:00"), 201, "", strings.Repeat("é", 100)},
		{"101 chars", body(strings.Repeat("é", 101), phone(6), "11:00"), 400, queue.CodeValidation, ""},
		{"control char", body("Ana\x07Bell", phone(7), "11:00"), 400, queue.CodeValidation, ""},
		{"newline", body("Ana\nBell", phone(7), "11:00"), 400, queue.CodeValidation, ""},
		{"empty name", body("   ", phone(7), "11:00"), 400, queue.CodeValidation, ""},
		{"fiction phone", body("Ana", "555-0123", "11:00"), 400, queue.CodeValidation, ""},
		{"letters phone", body("Ana", "call me", "11:00"), 400, queue.CodeValidation, ""},
		{"missing phone", `{"name":"Ana","appointmentTime":"11:00"}`, 400, queue.CodeValidation, ""},
		{"missing appointment", `{"name":"Ana","phone":"` + phone(7) + `"}`, 400, queue.CodeValidation, ""},
		{"long appointment", body("Ana", phone(7), strings.Repeat("x", 51)), 400, queue.CodeValidation, ""},
		{"unknown field", `{"name":"Ana","phone":"` + phone(7) + `","appointmentTime":"11:00","admin":"true"}`, 400, queue.CodeValidation, ""},
		{"number-typed field", `{"name":"Ana","phone":4152007777,"appointmentTime":"11:00"}`, 400, queue.CodeValidation, ""},
		{"null field", `{"name":null,"phone":"` + phone(7) + `","appointmentTime":"11:00"}`, 400, queue.CodeValidation, ""},
		{"object field", `{"name":{"first":"Ana"},"phone":"` + phone(7) + `","appointmentTime":"11:00"}`, 400, queue.CodeValidation, ""},
		{"array body", `[1,2]`, 400, queue.CodeValidation, ""},
		{"empty body", ``, 400, queue.CodeValidation, ""},
		{"malformed JSON", `{"name":"Ana",`, 400, codeInvalidJSON, ""},
		{"trailing data", body("Ana", phone(7), "11:00") + `{}`, 400, codeInvalidJSON, ""},
		{"trailing garbage", body("Ana", phone(7), "11:00") + ` x`, 400, codeInvalidJSON, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.do("POST", "/api/checkin", tt.body)
			if tt.err != "" {
				res.wantError(t, tt.code, tt.err)
				if tt.err == queue.CodeValidation && !strings.HasPrefix(res.str(t, "error.message"), "Validation error: ") {
					t.Fatalf("message %q must start with %q", res.str(t, "error.message"), "Validation error: ")
				}
				return
			}
			res.want(t, http.StatusCreated)
			id := res.str(t, "data.patientId")
			if !queue.ValidID(id) {
				t.Fatalf("patientId %q is not a UUID", id)
			}
			if res.str(t, "data.status") != "waiting" || !strings.HasPrefix(res.str(t, "data.ticketNumber"), "A-") {
				t.Fatalf("body %s", res.Raw)
			}
			res.num(t, "data.position")
			res.num(t, "data.estimatedWait")
			if _, err := time.Parse(time.RFC3339, res.str(t, "data.checkInTime")); err != nil {
				t.Fatal(err)
			}
			q := h.asStaff("GET", "/api/staff/queue", "").want(t, 200)
			found := false
			for _, e := range q.list(t, "data") {
				p := e.(map[string]any)["patient"].(map[string]any)
				if p["id"] == id {
					found = p["name"] == tt.want
				}
			}
			if !found {
				t.Fatalf("patient %s with name %q not in the staff queue: %s", id, tt.want, q.Raw)
			}
		})
	}
}

func TestCheckInResponse(t *testing.T) {
	h := newHarness(t)
	first := h.do("POST", "/api/checkin", `{"name":"Ana","phone":"(415) 200-0001","appointmentTime":"9:30"}`).want(t, 201)
	if got := first.Raw; !strings.Contains(got, `"checkInTime":"2026-11-28T09:00:00.000Z"`) {
		t.Fatalf("checkInTime must be RFC 3339 UTC with milliseconds: %s", got)
	}
	for field, want := range map[string]int{"data.position": 1, "data.estimatedWait": 0} {
		if got := first.num(t, field); got != want {
			t.Fatalf("%s = %d, want %d", field, got, want)
		}
	}
	if first.str(t, "data.ticketNumber") != "A-001" {
		t.Fatalf("ticket %s", first.Raw)
	}
	second := h.do("POST", "/api/checkin", `{"name":"Ben","phone":"+14152000002","appointmentTime":"9:45"}`).want(t, 201)
	if second.num(t, "data.position") != 2 || second.num(t, "data.estimatedWait") != 15 || second.str(t, "data.ticketNumber") != "A-002" {
		t.Fatalf("second check-in: %s", second.Raw)
	}
}

func TestCheckInSamePhoneFormats(t *testing.T) {
	h := newHarness(t)
	formats := []string{"(415) 555-2671", "415-555-2671", "+14155552671"}
	h.do("POST", "/api/checkin", `{"name":"Ana","phone":"`+formats[0]+`","appointmentTime":"9:30"}`).want(t, 201)
	for _, f := range formats {
		res := h.do("POST", "/api/checkin", `{"name":"Ana Again","phone":"`+f+`","appointmentTime":"9:30"}`)
		res.wantError(t, http.StatusConflict, queue.CodeDuplicate)
		if !strings.Contains(res.str(t, "error.message"), "already in the queue") {
			t.Fatalf("message %q must say %q", res.str(t, "error.message"), "already in the queue")
		}
	}
	// Once the first visit is over, the same phone may check in again.
	id := h.asStaff("GET", "/api/queue", "").want(t, 200).str(t, "data.0.patientId")
	h.asStaff("POST", "/api/staff/complete", `{"patientId":"`+id+`"}`).want(t, 200)
	h.do("POST", "/api/checkin", `{"name":"Ana","phone":"`+formats[1]+`","appointmentTime":"16:00"}`).want(t, 201)
}

// The check-in page posts its form to POST /checkin, which checks the origin.
// The JSON API takes JSON only: a form body is what any web page can make a
// visitor's browser post, so it is refused, even one that looks like JSON.
func TestCheckInAPIRefusesForms(t *testing.T) {
	h := newHarness(t)
	form := url.Values{"name": {"Zoë Ötztal"}, "phone": {"415 200 0009"}, "appointmentTime": {"14:00"}, "submit": {"Check in"}}
	h.do("POST", "/api/checkin", form.Encode(), "Content-Type", "application/x-www-form-urlencoded").
		wantError(t, http.StatusUnsupportedMediaType, codeUnsupportedMedia)
	h.do("POST", "/api/checkin", `{"name":"Cu Rl","phone":"+14152000010","appointmentTime":"14:00"}`,
		"Content-Type", "application/x-www-form-urlencoded").
		wantError(t, http.StatusUnsupportedMediaType, codeUnsupportedMedia)
	if n := len(h.asStaff("GET", "/api/staff/queue", "").list(t, "data")); n != 0 {
		t.Fatalf("%d tickets after refused form posts, want 0", n)
	}
}

func TestPosition(t *testing.T) {
	h := newHarness(t)
	a := h.checkIn("Ana", phone(1))
	b := h.checkIn("Ben", phone(2))
	for _, route := range []string{"/api/position/", "/api/status/"} {
		t.Run(route, func(t *testing.T) {
			res := h.do("GET", route+b, "").want(t, 200)
			want := map[string]int{"data.position": 2, "data.estimatedWait": 15, "data.estimatedWaitMinutes": 15, "data.queueLength": 2}
			for f, v := range want {
				if got := res.num(t, f); got != v {
					t.Fatalf("%s = %d, want %d: %s", f, got, v, res.Raw)
				}
			}
			if res.str(t, "data.patientId") != b || res.str(t, "data.status") != "waiting" || res.str(t, "data.ticketNumber") != "A-002" {
				t.Fatalf("body %s", res.Raw)
			}
			res.str(t, "data.checkInTime")
			if _, present := res.get("data.calledAt"); present {
				t.Fatalf("calledAt must be absent while waiting: %s", res.Raw)
			}
			if res.Header.Get("Cache-Control") != "private, no-cache" { // tagged: etag_test.go
				t.Fatalf("Cache-Control = %q", res.Header.Get("Cache-Control"))
			}
		})
	}
	h.asStaff("POST", "/api/staff/call-next", `{"room":"3"}`).want(t, 200)
	res := h.do("GET", "/api/position/"+a, "").want(t, 200)
	if res.str(t, "data.status") != "called" || res.num(t, "data.position") != 0 {
		t.Fatalf("called patient: %s", res.Raw)
	}
	res.str(t, "data.calledAt")
	res = h.do("GET", "/api/status/"+b, "").want(t, 200)
	if res.num(t, "data.position") != 1 || res.num(t, "data.estimatedWait") != 15 {
		t.Fatalf("after call-next, position 1 waits 15: %s", res.Raw)
	}
}

func TestMalformedPatientIDs(t *testing.T) {
	h := newHarness(t)
	valid := h.checkIn("Ana", phone(1))
	ids := []string{
		"nope", "", "123", strings.ToUpper(valid), valid + "0", valid[:35], valid + "/extra",
		"00000000-0000-4000-8000-000000000000", "%00", "..%2f..%2fetc",
		"' OR 1=1 --", strings.Repeat("a", 5000),
	}
	for _, id := range ids {
		name := id
		if len(name) > 40 {
			name = name[:40]
		}
		t.Run(name, func(t *testing.T) {
			for _, req := range []struct{ method, path string }{
				{"GET", "/api/position/" + url.PathEscape(id)},
				{"GET", "/api/status/" + url.PathEscape(id)},
				{"DELETE", "/api/checkin/" + url.PathEscape(id)},
			} {
				h.do(req.method, req.path, "").wantError(t, 404, queue.CodePatientNotFound)
			}
			if id == "" {
				return // an empty patientId in a body is a VALIDATION_ERROR (TestStaffOps)
			}
			for _, op := range []string{"complete", "no-show", "recall"} {
				b, _ := json.Marshal(map[string]string{"patientId": id})
				h.asStaff("POST", "/api/staff/"+op, string(b)).wantError(t, 404, queue.CodePatientNotFound)
			}
		})
	}
}

func TestCancel(t *testing.T) {
	h := newHarness(t)
	a := h.checkIn("Ana", phone(1))
	b := h.checkIn("Ben", phone(2))
	res := h.do("DELETE", "/api/checkin/"+a, "").want(t, 200)
	if res.str(t, "data.status") != "cancelled" || res.str(t, "data.patientId") != a {
		t.Fatalf("cancel: %s", res.Raw)
	}
	h.do("DELETE", "/api/checkin/"+a, "").wantError(t, 409, queue.CodeNotActive)
	if got := h.do("GET", "/api/position/"+b, "").want(t, 200).num(t, "data.position"); got != 1 {
		t.Fatalf("Ben moved to %d, want 1", got)
	}
	if got := h.do("GET", "/api/position/"+a, "").want(t, 200).str(t, "data.status"); got != "cancelled" {
		t.Fatalf("cancelled patient status %q", got)
	}
	// The phone is free again once its ticket is no longer active.
	h.checkIn("Ana", phone(1))
}

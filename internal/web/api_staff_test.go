package web

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"smartwait/internal/auth"
	"smartwait/internal/queue"
)

func TestStaffRoutesNeedAuth(t *testing.T) {
	h := newHarness(t)
	routes := []struct{ method, path string }{
		{"GET", "/api/staff/queue"}, {"GET", "/api/queue"}, {"POST", "/api/staff/call-next"},
		{"POST", "/api/staff/complete"}, {"POST", "/api/staff/no-show"}, {"POST", "/api/staff/recall"},
		{"GET", "/api/staff/stats"}, {"GET", "/api/queue/stats"}, {"GET", "/api/staff/notifications"},
		{"POST", "/api/staff/logout"}, {"GET", "/api/staff/me"}, {"GET", "/api/staff/users"},
		{"POST", "/api/staff/users"}, {"DELETE", "/api/staff/users/nurse"}, {"GET", "/health/detailed"},
	}
	creds := []struct{ name, header string }{
		{"none", ""}, {"basic", "Basic bnVyc2U6Y29ycmVjdCBob3JzZQ=="}, {"empty bearer", "Bearer "},
		{"garbage", "Bearer garbage"}, {"unknown", "Bearer " + strings.Repeat("A", 43)},
	}
	for _, r := range routes {
		for _, c := range creds {
			t.Run(r.method+" "+r.path+" "+c.name, func(t *testing.T) {
				var res response
				if c.header == "" {
					res = h.do(r.method, r.path, "")
				} else {
					res = h.do(r.method, r.path, "", "Authorization", c.header)
				}
				res.wantError(t, http.StatusUnauthorized, auth.CodeUnauthorized)
			})
		}
	}
}

func TestExpiredToken(t *testing.T) {
	h := newHarness(t)
	h.asStaff("GET", "/api/staff/me", "").want(t, 200)
	h.clock.Add(8*time.Hour + time.Second)
	h.asStaff("GET", "/api/staff/queue", "").wantError(t, 401, auth.CodeInvalidToken)
}

func TestStaffQueue(t *testing.T) {
	h := newHarness(t)
	for _, path := range []string{"/api/staff/queue", "/api/queue"} {
		res := h.asStaff("GET", path, "").want(t, 200)
		if res.num(t, "count") != 0 || len(res.list(t, "data")) != 0 {
			t.Fatalf("empty queue: %s", res.Raw)
		}
	}
	a := h.checkIn("Ana", phone(1))
	h.clock.Add(5 * time.Minute)
	b := h.checkIn("Ben", "(415) 200-0002")
	h.clock.Add(5 * time.Minute)
	c := h.checkIn("Cy", phone(3))
	h.clock.Add(time.Minute)
	h.asStaff("POST", "/api/staff/call-next", `{"room":"Room 2"}`).want(t, 200)
	h.clock.Add(4 * time.Minute)

	for _, path := range []string{"/api/staff/queue", "/api/queue"} {
		res := h.asStaff("GET", path, "").want(t, 200)
		if res.num(t, "count") != 3 {
			t.Fatalf("count: %s", res.Raw)
		}
		// Called first, then waiting in position order.
		for i, want := range []struct {
			id, status    string
			position, est int
			waited        int
		}{{a, "called", 0, 0, 11}, {b, "waiting", 1, 15, 10}, {c, "waiting", 2, 30, 5}} {
			p := "data." + string(rune('0'+i)) + "."
			if res.str(t, p+"id") != want.id || res.str(t, p+"patientId") != want.id || res.str(t, p+"patient.id") != want.id {
				t.Fatalf("entry %d ids: %s", i, res.Raw)
			}
			if res.str(t, p+"status") != want.status || res.num(t, p+"position") != want.position ||
				res.num(t, p+"estimatedWaitMinutes") != want.est || res.num(t, p+"waitingMinutes") != want.waited {
				t.Fatalf("entry %d = %v, want %+v", i, res.list(t, "data")[i], want)
			}
			for _, f := range []string{"ticketNumber", "checkInTime", "appointmentTime", "patient.name", "patient.phone", "patient.createdAt"} {
				res.str(t, p+f)
			}
			for _, f := range []string{"calledAt", "completedAt"} {
				if _, ok := res.get(p + f); !ok {
					t.Fatalf("entry %d lacks %s: %s", i, f, res.Raw)
				}
			}
		}
		if res.str(t, "data.1.patient.phone") != "+14152000002" {
			t.Fatalf("phone must be E.164: %s", res.Raw)
		}
		if res.str(t, "data.0.calledAt") != "2026-11-28T09:11:00.000Z" {
			t.Fatalf("calledAt: %s", res.Raw)
		}
	}
}

func TestCallNext(t *testing.T) {
	h := newHarness(t)
	h.asStaff("POST", "/api/staff/call-next", "").wantError(t, 404, queue.CodeNoneWaiting)
	a := h.checkIn("Ana", phone(1))
	h.checkIn("Ben", phone(2))

	res := h.asStaff("POST", "/api/staff/call-next", `{"room":" 4 "}`).want(t, 200)
	for f, want := range map[string]string{
		"data.id": a, "data.patientId": a, "data.patient.id": a, "data.name": "Ana", "data.patient.name": "Ana",
		"data.phone": phone(1), "data.patient.phone": phone(1), "data.ticketNumber": "A-001",
		"data.status": "called", "data.room": "4", "data.calledAt": "2026-11-28T09:00:00.000Z",
	} {
		if got := res.str(t, f); got != want {
			t.Fatalf("%s = %q, want %q: %s", f, got, want, res.Raw)
		}
	}
	if !strings.Contains(res.str(t, "message"), "called") {
		t.Fatalf("message %q must contain \"called\"", res.str(t, "message"))
	}
	// No body at all is fine (room is optional).
	res = h.asStaff("POST", "/api/staff/call-next", "").want(t, 200)
	if res.str(t, "data.room") != "" {
		t.Fatalf("room: %s", res.Raw)
	}
	h.asStaff("POST", "/api/staff/call-next", `{}`).wantError(t, 404, queue.CodeNoneWaiting)
	h.checkIn("Cy", phone(3))
	for _, bad := range []string{`{"room":5}`, `{"room":"` + strings.Repeat("r", 51) + `"}`, `{"room":"a\u0000b"}`, `{"floor":"2"}`} {
		h.asStaff("POST", "/api/staff/call-next", bad).wantError(t, 400, queue.CodeValidation)
	}
	h.asStaff("POST", "/api/staff/call-next", `{"room":`).wantError(t, 400, codeInvalidJSON)
}

func TestStaffTicketOps(t *testing.T) {
	tests := []struct {
		op       string
		called   bool // call the patient first
		code     int
		errCode  string
		status   string
		secondOK bool // whether repeating the op succeeds
	}{
		{op: "complete", called: true, code: 200, status: "completed"},
		{op: "complete", called: false, code: 200, status: "completed"},
		{op: "no-show", called: true, code: 200, status: "no_show"},
		{op: "no-show", called: false, code: 200, status: "no_show"},
		{op: "recall", called: true, code: 200, status: "called", secondOK: true},
		{op: "recall", called: false, code: 409, errCode: queue.CodeNotCalled},
	}
	for _, tt := range tests {
		name := tt.op + " waiting"
		if tt.called {
			name = tt.op + " called"
		}
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			id := h.checkIn("Ana", phone(1))
			if tt.called {
				h.asStaff("POST", "/api/staff/call-next", "").want(t, 200)
			}
			body := `{"patientId":"` + id + `"}`
			res := h.asStaff("POST", "/api/staff/"+tt.op, body)
			if tt.errCode != "" {
				res.wantError(t, tt.code, tt.errCode)
				return
			}
			res.want(t, tt.code)
			if res.str(t, "data.status") != tt.status || res.str(t, "data.patientId") != id || res.str(t, "message") == "" {
				t.Fatalf("body %s", res.Raw)
			}
			if got := h.do("GET", "/api/status/"+id, "").want(t, 200).str(t, "data.status"); got != tt.status {
				t.Fatalf("status after %s = %s", tt.op, got)
			}
			again := h.asStaff("POST", "/api/staff/"+tt.op, body)
			if tt.secondOK {
				again.want(t, 200)
			} else {
				again.wantError(t, 404, queue.CodePatientNotFound)
			}
		})
	}
	t.Run("validation", func(t *testing.T) {
		h := newHarness(t)
		for _, op := range []string{"complete", "no-show", "recall"} {
			for _, body := range []string{``, `{}`, `{"patientId":""}`, `{"patientId":7}`, `{"patientId":"x","extra":"y"}`} {
				h.asStaff("POST", "/api/staff/"+op, body).wantError(t, 400, queue.CodeValidation)
			}
			h.asStaff("POST", "/api/staff/"+op, `{"patientId":"x"`).wantError(t, 400, codeInvalidJSON)
		}
	})
}

func TestStats(t *testing.T) {
	h := newHarness(t)
	a := h.checkIn("Ana", phone(1))
	h.checkIn("Ben", phone(2))
	h.clock.Add(10 * time.Minute)
	h.asStaff("POST", "/api/staff/call-next", "").want(t, 200)
	h.clock.Add(6 * time.Minute)
	h.asStaff("POST", "/api/staff/complete", `{"patientId":"`+a+`"}`).want(t, 200)
	for _, path := range []string{"/api/staff/stats", "/api/queue/stats"} {
		res := h.asStaff("GET", path, "").want(t, 200)
		for f, want := range map[string]int{
			"data.totalWaiting": 1, "data.totalCalled": 0, "data.totalCompleted": 1, "data.totalNoShow": 0,
			"data.averageWaitTime": 10, "data.longestWaitTime": 16, "data.averageServiceTime": 6,
		} {
			if got := res.num(t, f); got != want {
				t.Fatalf("%s = %d, want %d: %s", f, got, want, res.Raw)
			}
		}
	}
}

func TestNotifications(t *testing.T) {
	h := newHarness(t)
	a := h.checkIn("Ana", phone(1))
	b := h.checkIn("Ben", phone(2))
	h.asStaff("POST", "/api/staff/call-next", `{"room":"2"}`).want(t, 200)

	res := h.asStaff("GET", "/api/staff/notifications?patientId="+a, "").want(t, 200)
	kinds := map[string]bool{}
	for i := range res.list(t, "data") {
		p := "data." + string(rune('0'+i)) + "."
		if res.str(t, p+"patientId") != a || res.str(t, p+"to") != phone(1) || res.str(t, p+"status") != "pending" {
			t.Fatalf("message %d: %s", i, res.Raw)
		}
		res.num(t, p+"id")
		res.num(t, p+"attempts")
		res.str(t, p+"body")
		res.str(t, p+"createdAt")
		for _, f := range []string{"lastError", "providerId", "sentAt"} {
			if _, ok := res.get(p + f); !ok {
				t.Fatalf("message %d lacks %s: %s", i, f, res.Raw)
			}
		}
		kinds[res.str(t, p+"kind")] = true
	}
	for _, k := range []string{"confirmation", "called"} {
		if !kinds[k] {
			t.Fatalf("no %s message for the called patient: %s", k, res.Raw)
		}
	}
	if res.num(t, "count") != len(res.list(t, "data")) {
		t.Fatalf("count: %s", res.Raw)
	}
	all := h.asStaff("GET", "/api/staff/notifications", "").want(t, 200)
	if all.num(t, "count") <= res.num(t, "count") {
		t.Fatalf("all messages (%d) must include Ben's too", all.num(t, "count"))
	}
	if !strings.Contains(all.Raw, b) {
		t.Fatalf("Ben's confirmation missing: %s", all.Raw)
	}
	h.asStaff("GET", "/api/staff/notifications?patientId=nope", "").wantError(t, 404, queue.CodePatientNotFound)
	h.asStaff("GET", "/api/staff/notifications?patientId=00000000-0000-4000-8000-000000000000", "").
		wantError(t, 404, queue.CodePatientNotFound)
}

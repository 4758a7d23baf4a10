package web

import (
	"strings"
	"testing"
	"time"

	"smartwait/internal/queue"
)

func TestRooms(t *testing.T) {
	h := newHarness(t)
	h.addLine("lab", "Lab", "L", nil)
	res := h.asStaff("GET", "/api/staff/rooms", "").want(t, 200)
	if res.num(t, "count") != 0 || len(res.list(t, "data")) != 0 {
		t.Fatalf("no rooms yet: %s", res.Raw)
	}
	r1 := h.addRoom("Room 1", "lab", "default")
	if r1.str(t, "data.name") != "Room 1" || r1.get1(t, "data.open") != true || r1.num(t, "data.position") != 0 ||
		r1.str(t, "data.lines.0") != "lab" || r1.str(t, "data.lines.1") != "default" {
		t.Fatalf("room 1: %s", r1.Raw)
	}
	r2 := h.asAdmin("POST", "/api/staff/rooms", `{"name":"  Room 2 ","lines":[],"open":false}`).want(t, 201)
	if r2.str(t, "data.name") != "Room 2" || r2.get1(t, "data.open") != false || r2.num(t, "data.position") != 1 ||
		len(r2.list(t, "data.lines")) != 0 {
		t.Fatalf("room 2, trimmed, closed, serving nothing yet: %s", r2.Raw)
	}
	// Lines may be left out: the room serves none until an admin says.
	r3 := h.asAdmin("POST", "/api/staff/rooms", `{"name":"Spare"}`).want(t, 201)
	if len(r3.list(t, "data.lines")) != 0 {
		t.Fatalf("spare: %s", r3.Raw)
	}

	// Staff open and close; admins change the rest.
	res = h.asStaff("PATCH", "/api/staff/rooms/Room%202", `{"open":true}`).want(t, 200)
	if res.get1(t, "data.open") != true || res.str(t, "message") != "Room Room 2 opened" {
		t.Fatalf("opened: %s", res.Raw)
	}
	res = h.asStaff("PATCH", "/api/staff/rooms/Room%201", `{"open":false}`).want(t, 200)
	if res.get1(t, "data.open") != false || res.str(t, "message") != "Room Room 1 closed" {
		t.Fatalf("closed: %s", res.Raw)
	}
	res = h.asAdmin("PATCH", "/api/staff/rooms/Room%202", `{"name":"Consult 2","lines":["default","lab"],"position":9}`).want(t, 200)
	if res.str(t, "data.name") != "Consult 2" || res.num(t, "data.position") != 9 || res.str(t, "data.lines.0") != "default" {
		t.Fatalf("renamed: %s", res.Raw)
	}
	res = h.asStaff("GET", "/api/staff/rooms", "").want(t, 200)
	if res.num(t, "count") != 3 || res.str(t, "data.0.name") != "Room 1" || res.str(t, "data.2.name") != "Consult 2" {
		t.Fatalf("rooms by position: %s", res.Raw)
	}

	tests := []struct {
		name, method, path, body string
		code                     int
		errCode, field           string
	}{
		{"name taken", "POST", "/api/staff/rooms", `{"name":"Room 1","lines":["lab"]}`, 400, queue.CodeValidation, "name"},
		{"no name", "POST", "/api/staff/rooms", `{"lines":["lab"]}`, 400, queue.CodeValidation, "name"},
		{"long name", "POST", "/api/staff/rooms", `{"name":"` + strings.Repeat("r", 51) + `","lines":["lab"]}`, 400, queue.CodeValidation, "name"},
		{"slash", "POST", "/api/staff/rooms", `{"name":"Lab 1/2","lines":["lab"]}`, 400, queue.CodeValidation, "name"},
		{"control", "POST", "/api/staff/rooms", `{"name":"Room\u0007","lines":["lab"]}`, 400, queue.CodeValidation, "name"},
		{"unknown line", "POST", "/api/staff/rooms", `{"name":"Room 4","lines":["xray"]}`, 400, queue.CodeValidation, "lines"},
		{"line twice", "POST", "/api/staff/rooms", `{"name":"Room 4","lines":["lab","lab"]}`, 400, queue.CodeValidation, "lines"},
		{"lines as string", "POST", "/api/staff/rooms", `{"name":"Room 4","lines":"lab"}`, 400, queue.CodeValidation, "lines"},
		{"lines of numbers", "POST", "/api/staff/rooms", `{"name":"Room 4","lines":[1]}`, 400, queue.CodeValidation, "lines"},
		{"lines with null", "POST", "/api/staff/rooms", `{"name":"Room 4","lines":["lab",null]}`, 400, queue.CodeValidation, "lines"},
		{"open as string", "POST", "/api/staff/rooms", `{"name":"Room 4","lines":["lab"],"open":"no"}`, 400, queue.CodeValidation, "open"},
		{"position on create", "POST", "/api/staff/rooms", `{"name":"Room 4","lines":["lab"],"position":1}`, 400, queue.CodeValidation, "position"},
		{"rename to a taken name", "PATCH", "/api/staff/rooms/Room%201", `{"name":"Consult 2"}`, 400, queue.CodeValidation, "name"},
		{"rename with a slash", "PATCH", "/api/staff/rooms/Room%201", `{"name":"a/b"}`, 400, queue.CodeValidation, "name"},
		{"position fraction", "PATCH", "/api/staff/rooms/Room%201", `{"position":0.5}`, 400, queue.CodeValidation, "position"},
		{"unknown field", "PATCH", "/api/staff/rooms/Room%201", `{"floor":2}`, 400, queue.CodeValidation, "floor"},
		{"unknown room", "PATCH", "/api/staff/rooms/Nowhere", `{"open":true}`, 404, queue.CodeLineNotFound, ""},
		{"delete unknown room", "DELETE", "/api/staff/rooms/Nowhere", ``, 404, queue.CodeLineNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.asAdmin(tt.method, tt.path, tt.body).wantError(t, tt.code, tt.errCode)
			if tt.field != "" && res.str(t, "error.details.field") != tt.field {
				t.Fatalf("details.field, want %q: %s", tt.field, res.Raw)
			}
		})
	}
	// A staff member's bad {open} is a 400 too, not a 403.
	h.asStaff("PATCH", "/api/staff/rooms/Room%201", `{"open":"yes"}`).wantError(t, 400, queue.CodeValidation)
	h.asStaff("PATCH", "/api/staff/rooms/Nowhere", `{"open":true}`).wantError(t, 404, queue.CodeLineNotFound)

	h.asAdmin("DELETE", "/api/staff/rooms/Spare", "").want(t, 200)
	res = h.asStaff("GET", "/api/staff/rooms", "").want(t, 200)
	if res.num(t, "count") != 2 || strings.Contains(res.Raw, "Spare") || strings.Contains(res.Raw, "Room 4") {
		t.Fatalf("after the refusals and the delete: %s", res.Raw)
	}
}

func TestCallNextForRooms(t *testing.T) {
	h := newHarness(t)
	h.addLine("lab", "Lab", "L", nil)
	h.addLine("xray", "X-ray", "X", map[string]any{"open": false})
	h.addRoom("Room 1", "default", "lab")
	h.addRoom("Imaging", "xray")
	a := h.checkIn("Ana", phone(1))
	h.clock.Add(time.Minute)
	l := h.checkInTo("lab", "Lou", phone(2), "10:00").str(t, "data.patientId")

	// Once rooms are set up, call-next names one.
	for _, body := range []string{``, `{}`, `{"room":"Nowhere"}`, `{"room":"Room 1","line":"xray"}`, `{"room":"Room 1","line":"Bad!"}`, `{"room":"Room 1","line":7}`} {
		h.asStaff("POST", "/api/staff/call-next", body).wantError(t, 400, queue.CodeValidation)
	}
	// A room whose only line is closed and empty has nothing to call.
	h.asStaff("POST", "/api/staff/call-next", `{"room":"Imaging"}`).wantError(t, 409, queue.CodeLineClosed)

	// line narrows the call to one of the room's lines: Lou, though Ana came first.
	res := h.asStaff("POST", "/api/staff/call-next", `{"room":"Room 1","line":"lab"}`).want(t, 200)
	if res.str(t, "data.patientId") != l || res.str(t, "data.line") != "lab" || res.str(t, "data.room") != "Room 1" ||
		res.str(t, "data.ticketNumber") != "L-001" || res.str(t, "message") != "Patient L-001 called" {
		t.Fatalf("called from the lab: %s", res.Raw)
	}
	res = h.asStaff("POST", "/api/staff/call-next", `{"room":"Room 1"}`).want(t, 200)
	if res.str(t, "data.patientId") != a || res.str(t, "data.line") != "default" {
		t.Fatalf("then Ana: %s", res.Raw)
	}
	h.asStaff("POST", "/api/staff/call-next", `{"room":"Room 1"}`).wantError(t, 404, queue.CodeNoneWaiting)

	h.checkIn("Ben", phone(3))
	h.asStaff("PATCH", "/api/staff/rooms/Room%201", `{"open":false}`).want(t, 200)
	h.asStaff("POST", "/api/staff/call-next", `{"room":"Room 1"}`).wantError(t, 409, queue.CodeRoomClosed)
	h.asStaff("PATCH", "/api/staff/rooms/Room%201", `{"open":true}`).want(t, 200)
	h.asStaff("POST", "/api/staff/call-next", `{"room":"Room 1"}`).want(t, 200)
}

package web

import (
	"testing"
	"time"

	"smartwait/internal/queue"
)

// TestClinicDay is issue 12's "done when", over the API: a clinic with a
// walk-in line (the default), a booked line, a lab and a triage line; two
// rooms serving walk-ins and booked patients, one the lab and triage; a
// front-desk check-in without a phone; a transfer from triage keeping the
// patient's place; an urgent patient; early, on-time and late appointments.
// It asserts every position and which patient each room's call-next gets.
func TestClinicDay(t *testing.T) {
	h := newHarness(t) // Saturday 2026-11-28, 09:00 UTC, the clinic's zone
	at := func(hhmm string) {
		t.Helper()
		want, err := time.Parse("2006-01-02 15:04", "2026-11-28 "+hhmm)
		if err != nil {
			t.Fatal(err)
		}
		if d := want.Sub(h.clock.Now()); d < 0 {
			t.Fatalf("the clock is past %s", hhmm)
		} else {
			h.clock.Add(d)
		}
	}

	// The admin sets the clinic up.
	h.asAdmin("PATCH", "/api/staff/lines/default", `{"name":"Walk-in"}`).want(t, 200)
	h.addLine("booked", "Appointments", "B", map[string]any{"appointments": true, "graceMinutes": 15})
	h.addLine("lab", "Lab", "L", nil)
	h.addLine("triage", "Triage", "T", nil)
	h.addRoom("Room 1", "booked", "default")
	h.addRoom("Room 2", "booked", "default")
	h.addRoom("Lab", "lab", "triage")
	if got := h.do("GET", "/api/lines", "").want(t, 200).num(t, "count"); got != 4 {
		t.Fatalf("%d public lines, want 4", got)
	}

	// The morning's arrivals.
	id := func(r response) string { return r.str(t, "data.patientId") }
	w1 := id(h.checkInTo("", "Walker One", phone(1), "none")) // 09:00, due 09:00
	at("09:01")
	t1 := id(h.checkInTo("triage", "Tri One", phone(2), "09:00")) // due 09:01
	at("09:02")
	early := h.checkInTo("booked", "Early Bird", phone(3), "09:30") // early: due 09:30
	b1 := id(early)
	at("09:03")
	w2 := id(h.checkInTo("default", "Walker Two", phone(4), "10:00")) // no appointments in this line: due 09:03
	at("09:04")
	fd := h.asStaff("POST", "/api/staff/checkin", `{"name":"Maria Santos","line":"lab"}`).want(t, 201) // no phone
	m := id(fd)
	at("09:05")
	w3 := id(h.checkInTo("default", "Walker Three", phone(5), "anytime"))
	at("09:08")
	b2 := id(h.checkInTo("booked", "On Time", phone(6), "9:00 AM")) // 8 minutes late, within grace: due 09:00
	at("09:10")
	b3 := id(h.checkInTo("booked", "Late Comer", phone(7), "8:30")) // 40 minutes late: a walk-in, due 09:10
	at("09:11")
	u := id(h.checkInTo("default", "Urgent Case", phone(8), "none"))
	h.asStaff("POST", "/api/staff/priority", `{"patientId":"`+u+`","urgent":true}`).want(t, 200)

	if early.str(t, "data.ticketNumber") != "B-001" || early.num(t, "data.position") != 1 ||
		fd.str(t, "data.ticketNumber") != "L-001" || fd.str(t, "data.line") != "lab" {
		t.Fatalf("check-ins: %s\n%s", early.Raw, fd.Raw)
	}
	wantPositions := func(line string, ids ...string) {
		t.Helper()
		got := h.positions(line)
		waiting := 0
		for _, p := range got {
			if p > 0 {
				waiting++
			}
		}
		for i, id := range ids {
			if got[id] != i+1 {
				t.Fatalf("line %s: positions %v, want %v in this order", line, got, ids)
			}
		}
		if waiting != len(ids) {
			t.Fatalf("line %s: %d waiting, want %d", line, waiting, len(ids))
		}
	}
	wantPositions("default", u, w1, w2, w3)
	wantPositions("booked", b2, b3, b1) // on time, late (due at arrival), early (due at 09:30)
	wantPositions("lab", m)
	wantPositions("triage", t1)
	if st := h.do("GET", "/api/position/"+b1, "").want(t, 200); st.num(t, "data.position") != 3 || st.num(t, "data.queueLength") != 3 {
		t.Fatalf("the early patient's own view: %s", st.Raw)
	}

	call := func(room, want string) {
		t.Helper()
		res := h.asStaff("POST", "/api/staff/call-next", `{"room":"`+room+`"}`).want(t, 200)
		if got := res.str(t, "data.patientId"); got != want {
			t.Fatalf("%s called %s (%s), want %s", room, res.str(t, "data.name"), got, want)
		}
		if res.str(t, "data.room") != room {
			t.Fatalf("room: %s", res.Raw)
		}
	}
	// Triage first: the lab room's earliest head is the triage patient (due
	// 09:01, before Maria's 09:04).
	at("09:12")
	call("Lab", t1)
	// Triaged, Tri One goes to the doctors' walk-in line keeping her place:
	// due at her check-in, 09:01, behind the urgent patient and Walker One.
	at("09:15")
	res := h.asStaff("POST", "/api/staff/transfer", `{"patientId":"`+t1+`","line":"default","keepPlace":true}`).want(t, 200)
	if res.str(t, "data.ticketNumber") != "T-001" || res.num(t, "data.position") != 3 {
		t.Fatalf("transfer: %s", res.Raw)
	}
	wantPositions("default", u, w1, t1, w2, w3)
	wantPositions("triage")
	call("Lab", m)
	h.asStaff("POST", "/api/staff/call-next", `{"room":"Lab"}`).wantError(t, 404, queue.CodeNoneWaiting)

	// The doctors' rooms: urgent first, then the earliest due across both
	// lines; a tie (On Time due 09:00, Walker One checked in at 09:00) goes to
	// the line the room lists first, booked.
	call("Room 1", u)
	call("Room 2", b2)
	call("Room 1", w1)
	call("Room 2", t1)
	wantPositions("default", w2, w3)
	wantPositions("booked", b3, b1)
	call("Room 1", w2)
	h.asStaff("PATCH", "/api/staff/rooms/Room%202", `{"open":false}`).want(t, 200) // a staff member closes Room 2
	h.asStaff("POST", "/api/staff/call-next", `{"room":"Room 2"}`).wantError(t, 409, queue.CodeRoomClosed)
	call("Room 1", w3)
	call("Room 1", b3)
	// Nobody else waits: the early patient is called before their time.
	call("Room 1", b1)
	h.asStaff("POST", "/api/staff/call-next", `{"room":"Room 1"}`).wantError(t, 404, queue.CodeNoneWaiting)

	// The front desk's patient got no texts; the others their confirmation.
	if n := h.asStaff("GET", "/api/staff/notifications?patientId="+m, "").want(t, 200).num(t, "count"); n != 0 {
		t.Fatalf("%d texts for Maria, who has no phone", n)
	}
	q := h.asStaff("GET", "/api/staff/queue", "").want(t, 200)
	if q.num(t, "count") != 9 {
		t.Fatalf("%d called, want all 9: %s", q.num(t, "count"), q.Raw)
	}
}

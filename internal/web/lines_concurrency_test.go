package web

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// Exact outcomes of concurrent requests across lines (issue 12), over a live
// server and one SQLite file, as in concurrency_test.go.

func TestConcurrentCheckInsOverLines(t *testing.T) {
	h := newHarness(t)
	lines := []string{"default", "lab", "xray", "vax"}
	for i, l := range lines[1:] {
		h.addLine(l, l, string(rune('L'+i)), nil)
	}
	srv := h.liveServer()
	const n = 100
	rs := parallel(t, n, func(i int) (*http.Response, error) {
		return post(srv, "/api/checkin", "", fmt.Sprintf(`{"name":"Patient %d","phone":"%s","appointmentTime":"10:00","line":"%s"}`,
			i, phone(i), lines[i%len(lines)]))
	})
	if c := codes(rs); c[201] != n {
		t.Fatalf("codes %v, want %d × 201", c, n)
	}
	positions := map[string][]int{}
	tickets := map[string]bool{}
	for i, r := range rs {
		line := data(r, "line").(string)
		if line != lines[i%len(lines)] {
			t.Fatalf("request %d landed in %s", i, line)
		}
		positions[line] = append(positions[line], int(data(r, "position").(float64)))
		tickets[data(r, "ticketNumber").(string)] = true
	}
	for _, l := range lines {
		p := positions[l]
		slices.Sort(p)
		for i := range p {
			if p[i] != i+1 || len(p) != n/len(lines) {
				t.Fatalf("line %s: positions %v, want exactly 1..%d", l, p, n/len(lines))
			}
		}
		if got := h.asStaff("GET", "/api/staff/queue?line="+l, "").want(t, 200).num(t, "count"); got != n/len(lines) {
			t.Fatalf("line %s holds %d", l, got)
		}
	}
	if len(tickets) != n {
		t.Fatalf("%d distinct ticket numbers, want %d", len(tickets), n)
	}
}

func TestConcurrentRoomsSharingALine(t *testing.T) {
	h := newHarness(t)
	h.addRoom("Room 1", "default")
	h.addRoom("Room 2", "default")
	waiting := map[string]bool{}
	for i := range 10 {
		waiting[h.checkIn(fmt.Sprintf("P%d", i), phone(i))] = true
	}
	srv := h.liveServer()
	rooms := []string{"Room 1", "Room 2"}
	rs := parallel(t, 12, func(i int) (*http.Response, error) {
		return post(srv, "/api/staff/call-next", h.staff, `{"room":"`+rooms[i%2]+`"}`)
	})
	if c := codes(rs); c[200] != 10 || c[404] != 2 {
		t.Fatalf("codes %v, want ten 200 and two 404", c)
	}
	called := map[string]bool{}
	for i, r := range rs {
		if r.code != 200 {
			continue
		}
		id := data(r, "patientId").(string)
		if called[id] || !waiting[id] {
			t.Fatalf("patient %s called twice or unknown", id)
		}
		called[id] = true
		if data(r, "room") != rooms[i%2] {
			t.Fatalf("call %d for %s answered room %v", i, rooms[i%2], data(r, "room"))
		}
	}
}

func TestConcurrentUrgentAndCallNext(t *testing.T) {
	h := newHarness(t)
	h.addRoom("Room 1", "default")
	var ids []string
	for i := range 6 {
		ids = append(ids, h.checkIn(fmt.Sprintf("P%d", i), phone(i)))
	}
	srv := h.liveServer()
	// Six calls and six urgent marks, all at once.
	rs := parallel(t, 12, func(i int) (*http.Response, error) {
		if i%2 == 0 {
			return post(srv, "/api/staff/call-next", h.staff, `{"room":"Room 1"}`)
		}
		return post(srv, "/api/staff/priority", h.staff, `{"patientId":"`+ids[i/2]+`","urgent":true}`)
	})
	called := map[string]bool{}
	for i, r := range rs {
		switch {
		case i%2 == 0 && r.code == 200:
			id := data(r, "patientId").(string)
			if called[id] {
				t.Fatalf("patient %s called twice", id)
			}
			called[id] = true
		case i%2 == 0:
			t.Fatalf("call-next %d: %d %v", i, r.code, r.body)
		case r.code != 200 && !(r.code == 409 && strings.Contains(fmt.Sprint(r.body), "NOT_WAITING")):
			t.Fatalf("urgent mark %d: %d %v", i, r.code, r.body)
		}
	}
	if len(called) != len(ids) {
		t.Fatalf("%d patients called, want every one of %d", len(called), len(ids))
	}
	q := h.asStaff("GET", "/api/staff/queue", "").want(t, 200)
	if q.num(t, "count") != len(ids) || strings.Contains(q.Raw, `"status":"waiting"`) {
		t.Fatalf("after the race: %s", q.Raw)
	}
}

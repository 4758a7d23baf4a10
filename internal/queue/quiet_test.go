package queue_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"smartwait/internal/queue"
)

// A room whose staff went home without closing it on the dashboard stops
// counting once patients have waited longer than a typical visit and it has
// neither a patient nor finished one in that time: quotes divide the work by
// the rooms that are working. Before, the open room kept halving every quote.
func TestQuietRoomStopsCounting(t *testing.T) {
	h, checkIn := twoRooms(t)
	ctx := context.Background()
	visit := func(room string) {
		t.Helper()
		checkIn()
		e, err := h.svc.Call(ctx, queue.CallRequest{Room: room})
		if err != nil {
			t.Fatal(err)
		}
		h.advance(10 * time.Minute)
		if _, err := h.svc.Complete(ctx, e.ID); err != nil {
			t.Fatal(err)
		}
	}
	// A morning of 10-minute visits in both rooms: history, and both working.
	for range 6 {
		visit("Room 1")
		visit("Room 2")
	}
	// Six wait; Room 1 takes one, Room 2's staff leave without closing it.
	var waiting []queue.Entry
	for range 6 {
		waiting = append(waiting, checkIn())
	}
	if _, err := h.svc.Call(ctx, queue.CallRequest{Room: "Room 1"}); err != nil {
		t.Fatal(err)
	}
	last := waiting[len(waiting)-1].ID
	quote := func() int {
		t.Helper()
		st, err := h.svc.Status(ctx, last)
		if err != nil {
			t.Fatal(err)
		}
		return st.EstimatedWait
	}
	both := quote() // 4 ahead and the visit in Room 1, over two rooms
	// Twelve minutes on, nobody has been called from Room 2 while the head of
	// the line waited longer than a visit: only Room 1 counts.
	h.advance(12 * time.Minute)
	one := quote()
	t.Logf("position 5: %d min with both rooms counted, %d once Room 2 is quiet", both, one)
	if one < both+10 {
		t.Errorf("quiet Room 2 still counted: quote %d, was %d with both rooms", one, both)
	}
	// The queue's layout agrees with the status read.
	entries, _, err := h.svc.Queue(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.ID == last && e.EstimatedWait != one {
			t.Errorf("queue quotes %d, status %d", e.EstimatedWait, one)
		}
	}
	// Room 2 calls again: it counts again at once.
	if _, err := h.svc.Call(ctx, queue.CallRequest{Room: "Room 2"}); err != nil {
		t.Fatal(err)
	}
	if again := quote(); again >= one-5 {
		t.Errorf("Room 2 working again, quote %d, was %d while it was quiet", again, one)
	}
}

// In a clinic that calls the next patient as soon as a room frees, a room left
// free while patients wait has stopped serving after minutes, not a visit:
// the grace is learned from the rooms' turnarounds. And it stays quiet once
// the line empties: a patient who then checks in while the other room is busy
// is not told a room is free for them. Before, a room counted until the head
// of the line had waited a whole visit, and again whenever nobody waited.
func TestQuietRoomNoticedWithinTurnaround(t *testing.T) {
	h, checkIn := twoRooms(t)
	ctx := context.Background()
	call := func(room string) string {
		t.Helper()
		e, err := h.svc.Call(ctx, queue.CallRequest{Room: room})
		if err != nil {
			t.Fatal(err)
		}
		return e.ID
	}
	complete := func(id string) {
		t.Helper()
		if _, err := h.svc.Complete(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	// A busy morning: both rooms call the next patient the moment they free,
	// two patients always waiting.
	for range 4 {
		checkIn()
	}
	in := map[string]string{"Room 1": call("Room 1"), "Room 2": call("Room 2")}
	for range 8 {
		checkIn()
		checkIn()
		h.advance(10 * time.Minute)
		for _, room := range []string{"Room 1", "Room 2"} {
			complete(in[room])
			in[room] = call(room)
		}
	}
	quote := func(id string) int {
		t.Helper()
		st, err := h.svc.Status(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return st.EstimatedWait
	}
	// Room 2's staff finish their patient and leave without closing it.
	waiting := []queue.Entry{checkIn(), checkIn(), checkIn()}
	h.advance(5 * time.Minute)
	complete(in["Room 2"])
	last := waiting[len(waiting)-1].ID
	both := quote(last)
	h.advance(4 * time.Minute) // longer than the learned grace, shorter than a visit
	one := quote(last)
	t.Logf("position 5: %d min while Room 2 may call, %d once it stood free 4 min", both, one)
	if one < both+5 {
		t.Errorf("Room 2, free for 4 minutes while 5 wait, still counted: quote %d, was %d", one, both)
	}
	// Room 1 alone sees everyone; the line empties.
	h.advance(time.Minute)
	for i := range 5 {
		complete(in["Room 1"])
		in["Room 1"] = call("Room 1")
		if i < 4 {
			h.advance(10 * time.Minute)
		}
	}
	// Halfway through Room 1's visit, a patient checks in to the empty line
	// while Room 2 stands open, quiet.
	h.advance(5 * time.Minute)
	e := checkIn()
	if e.Position != 1 || e.EstimatedWait < 4 {
		t.Errorf("new patient behind Room 1's visit with 5 minutes to go, Room 2 quiet: position %d, quoted %d min", e.Position, e.EstimatedWait)
	}
}

// twoRooms is a line served by two open rooms, "Room 1" and "Room 2", and a
// walk-in check-in for it, each patient with a new number.
func twoRooms(t *testing.T) (*harness, func() queue.Entry) {
	t.Helper()
	h := newHarness(t, func(c *queue.Config) { c.Estimator.Rooms = 2 })
	ctx := context.Background()
	for _, name := range []string{"Room 1", "Room 2"} {
		if _, err := h.svc.CreateRoom(ctx, queue.Room{Name: name, Lines: []string{queue.DefaultQueueID}, Open: true}); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	return h, func() queue.Entry {
		t.Helper()
		e, err := h.svc.CheckIn(ctx, queue.CheckInRequest{Name: fmt.Sprintf("Patient %d", n), Phone: fmt.Sprintf("+1415555%04d", 2000+n), AppointmentTime: "walk-in"})
		if err != nil {
			t.Fatal(err)
		}
		n++
		return e
	}
}

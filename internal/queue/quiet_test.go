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
	h := newHarness(t, func(c *queue.Config) { c.Estimator.Rooms = 2 })
	ctx := context.Background()
	for _, name := range []string{"Room 1", "Room 2"} {
		if _, err := h.svc.CreateRoom(ctx, queue.Room{Name: name, Lines: []string{queue.DefaultQueueID}, Open: true}); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	checkIn := func() queue.Entry {
		t.Helper()
		e, err := h.svc.CheckIn(ctx, queue.CheckInRequest{Name: fmt.Sprintf("Patient %d", n), Phone: fmt.Sprintf("+1415555%04d", 2000+n), AppointmentTime: "walk-in"})
		if err != nil {
			t.Fatal(err)
		}
		n++
		return e
	}
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

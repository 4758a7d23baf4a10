package queue_test

import (
	"context"
	"testing"
	"time"

	"smartwait/internal/queue"
)

func TestTodayListsTheDaysTicketsWithPositions(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	yesterday := h.checkIn(t, 0)
	if _, err := h.svc.Complete(ctx, yesterday.ID); err != nil {
		t.Fatal(err)
	}
	h.advance(24 * time.Hour)
	a, b, c := h.checkIn(t, 1), h.checkIn(t, 2), h.checkIn(t, 3)
	if _, err := h.svc.CallNext(ctx, "", "Room 1"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.Cancel(ctx, c.ID); err != nil {
		t.Fatal(err)
	}

	got, err := h.svc.Today(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		id       string
		status   queue.Status
		position int
		room     string
	}
	want := []row{
		{a.ID, queue.StatusCalled, 0, "Room 1"},
		{b.ID, queue.StatusWaiting, 1, ""},
		{c.ID, queue.StatusCancelled, 0, ""},
	}
	if len(got) != len(want) {
		t.Fatalf("%d tickets, want %d (yesterday's %s excluded)", len(got), len(want), yesterday.Number)
	}
	for i, w := range want {
		g := row{got[i].ID, got[i].Status, got[i].Position, got[i].Room}
		if g != w {
			t.Errorf("ticket %d = %+v, want %+v", i, g, w)
		}
	}
	if got[1].EstimatedWait == 0 {
		t.Error("the waiting ticket has no estimate")
	}
}

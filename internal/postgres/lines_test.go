package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"smartwait/internal/postgres/pgtest"
	"smartwait/internal/queue"
)

// TestParallelLinesAcrossInstances: with a group commit per line (as the
// binary runs on PostgreSQL), 100 check-ins over 4 lines from two instances
// at once, then two rooms sharing those lines calling concurrently from both
// instances while urgent marks race the calls: each line's positions are
// exactly 1..25 — as told at check-in and as the queue shows them — and its
// ticket numbers distinct, and no patient is called twice or lost.
func TestParallelLinesAcrossInstances(t *testing.T) {
	url := pgtest.SchemaURL(t)
	services := []*queue.Service{newService(pgtest.OpenURL(t, url)), newService(pgtest.OpenURL(t, url))}
	for _, s := range services {
		s.Config.ParallelLines = true
	}
	ctx := context.Background()
	lines := []string{queue.DefaultQueueID, "lab", "xray", "vax"}
	for i, l := range lines[1:] {
		if _, err := services[0].CreateLine(ctx, queue.Queue{ID: l, Name: l, Prefix: string(rune('L' + i))}, queue.LinePatch{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []string{"Room 1", "Room 2"} {
		if _, err := services[0].CreateRoom(ctx, queue.Room{Name: r, Lines: lines, Open: true}); err != nil {
			t.Fatal(err)
		}
	}

	const n = 100
	entries := make([]queue.Entry, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			entries[i], errs[i] = services[i%2].CheckIn(ctx, queue.CheckInRequest{
				QueueID: lines[i%4], Name: fmt.Sprintf("P%d", i), Phone: phone(i), AppointmentTime: "walk-in"})
		})
	}
	wg.Wait()
	told := map[string][]int{} // line → the positions the check-ins were told
	for i, err := range errs {
		if err != nil {
			t.Fatalf("check-in %d: %v", i, err)
		}
		told[entries[i].QueueID] = append(told[entries[i].QueueID], entries[i].Position)
	}
	for l, ps := range told {
		slices.Sort(ps)
		for i, p := range ps {
			if p != i+1 {
				t.Fatalf("line %s: positions told at check-in are not exactly 1..%d: %v", l, len(ps), ps)
			}
		}
	}
	waiting := map[string]bool{}
	for _, l := range lines {
		queued, _, err := services[1].Queue(ctx, l)
		if err != nil {
			t.Fatal(err)
		}
		numbers := map[string]bool{}
		for i, e := range queued {
			if e.Position != i+1 || e.QueueID != l {
				t.Fatalf("line %s: %s at index %d has position %d", l, e.Number, i, e.Position)
			}
			numbers[e.Number] = true
			waiting[e.ID] = true
		}
		if len(queued) != n/4 || len(numbers) != n/4 {
			t.Fatalf("line %s: %d waiting, %d distinct numbers; want %d", l, len(queued), len(numbers), n/4)
		}
	}

	// 60 calls from two rooms on two instances; 20 urgent marks at once.
	const calls = 60
	called := make([]queue.Entry, calls)
	for i := range calls {
		wg.Go(func() {
			var err error
			room := []string{"Room 1", "Room 2"}[i%2]
			if called[i], err = services[(i/2)%2].Call(ctx, queue.CallRequest{Room: room}); err != nil {
				t.Errorf("call %d: %v", i, err)
			}
		})
	}
	for i := range 20 {
		id := entries[n-1-i].ID
		wg.Go(func() {
			_, err := services[i%2].SetUrgent(ctx, id, true)
			if err != nil && code(err) != queue.CodeNotWaiting {
				t.Errorf("urgent %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, c := range called {
		if seen[c.ID] {
			t.Fatalf("patient %s called twice", c.Number)
		}
		seen[c.ID] = true
	}
	var left []string
	for _, l := range lines {
		queued, _, err := services[0].Queue(ctx, l)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range queued {
			if e.Status == queue.StatusCalled {
				continue
			}
			if seen[e.ID] {
				t.Fatalf("called patient %s still waiting", e.Number)
			}
			left = append(left, e.ID)
		}
	}
	if got := len(left) + len(seen); got != n || len(seen) != calls {
		t.Fatalf("%d called + %d waiting = %d, want %d called of %d", len(seen), len(left), got, calls, n)
	}
	slices.Sort(left)
	for id := range waiting {
		if !seen[id] && !slices.Contains(left, id) {
			t.Fatalf("patient %s lost", id)
		}
	}
}

package queuetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"smartwait/internal/queue"
)

// defaultLine is the default queue of a fresh store, named name (the suite does
// not assume a name). Its clinic, the default one, reads as the zero Clinic
// but its slug (queue.Queue.Clinic).
func defaultLine(name string) queue.Queue {
	return queue.Queue{ID: queue.DefaultQueueID, Name: name, Prefix: "A", Open: true, Public: true, Grace: queue.DefaultGrace,
		Clinic: defaultClinic}
}

// defaultClinic is a default-clinic line's Clinic as stores read it.
var defaultClinic = queue.Clinic{Slug: queue.DefaultClinicSlug}

// mustHours parses Hours.String's form and panics on error.
func mustHours(s string) queue.Hours {
	h, err := queue.ParseHours(s)
	if err != nil {
		panic(err)
	}
	return h
}

// fullLine returns a line with every field set to something other than its
// zero value and the default line's.
func fullLine(id, prefix string) queue.Queue {
	return queue.Queue{
		ID: id, Name: "Line " + id + " — Análisis", Prefix: prefix, Version: 3, ServiceTime: 90*time.Second + 250*time.Millisecond,
		Open: true, Public: true, Position: 4, VisitPrior: 12 * time.Minute, GetReady: 3, Grace: 20 * time.Minute,
		Appointments: true,
		Hours:        mustHours("08:00-12:00,,09:30-17:45,,,,07:00-24:00"),
		ServingRooms: 2, OpenRooms: 1, Clinic: defaultClinic,
	}
}

// createLines stores the lines, each in its own transaction.
func createLines(tb testing.TB, s queue.Store, qs ...queue.Queue) {
	tb.Helper()
	for _, q := range qs {
		update(tb, s, func(ctx context.Context, tx queue.Tx) error { return tx.CreateQueue(ctx, q) })
	}
}

// lines returns Lines from a View.
func lines(tb testing.TB, s queue.Store) []queue.Queue {
	tb.Helper()
	var out []queue.Queue
	view(tb, s, func(ctx context.Context, tx queue.Tx) error {
		var err error
		out, err = tx.Lines(ctx)
		return err
	})
	return out
}

// lineIDs returns the ids of qs, for comparing orders.
func lineIDs(qs []queue.Queue) []string {
	out := make([]string, len(qs))
	for i, q := range qs {
		out[i] = q.ID
	}
	return out
}

// Lines lists every line by Position, then by ID compared bytewise.
func testLines(t *testing.T, s queue.Store) {
	fresh := lines(t, s)
	if len(fresh) != 1 || fresh[0] != defaultLine(fresh[0].Name) {
		t.Fatalf("Lines of a fresh store = %+v, want the default line alone", fresh)
	}
	at := func(id string, pos int, prefix string) queue.Queue {
		q := fullLine(id, prefix)
		q.Position = pos
		return q
	}
	createLines(t, s, at("lab", 2, "L"), at("xray", 1, "X"), at("booked", 1, "B"), at("ab", 1, "C"), at("a-b", 1, "D"), at("a-line", 0, "E"))
	got := lines(t, s)
	want := []string{"a-line", queue.DefaultQueueID, "a-b", "ab", "booked", "xray", "lab"}
	if !equalStrings(lineIDs(got), want) {
		t.Fatalf("Lines = %v, want %v (by position, then id bytewise)", lineIDs(got), want)
	}
	if got[6] != at("lab", 2, "L") {
		t.Errorf("Lines[6] = %+v, want every field as created: %+v", got[6], at("lab", 2, "L"))
	}
}

// CreateQueue stores every field; an id or a prefix already taken is
// ErrDuplicate, and nothing is stored.
func testCreateQueue(t *testing.T, s queue.Store) {
	want := fullLine("lab", "L")
	createLines(t, s, want)
	view(t, s, func(ctx context.Context, tx queue.Tx) error {
		got, err := tx.Queue(ctx, "lab")
		if err != nil {
			return err
		}
		if got != want {
			t.Errorf("Queue after CreateQueue = %+v, want %+v", got, want)
		}
		return nil
	})
	update(t, s, func(ctx context.Context, tx queue.Tx) error {
		got, err := tx.LockQueue(ctx, "lab")
		if err != nil {
			return err
		}
		if got != want {
			t.Errorf("LockQueue after CreateQueue = %+v, want %+v", got, want)
		}
		return nil
	})
	tests := []struct {
		name string
		q    queue.Queue
	}{
		{"id taken", fullLine("lab", "M")},
		{"prefix taken", fullLine("lab-2", "L")},
		{"the default's prefix", fullLine("walk-in", "A")},
		{"the default's id", fullLine(queue.DefaultQueueID, "N")},
	}
	for _, tc := range tests {
		err := updateErr(s, func(ctx context.Context, tx queue.Tx) error { return tx.CreateQueue(ctx, tc.q) })
		if !errors.Is(err, queue.ErrDuplicate) {
			t.Errorf("%s: CreateQueue = %v, want ErrDuplicate", tc.name, err)
		}
	}
	got := lines(t, s)
	if !equalStrings(lineIDs(got), []string{queue.DefaultQueueID, "lab"}) || got[1] != want || got[0] != defaultLine(got[0].Name) {
		t.Errorf("Lines after refused creates = %+v, want the default and lab, unchanged", got)
	}
}

// SaveQueue writes every setting and leaves the version and the service time;
// an unknown id is ErrNotFound, another line's prefix ErrDuplicate.
func testSaveQueue(t *testing.T, s queue.Store) {
	createLines(t, s, fullLine("lab", "L"))
	update(t, s, func(ctx context.Context, tx queue.Tx) error {
		q, err := tx.LockQueue(ctx, "lab")
		if err != nil {
			return err
		}
		q.Version, q.ServiceTime = 11, 7*time.Minute
		return tx.UpdateQueue(ctx, q)
	})
	steps := []struct {
		name string
		save func(q *queue.Queue)
	}{
		{"every setting", func(q *queue.Queue) {
			q.Name, q.Prefix, q.Position, q.VisitPrior, q.GetReady = "Laboratory", "LB", 9, 8*time.Minute+500*time.Millisecond, 5
			q.Grace, q.Hours, q.ServingRooms, q.OpenRooms = 5*time.Minute, mustHours(",08:00-12:00,,,,13:15-18:00,"), 4, 3
		}},
		{"zero values", func(q *queue.Queue) { // false and unset must not fall back to the columns' defaults
			q.Open, q.Public, q.Position, q.VisitPrior, q.GetReady = false, false, 0, 0, 0
			q.Grace, q.Hours, q.ServingRooms, q.OpenRooms = 0, queue.Hours{}, 0, 0
		}},
		{"back open, closed every day", func(q *queue.Queue) {
			q.Open, q.Public, q.Hours = true, true, queue.Hours{Set: true}
		}},
	}
	for _, st := range steps {
		var want queue.Queue
		update(t, s, func(ctx context.Context, tx queue.Tx) error {
			q, err := tx.Queue(ctx, "lab")
			if err != nil {
				return err
			}
			want = q
			st.save(&want)
			q = want
			q.Version, q.ServiceTime = 99, time.Hour // not settings: left alone
			return tx.SaveQueue(ctx, q)
		})
		view(t, s, func(ctx context.Context, tx queue.Tx) error {
			got, err := tx.Queue(ctx, "lab")
			if err != nil {
				return err
			}
			if got != want || got.Version != 11 || got.ServiceTime != 7*time.Minute {
				t.Errorf("%s: Queue after SaveQueue = %+v, want %+v", st.name, got, want)
			}
			if got.Hours.String() != want.Hours.String() {
				t.Errorf("%s: hours %q, want %q", st.name, got.Hours, want.Hours)
			}
			return nil
		})
	}
	before := lines(t, s)
	clash := before[1]
	clash.Prefix, clash.Name = "A", "Clash"
	if err := updateErr(s, func(ctx context.Context, tx queue.Tx) error { return tx.SaveQueue(ctx, clash) }); !errors.Is(err, queue.ErrDuplicate) {
		t.Errorf("SaveQueue with the default's prefix = %v, want ErrDuplicate", err)
	}
	unknown := fullLine("no-such-line", "Q")
	if err := updateErr(s, func(ctx context.Context, tx queue.Tx) error { return tx.SaveQueue(ctx, unknown) }); !errors.Is(err, queue.ErrNotFound) {
		t.Errorf("SaveQueue of an unknown line = %v, want ErrNotFound", err)
	}
	if after := lines(t, s); len(after) != 2 || after[0] != before[0] || after[1] != before[1] {
		t.Errorf("Lines after refused saves = %+v, want %+v", after, before)
	}
}

// DeleteQueue removes the line and frees its prefix; its tickets stay. An
// unknown id is ErrNotFound.
func testDeleteQueue(t *testing.T, s queue.Store) {
	createLines(t, s, fullLine("lab", "L"))
	tk := newTicket("lab", 1)
	tk = insert(t, s, tk)[0]
	update(t, s, func(ctx context.Context, tx queue.Tx) error { return tx.DeleteQueue(ctx, "lab") })
	if got := lines(t, s); !equalStrings(lineIDs(got), []string{queue.DefaultQueueID}) {
		t.Errorf("Lines after DeleteQueue = %v, want the default alone", lineIDs(got))
	}
	view(t, s, func(ctx context.Context, tx queue.Tx) error {
		if _, err := tx.Queue(ctx, "lab"); !errors.Is(err, queue.ErrNotFound) {
			t.Errorf("Queue of a deleted line = %v, want ErrNotFound", err)
		}
		got, err := tx.Ticket(ctx, tk.ID)
		if err != nil {
			return err
		}
		if diff := sameTicket(got, tk); diff != "" {
			t.Errorf("ticket of a deleted line: %s", diff)
		}
		if w, c, err := tx.CountActive(ctx, "lab"); err != nil || w != 1 || c != 0 {
			t.Errorf("CountActive of a deleted line = %d, %d, %v; want its waiting ticket, 1, 0", w, c, err)
		}
		return nil
	})
	for _, id := range []string{"lab", "no-such-line"} {
		if err := updateErr(s, func(ctx context.Context, tx queue.Tx) error { return tx.DeleteQueue(ctx, id) }); !errors.Is(err, queue.ErrNotFound) {
			t.Errorf("DeleteQueue(%s) = %v, want ErrNotFound", id, err)
		}
	}
	if err := updateErr(s, func(ctx context.Context, tx queue.Tx) error {
		_, err := tx.LockQueue(ctx, "lab")
		return err
	}); !errors.Is(err, queue.ErrNotFound) {
		t.Errorf("LockQueue of a deleted line other than the default = %v, want ErrNotFound", err)
	}
	createLines(t, s, fullLine("lab-2", "L")) // the prefix is free again
}

// LockQueue recreates a deleted default queue with the default line settings,
// unless another line has taken its prefix: then it is not found.
func testDefaultQueueRecreated(t *testing.T, s queue.Store) {
	var name string
	update(t, s, func(ctx context.Context, tx queue.Tx) error {
		q, err := tx.LockQueue(ctx, queue.DefaultQueueID)
		if err != nil {
			return err
		}
		name = q.Name
		q.Version, q.ServiceTime = 5, time.Minute
		if err := tx.UpdateQueue(ctx, q); err != nil {
			return err
		}
		q.Open, q.Grace, q.Position, q.Hours = false, time.Minute, 3, mustHours("08:00-09:00,,,,,,")
		if err := tx.SaveQueue(ctx, q); err != nil {
			return err
		}
		return tx.DeleteQueue(ctx, queue.DefaultQueueID)
	})
	update(t, s, func(ctx context.Context, tx queue.Tx) error {
		q, err := tx.LockQueue(ctx, queue.DefaultQueueID)
		if err != nil {
			return err
		}
		if q != defaultLine(name) {
			t.Errorf("LockQueue after the default was deleted = %+v, want it anew: %+v", q, defaultLine(name))
		}
		return tx.DeleteQueue(ctx, queue.DefaultQueueID)
	})
	createLines(t, s, fullLine("walk-in", "A"))
	err := updateErr(s, func(ctx context.Context, tx queue.Tx) error {
		_, err := tx.LockQueue(ctx, queue.DefaultQueueID)
		return err
	})
	if !errors.Is(err, queue.ErrNotFound) {
		t.Errorf("LockQueue(default) with its prefix taken by another line = %v, want ErrNotFound", err)
	}
	if got := lines(t, s); !equalStrings(lineIDs(got), []string{"walk-in"}) {
		t.Errorf("Lines = %v, want walk-in alone", lineIDs(got))
	}
}

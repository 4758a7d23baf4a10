package queuetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"smartwait/internal/queue"
)

// far is a key distance that crosses any block of keys a store is likely to
// count waiting tickets in (2^20 µs: about a second of due times).
const far = int64(1) << 20

// keyed returns newTicket(queueID, n) wanting key seq, in status st.
func keyed(queueID string, n int, seq int64, st queue.Status) queue.Ticket {
	tk := newTicket(queueID, n)
	tk.Seq, tk.Status = seq, st
	if st == queue.StatusCalled {
		tk.CalledAt = t0.Add(time.Duration(n) * time.Hour)
	}
	return tk
}

// move runs MoveTicket on a copy of tk changed by change, in its own
// transaction, and returns the ticket as stored (Seq set by the store).
func move(tb testing.TB, s queue.Store, tk queue.Ticket, change func(*queue.Ticket)) queue.Ticket {
	tb.Helper()
	change(&tk)
	update(tb, s, func(ctx context.Context, tx queue.Tx) error { return tx.MoveTicket(ctx, &tk) })
	return tk
}

// assertModel checks the store against model, the suite's copy of every ticket,
// for each queue: each ticket as stored, ActiveTickets in order, WaitingTickets,
// CountActive, and CountWaitingBefore at every waiting ticket's key and past
// the last.
func assertModel(tb testing.TB, s queue.Store, step string, model []queue.Ticket, queues ...string) {
	tb.Helper()
	view(tb, s, func(ctx context.Context, tx queue.Tx) error {
		for _, want := range model {
			got, err := tx.Ticket(ctx, want.ID)
			if err != nil {
				return err
			}
			if diff := sameTicket(got, want); diff != "" {
				tb.Errorf("%s: %s: %s", step, want.Name, diff)
			}
		}
		for _, q := range queues {
			var waiting, called []queue.Ticket
			for _, tk := range model {
				switch {
				case tk.QueueID != q:
				case tk.Status == queue.StatusWaiting:
					waiting = append(waiting, tk)
				case tk.Status == queue.StatusCalled:
					called = append(called, tk)
				}
			}
			slices.SortFunc(waiting, func(a, b queue.Ticket) int { return compareSeq(a.Seq, b.Seq) })
			slices.SortFunc(called, func(a, b queue.Ticket) int {
				if c := a.CalledAt.Compare(b.CalledAt); c != 0 {
					return c
				}
				return compareSeq(a.Seq, b.Seq)
			})
			w, c, err := tx.CountActive(ctx, q)
			if err != nil {
				return err
			}
			if w != len(waiting) || c != len(called) {
				tb.Errorf("%s: CountActive(%s) = %d, %d; want %d, %d", step, q, w, c, len(waiting), len(called))
			}
			for i, tk := range waiting {
				n, err := tx.CountWaitingBefore(ctx, q, tk.Seq)
				if err != nil {
					return err
				}
				if n != i {
					tb.Errorf("%s: CountWaitingBefore(%s, %s) = %d, want %d", step, q, tk.Name, n, i)
				}
			}
			if len(waiting) > 0 {
				if n, err := tx.CountWaitingBefore(ctx, q, waiting[len(waiting)-1].Seq+1); err != nil || n != len(waiting) {
					tb.Errorf("%s: CountWaitingBefore(%s, past the last) = %d, %v; want %d", step, q, n, err, len(waiting))
				}
			}
			active, err := tx.ActiveTickets(ctx, q)
			if err != nil {
				return err
			}
			if want := append(slices.Clone(called), waiting...); !equalStrings(ids(active), ids(want)) {
				tb.Errorf("%s: ActiveTickets(%s) = %v, want %v", step, q, names(active), names(want))
			}
			got, err := tx.WaitingTickets(ctx, q, 0)
			if err != nil {
				return err
			}
			if !equalStrings(ids(got), ids(waiting)) {
				tb.Errorf("%s: WaitingTickets(%s) = %v, want %v", step, q, names(got), names(waiting))
			}
		}
		return nil
	})
}

// A transfer to another queue takes the ticket's place, mutable fields and all,
// with a key chosen in the target queue as InsertTicket does; both queues'
// lists and counts follow.
func testMoveToOtherQueue(t *testing.T, s queue.Store) {
	createLines(t, s, fullLine("lab", "L"))
	k := queue.OrderKey(false, t0)
	model := insert(t, s,
		keyed(queue.DefaultQueueID, 1, k, queue.StatusWaiting),
		keyed(queue.DefaultQueueID, 2, k+far, queue.StatusWaiting),
		keyed(queue.DefaultQueueID, 3, k+2*far, queue.StatusWaiting),
		keyed("lab", 4, k+5, queue.StatusWaiting),
		keyed("lab", 5, k+far+3, queue.StatusWaiting),
		keyed("lab", 6, k+3*far, queue.StatusCalled),
	)
	assertModel(t, s, "before", model, queue.DefaultQueueID, "lab")

	moved := move(t, s, model[1], func(tk *queue.Ticket) {
		tk.QueueID, tk.Seq, tk.DueAt = "lab", model[4].Seq, t0.Add(2*time.Hour) // the key of patient 5
		tk.QuotedWait = 42                                                      // quoted again in its new line: a mutable field
	})
	if moved.Seq != model[4].Seq+1 {
		t.Errorf("moved onto a taken key: Seq %d, want the next free one, %d", moved.Seq, model[4].Seq+1)
	}
	model[1] = moved
	assertModel(t, s, "patient 2 moved to lab", model, queue.DefaultQueueID, "lab")

	// The called patient 6 goes to the default line as an urgent waiting ticket.
	moved = move(t, s, model[5], func(tk *queue.Ticket) {
		tk.QueueID, tk.Status, tk.Room, tk.CalledAt = queue.DefaultQueueID, queue.StatusWaiting, "", time.Time{}
		tk.Urgent, tk.DueAt, tk.Seq = true, t0, queue.OrderKey(true, t0)
	})
	if moved.Seq != queue.OrderKey(true, t0) {
		t.Errorf("moved onto a free key: Seq %d, want it, %d", moved.Seq, queue.OrderKey(true, t0))
	}
	model[5] = moved
	assertModel(t, s, "patient 6 moved to default, waiting and urgent", model, queue.DefaultQueueID, "lab")
}

// A move within the queue changes the ticket's key: urgent tickets go first;
// the ticket's own key counts as free.
func testMoveWithinQueue(t *testing.T, s queue.Store) {
	k := queue.OrderKey(false, t0)
	model := insert(t, s,
		keyed(queue.DefaultQueueID, 1, k, queue.StatusWaiting),
		keyed(queue.DefaultQueueID, 2, k+far, queue.StatusWaiting),
		keyed(queue.DefaultQueueID, 3, k+2*far, queue.StatusWaiting),
		keyed(queue.DefaultQueueID, 4, k+3*far, queue.StatusWaiting),
		keyed(queue.DefaultQueueID, 5, k+3*far+1, queue.StatusWaiting),
	)
	steps := []struct {
		name   string
		i      int   // the ticket moving
		wanted int64 // the key it wants
		urgent bool
		want   int64 // the key it gets
	}{
		{"patient 3 marked urgent goes first", 2, queue.OrderKey(true, t0), true, queue.OrderKey(true, t0)},
		{"patient 1 wanting its own key keeps it", 0, k, false, k},
		{"patient 2 wanting patient 1's key gets the next free", 1, k, false, k + 1},
		{"patient 4 wanting its own key, the next taken, keeps it", 3, k + 3*far, false, k + 3*far},
		{"patient 5 wanting patient 4's key gets its own, the next", 4, k + 3*far, false, k + 3*far + 1},
		{"patient 1 to the end of the line", 0, k + 5*far, false, k + 5*far},
		{"patient 3 back among the normal ones, before patient 2", 2, k, false, k},
	}
	for _, st := range steps {
		moved := move(t, s, model[st.i], func(tk *queue.Ticket) { tk.Seq, tk.Urgent = st.wanted, st.urgent })
		if moved.Seq != st.want {
			t.Errorf("%s: Seq %d, want %d", st.name, moved.Seq, st.want)
		}
		model[st.i] = moved
		assertModel(t, s, st.name, model, queue.DefaultQueueID)
	}
	view(t, s, func(ctx context.Context, tx queue.Tx) error {
		got, err := tx.WaitingTickets(ctx, queue.DefaultQueueID, 0)
		if err != nil {
			return err
		}
		if want := []queue.Ticket{model[2], model[1], model[3], model[4], model[0]}; !equalStrings(ids(got), ids(want)) {
			t.Errorf("WaitingTickets = %v, want %v", names(got), names(want))
		}
		return nil
	})
}

// MoveTicket of an unknown ticket is ErrNotFound; onto the phone of an active
// ticket of the target queue, ErrDuplicate, leaving everything as it was. A
// phone whose ticket left the target queue, and no phone, do not clash.
func testMoveErrors(t *testing.T, s queue.Store) {
	createLines(t, s, fullLine("lab", "L"))
	k := queue.OrderKey(false, t0)
	p1 := keyed(queue.DefaultQueueID, 1, k, queue.StatusWaiting)
	p2 := keyed("lab", 2, k, queue.StatusWaiting)
	p2.Phone = p1.Phone // the same phone in another queue: no clash
	p3 := keyed("lab", 3, k+1, queue.StatusWaiting)
	p3.Phone = ""
	p4 := keyed(queue.DefaultQueueID, 4, k+far, queue.StatusWaiting)
	p4.Phone = ""
	model := insert(t, s, p1, p2, p3, p4)

	ghost := keyed(queue.DefaultQueueID, 9, k+7, queue.StatusWaiting)
	if err := updateErr(s, func(ctx context.Context, tx queue.Tx) error { return tx.MoveTicket(ctx, &ghost) }); !errors.Is(err, queue.ErrNotFound) {
		t.Errorf("MoveTicket of an unknown ticket = %v, want ErrNotFound", err)
	}
	clash := model[1]
	clash.QueueID, clash.Seq = queue.DefaultQueueID, k+2*far
	if err := updateErr(s, func(ctx context.Context, tx queue.Tx) error { return tx.MoveTicket(ctx, &clash) }); !errors.Is(err, queue.ErrDuplicate) {
		t.Errorf("MoveTicket onto an active ticket's phone = %v, want ErrDuplicate", err)
	}
	assertModel(t, s, "after the refused moves", model, queue.DefaultQueueID, "lab")

	// Once patient 1's visit is over, its phone may move in (and its key counts
	// as taken).
	model[0].Status, model[0].CompletedAt = queue.StatusCompleted, t0.Add(time.Hour)
	setTicket(t, s, model[0])
	model[1] = move(t, s, model[1], func(tk *queue.Ticket) { tk.QueueID, tk.Seq = queue.DefaultQueueID, k })
	if model[1].Seq != k+1 {
		t.Errorf("moved onto the completed ticket's key: Seq %d, want %d", model[1].Seq, k+1)
	}
	// A phoneless ticket moves in beside another phoneless active one.
	model[2] = move(t, s, model[2], func(tk *queue.Ticket) { tk.QueueID, tk.Seq = queue.DefaultQueueID, k+far })
	if model[2].Seq != k+far+1 {
		t.Errorf("moved onto the phoneless ticket's key: Seq %d, want %d", model[2].Seq, k+far+1)
	}
	assertModel(t, s, "after the moves", model, queue.DefaultQueueID, "lab")
}

// A waiting ticket moved (to another queue, or to another block of keys) and
// then called, completed, no-showed or cancelled leaves every count exact: the
// store's counts follow the ticket's queue and key, not where it was inserted.
func testMoveThenStatusChange(t *testing.T, s queue.Store) {
	createLines(t, s, fullLine("lab", "L"))
	k := queue.OrderKey(false, t0)
	model := insert(t, s,
		keyed(queue.DefaultQueueID, 1, k, queue.StatusWaiting),
		keyed(queue.DefaultQueueID, 2, k+7, queue.StatusWaiting),
		keyed(queue.DefaultQueueID, 3, k+far, queue.StatusWaiting),
		keyed(queue.DefaultQueueID, 4, k+2*far, queue.StatusWaiting),
		keyed("lab", 5, k+3, queue.StatusWaiting),
	)
	status := func(i int, st queue.Status) func() {
		return func() {
			model[i].Status = st
			if st == queue.StatusCalled {
				model[i].CalledAt = t0.Add(time.Duration(i+1) * time.Hour)
			} else {
				model[i].CompletedAt = t0.Add(10 * time.Hour)
			}
			setTicket(t, s, model[i])
		}
	}
	moveTo := func(i int, q string, seq int64) func() {
		return func() {
			model[i] = move(t, s, model[i], func(tk *queue.Ticket) { tk.QueueID, tk.Seq = q, seq })
		}
	}
	steps := []struct {
		name string
		do   func()
	}{
		{"patient 2 to lab, in another block", moveTo(1, "lab", k+4*far)},
		{"patient 2 called in lab", status(1, queue.StatusCalled)},
		{"patient 2 completed in lab", status(1, queue.StatusCompleted)},
		{"patient 3 to another block of default", moveTo(2, queue.DefaultQueueID, k+9*far)},
		{"patient 3 a no-show", status(2, queue.StatusNoShow)},
		{"patient 4 to lab, beside patient 5", moveTo(3, "lab", k+4)},
		{"patient 4 back to default, in patient 1's block", moveTo(3, queue.DefaultQueueID, k+1)},
		{"patient 4 cancelled", status(3, queue.StatusCancelled)},
		{"patient 1 within its block", moveTo(0, queue.DefaultQueueID, k+2)},
		{"patient 1 called", status(0, queue.StatusCalled)},
		{"patient 5 moved and called in one transaction", func() {
			update(t, s, func(ctx context.Context, tx queue.Tx) error {
				tk := model[4]
				tk.QueueID, tk.Seq = queue.DefaultQueueID, k+20*far
				if err := tx.MoveTicket(ctx, &tk); err != nil {
					return err
				}
				tk.Status, tk.CalledAt = queue.StatusCalled, t0.Add(20*time.Hour)
				if err := tx.UpdateTicket(ctx, tk); err != nil {
					return err
				}
				model[4] = tk
				return nil
			})
		}},
		{"patient 5 back to waiting in lab", func() {
			model[4] = move(t, s, model[4], func(tk *queue.Ticket) {
				tk.QueueID, tk.Seq, tk.Status, tk.CalledAt = "lab", k, queue.StatusWaiting, time.Time{}
			})
		}},
	}
	for _, st := range steps {
		st.do()
		assertModel(t, s, st.name, model, queue.DefaultQueueID, "lab")
	}
}

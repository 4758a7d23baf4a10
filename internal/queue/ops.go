package queue

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"time"
)

// CallNext calls the first waiting patient of the queue (queueID "" = default) to
// room. It fails with CodeNoneWaiting when nobody waits. Concurrent calls never
// call the same patient twice.
func (s *Service) CallNext(ctx context.Context, queueID, room string) (Entry, error) {
	if queueID == "" {
		queueID = DefaultQueueID
	}
	var next basis
	ch, err := s.mutate(ctx, queueID, &next, func(ctx context.Context, tx Tx, q *Queue, now time.Time, ch *Change) error {
		b, err := s.loadBasis(ctx, tx, *q)
		if err != nil {
			return err
		}
		active, f := b.active, b.fit
		before := s.told(*q, active, f, now)
		i := firstWaiting(active)
		if i < 0 {
			return Errorf(CodeNoneWaiting, "No patients waiting")
		}
		// A copy: active is shared with the remembered basis.
		t := &Ticket{}
		*t = active[i]
		t.Status, t.CalledAt, t.Room = StatusCalled, now, room
		if err := tx.UpdateTicket(ctx, *t); err != nil {
			return err
		}
		// A "get ready" still unsent (the provider was down) would now arrive after
		// "your turn" and contradict it.
		if _, err := tx.CancelMessages(ctx, t.ID, MessageGetReady); err != nil {
			return err
		}
		if err := s.addMessage(ctx, tx, *q, *t, MessageCalled, strconv.FormatInt(q.Version+1, 10), s.calledText(*q, *t), now); err != nil {
			return err
		}
		if s.Config.FollowUpAfter > 0 {
			if err := s.addMessage(ctx, tx, *q, *t, MessageFollowUp, lineKey(q.ID), s.followUpText(*q, *t), now.Add(s.Config.FollowUpAfter)); err != nil {
				return err
			}
		}
		// The called ticket joins the called ones (active[:i]) in CalledAt order;
		// the waiting ones behind it keep theirs, so only the few called are sorted.
		after := make([]Ticket, 0, roomToGrow(len(active)))
		after = append(append(after, active[:i]...), *t)
		sortActive(after)
		after = append(after, active[i+1:]...)
		if err := s.finish(ctx, tx, *q, ChangeCalled, f, active, before, after, t.ID, now, ch); err != nil {
			return err
		}
		next = basisOf(storedList(after, ch.Entries), f, q.Version+1)
		return nil
	})
	return ch.Ticket, err
}

// Complete marks a waiting or called patient as served. It fails with
// CodePatientNotFound when the ticket is unknown or no longer active. Completing a
// called ticket teaches the estimator its service time.
func (s *Service) Complete(ctx context.Context, id string) (Entry, error) {
	return s.finishTicket(ctx, id, StatusCompleted, ChangeCompleted, nil)
}

// NoShow marks a waiting or called patient who did not come. Errors as Complete.
func (s *Service) NoShow(ctx context.Context, id string) (Entry, error) {
	return s.finishTicket(ctx, id, StatusNoShow, ChangeNoShow, nil)
}

// Cancel takes a patient out of the queue (the patient left, or staff removed
// them). It fails with CodePatientNotFound for an unknown ticket and CodeNotActive
// for one that already left.
func (s *Service) Cancel(ctx context.Context, id string) (Entry, error) {
	return s.finishTicket(ctx, id, StatusCancelled, ChangeCancelled, nil)
}

// finishTicket ends ticket id's visit with status to. then, when not nil,
// runs in the same transaction once the ticket is stored: the reply to a text
// that asked for it (inbound.go).
func (s *Service) finishTicket(ctx context.Context, id string, to Status, kind ChangeKind, then func(ctx context.Context, tx Tx, q Queue, t Ticket, now time.Time) error) (Entry, error) {
	var next basis
	ch, err := s.mutateTicket(ctx, id, &next, func(ctx context.Context, tx Tx, q *Queue, t *Ticket, now time.Time, ch *Change) error {
		if !t.Status.Active() {
			if kind == ChangeCancelled {
				return Errorf(CodeNotActive, "This check-in is no longer active")
			}
			return PatientNotFound()
		}
		b, err := s.loadBasis(ctx, tx, *q)
		if err != nil {
			return err
		}
		t.Status, t.CompletedAt = to, now
		if err := tx.UpdateTicket(ctx, *t); err != nil {
			return err
		}
		// A text that arrives after the visit is over is noise: drop what is pending.
		if _, err := tx.CancelMessages(ctx, t.ID, ""); err != nil {
			return err
		}
		if then != nil {
			if err := then(ctx, tx, *q, *t, now); err != nil {
				return err
			}
		}
		// Every finished ticket teaches the estimator something: a completed
		// visit its length, a no-show or a cancellation how many of those ahead
		// never become a visit. Learn again.
		f, err := s.fit(ctx, tx, *q)
		if err != nil {
			return err
		}
		q.ServiceTime = f.Mean
		if next, err = s.leave(ctx, tx, *q, b, f, t.ID, kind, now, ch); err != nil {
			return err
		}
		ch.Ticket = Entry{Ticket: *t}
		return nil
	})
	return ch.Ticket, err
}

// Recall re-sends the "your turn" notice to a called patient. It fails with
// CodePatientNotFound for an unknown ticket and CodeNotCalled for one not called.
func (s *Service) Recall(ctx context.Context, id string) (Entry, error) {
	var next basis
	ch, err := s.mutateTicket(ctx, id, &next, func(ctx context.Context, tx Tx, q *Queue, t *Ticket, now time.Time, ch *Change) error {
		if t.Status != StatusCalled {
			return Errorf(CodeNotCalled, "This patient has not been called")
		}
		if err := s.addMessage(ctx, tx, *q, *t, MessageCalled, strconv.FormatInt(q.Version+1, 10), s.calledText(*q, *t), now); err != nil {
			return err
		}
		waiting, called, err := tx.CountActive(ctx, q.ID)
		if err != nil {
			return err
		}
		ch.Kind, ch.Ticket, ch.Waiting, ch.Called, ch.NowServing = ChangeRecalled, Entry{Ticket: *t}, waiting, called, t.Number
		// A recall changes nothing estimates rest on: carry the basis forward.
		if b, ok := s.cachedBasis(tx, q.ID, q.Version); ok {
			next = b
			next.version = q.Version + 1
		}
		return nil
	})
	return ch.Ticket, err
}

// leave lays out line q (basis b) after the ticket id left it — finished, or
// transferred to another line — with the fit f, and fills in ch as finish does.
// It returns the line's next basis.
func (s *Service) leave(ctx context.Context, tx Tx, q Queue, b basis, f Fit, id string, kind ChangeKind, now time.Time, ch *Change) (basis, error) {
	before := s.told(q, b.active, b.fit, now) // as patients were told: with the fit before
	rest := make([]Ticket, 0, roomToGrow(len(b.active)))
	for i := range b.active {
		if b.active[i].ID != id {
			rest = append(rest, b.active[i])
		}
	}
	if err := s.finish(ctx, tx, q, kind, f, b.active, before, rest, id, now, ch); err != nil {
		return basis{}, err
	}
	return basisOf(storedList(rest, ch.Entries), f, q.Version+1), nil
}

// finish lays out the queue after a change, applies the get-ready rule, and fills
// in ch. before holds the active tickets before the change and at what they
// were told then, after those after it, both in ActiveTickets order.
func (s *Service) finish(ctx context.Context, tx Tx, q Queue, kind ChangeKind, f Fit, before []Ticket, at told, after []Ticket, subject string, now time.Time, ch *Change) error {
	entries := s.layout(q, after, f, now)
	ready, err := s.markReady(ctx, tx, q, entries, now)
	if err != nil {
		return err
	}
	ch.Kind, ch.Entries, ch.Ready = kind, entries, ready
	ch.Moved = moved(before, at, entries)
	ch.Waiting, ch.Called, ch.NowServing = counts(entries)
	for i := range entries {
		if entries[i].ID == subject {
			ch.Ticket = entries[i]
		}
	}
	return nil
}

// roomToGrow is the capacity to give a new active list of about n tickets: the
// list becomes the remembered basis, and the check-ins that follow append to it,
// which must not copy the whole queue on the first of them.
func roomToGrow(n int) int { return n + n/4 + 16 }

func firstWaiting(active []Ticket) int {
	for i, t := range active {
		if t.Status == StatusWaiting {
			return i
		}
	}
	return -1
}

// sortActive puts tickets into ActiveTickets order: called by CalledAt then Seq,
// then waiting by Seq. Callers pass only the called few: the waiting are in Seq
// order already.
func sortActive(ts []Ticket) []Ticket {
	slices.SortStableFunc(ts, func(a, b Ticket) int {
		ra, rb := rank(a), rank(b)
		if ra != rb {
			return ra - rb
		}
		if a.Status == StatusCalled && !a.CalledAt.Equal(b.CalledAt) {
			return a.CalledAt.Compare(b.CalledAt)
		}
		return cmp.Compare(a.Seq, b.Seq)
	})
	return ts
}

func rank(t Ticket) int {
	if t.Status == StatusCalled {
		return 0
	}
	return 1
}

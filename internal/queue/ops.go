package queue

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"time"
)

// CheckIn adds a patient to the end of the queue. It validates and normalises the
// request (the phone to E.164), refuses a second active ticket for the same phone
// with CodeDuplicate, quotes the estimated wait, and writes the confirmation SMS to
// the outbox in the same transaction.
func (s *Service) CheckIn(ctx context.Context, r CheckInRequest) (Entry, error) {
	r, err := r.normalize(s.Config.PhoneRegion)
	if err != nil {
		return Entry{}, err
	}
	ch, err := s.mutate(ctx, r.QueueID, func(ctx context.Context, tx Tx, q *Queue, now time.Time, ch *Change) error {
		waiting, called, err := tx.CountActive(ctx, q.ID)
		if err != nil {
			return err
		}
		day := s.day(now)
		n, err := tx.NextTicketNumber(ctx, q.ID, day)
		if err != nil {
			return err
		}
		e := Entry{Ticket: Ticket{
			ID: NewID(), QueueID: q.ID, Number: TicketNumber(q.Prefix, n), Day: day,
			Name: r.Name, Phone: r.Phone, AppointmentTime: r.AppointmentTime,
			Status: StatusWaiting, CheckInTime: now,
		}}
		e.Position = waiting + 1
		e.EstimatedWait = s.Config.Estimator.Wait(e.Position, called, q.ServiceTime)
		e.QuotedWait = e.EstimatedWait
		ready := called > 0 && e.Position <= s.Config.GetReadyPosition
		if ready {
			e.ReadyAt = now
		}
		if err := tx.InsertTicket(ctx, &e.Ticket); err != nil {
			if errors.Is(err, ErrDuplicate) {
				return Errorf(CodeDuplicate, "This phone number is already in the queue")
			}
			return err
		}
		// One text, not two: a ticket ready at check-in gets a confirmation worded
		// as the get-ready notice (CONTRACT §5).
		if err := s.addMessage(ctx, tx, e.Ticket, MessageConfirmation, "", s.confirmationText(e, ready), now); err != nil {
			return err
		}
		ch.Kind, ch.Ticket, ch.Moved = ChangeCheckedIn, e, []Entry{e}
		if ready {
			ch.Ready = []Entry{e}
		}
		ch.Waiting, ch.Called = waiting+1, called
		return nil
	})
	return ch.Ticket, err
}

// CallNext calls the first waiting patient of the queue (queueID "" = default) to
// room. It fails with CodeNoneWaiting when nobody waits. Concurrent calls never
// call the same patient twice.
func (s *Service) CallNext(ctx context.Context, queueID, room string) (Entry, error) {
	if queueID == "" {
		queueID = DefaultQueueID
	}
	ch, err := s.mutate(ctx, queueID, func(ctx context.Context, tx Tx, q *Queue, now time.Time, ch *Change) error {
		active, err := tx.ActiveTickets(ctx, q.ID)
		if err != nil {
			return err
		}
		before := s.layout(active, *q)
		i := firstWaiting(active)
		if i < 0 {
			return Errorf(CodeNoneWaiting, "No patients waiting")
		}
		t := &active[i]
		t.Status, t.CalledAt, t.Room = StatusCalled, now, room
		if err := tx.UpdateTicket(ctx, *t); err != nil {
			return err
		}
		// A "get ready" still unsent (the provider was down) would now arrive after
		// "your turn" and contradict it.
		if _, err := tx.CancelMessages(ctx, t.ID, MessageGetReady); err != nil {
			return err
		}
		if err := s.addMessage(ctx, tx, *t, MessageCalled, strconv.FormatInt(q.Version+1, 10), s.calledText(*t), now); err != nil {
			return err
		}
		if s.Config.FollowUpAfter > 0 {
			if err := s.addMessage(ctx, tx, *t, MessageFollowUp, "", s.followUpText(*t), now.Add(s.Config.FollowUpAfter)); err != nil {
				return err
			}
		}
		// The called ticket moves to the front of the active list.
		called := append([]Ticket{*t}, append(append([]Ticket{}, active[:i]...), active[i+1:]...)...)
		return s.finish(ctx, tx, ChangeCalled, *q, before, sortActive(called), t.ID, now, ch)
	})
	return ch.Ticket, err
}

// Complete marks a waiting or called patient as served. It fails with
// CodePatientNotFound when the ticket is unknown or no longer active. Completing a
// called ticket teaches the estimator its service time.
func (s *Service) Complete(ctx context.Context, id string) (Entry, error) {
	return s.finishTicket(ctx, id, StatusCompleted, ChangeCompleted)
}

// NoShow marks a waiting or called patient who did not come. Errors as Complete.
func (s *Service) NoShow(ctx context.Context, id string) (Entry, error) {
	return s.finishTicket(ctx, id, StatusNoShow, ChangeNoShow)
}

// Cancel takes a patient out of the queue (the patient left, or staff removed
// them). It fails with CodePatientNotFound for an unknown ticket and CodeNotActive
// for one that already left.
func (s *Service) Cancel(ctx context.Context, id string) (Entry, error) {
	return s.finishTicket(ctx, id, StatusCancelled, ChangeCancelled)
}

func (s *Service) finishTicket(ctx context.Context, id string, to Status, kind ChangeKind) (Entry, error) {
	ch, err := s.mutateTicket(ctx, id, func(ctx context.Context, tx Tx, q *Queue, t *Ticket, now time.Time, ch *Change) error {
		if !t.Status.Active() {
			if kind == ChangeCancelled {
				return Errorf(CodeNotActive, "This check-in is no longer active")
			}
			return notFound()
		}
		active, err := tx.ActiveTickets(ctx, q.ID)
		if err != nil {
			return err
		}
		before := s.layout(active, *q)
		wasCalled := t.Status == StatusCalled
		t.Status, t.CompletedAt = to, now
		if err := tx.UpdateTicket(ctx, *t); err != nil {
			return err
		}
		// A text that arrives after the visit is over is noise: drop what is pending.
		if _, err := tx.CancelMessages(ctx, t.ID, ""); err != nil {
			return err
		}
		if to == StatusCompleted && wasCalled {
			samples, err := tx.RecentServiceTimes(ctx, q.ID, s.Config.Estimator.Window)
			if err != nil {
				return err
			}
			q.ServiceTime = s.Config.Estimator.ServiceTime(samples)
		}
		rest := active[:0:0]
		for _, a := range active {
			if a.ID != t.ID {
				rest = append(rest, a)
			}
		}
		if err := s.finish(ctx, tx, kind, *q, before, rest, t.ID, now, ch); err != nil {
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
	ch, err := s.mutateTicket(ctx, id, func(ctx context.Context, tx Tx, q *Queue, t *Ticket, now time.Time, ch *Change) error {
		if t.Status != StatusCalled {
			return Errorf(CodeNotCalled, "This patient has not been called")
		}
		if err := s.addMessage(ctx, tx, *t, MessageCalled, strconv.FormatInt(q.Version+1, 10), s.calledText(*t), now); err != nil {
			return err
		}
		waiting, called, err := tx.CountActive(ctx, q.ID)
		if err != nil {
			return err
		}
		ch.Kind, ch.Ticket, ch.Waiting, ch.Called, ch.NowServing = ChangeRecalled, Entry{Ticket: *t}, waiting, called, t.Number
		return nil
	})
	return ch.Ticket, err
}

// finish lays out the queue after a change, applies the get-ready rule, and fills
// in ch. after holds the active tickets after the change in ActiveTickets order.
func (s *Service) finish(ctx context.Context, tx Tx, kind ChangeKind, q Queue, before []Entry, after []Ticket, subject string, now time.Time, ch *Change) error {
	entries := s.layout(after, q)
	ready, err := s.markReady(ctx, tx, entries, now)
	if err != nil {
		return err
	}
	ch.Kind, ch.Entries, ch.Ready = kind, entries, ready
	ch.Moved = moved(before, entries)
	ch.Waiting, ch.Called, ch.NowServing = counts(entries)
	for _, e := range entries {
		if e.ID == subject {
			ch.Ticket = e
		}
	}
	return nil
}

func firstWaiting(active []Ticket) int {
	for i, t := range active {
		if t.Status == StatusWaiting {
			return i
		}
	}
	return -1
}

// sortActive puts tickets into ActiveTickets order: called by CalledAt then Seq,
// then waiting by Seq. The input is already nearly sorted; n is small enough.
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

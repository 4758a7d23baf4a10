package queue

import (
	"context"
	"errors"
	"slices"
	"time"
)

// Transfer moves an active patient to another line (triage → doctor), keeping
// their ticket number (docs/lines.md). They are due at the transfer time, or at
// their original check-in when keepPlace is set; a called patient waits again.
// The line left gets a ChangeTransferred, the line joined a ChangeCheckedIn
// (From set) in the same transaction, so no event or read ever shows the patient
// in both lines or in neither. Texts follow as for a check-in, without a second
// confirmation: a pending "get ready" or follow-up of the old line is dropped and
// the new line's get-ready rule applies afresh. Errors: CodePatientNotFound,
// CodeNotActive for a patient who left, CodeValidation for an unknown line or the
// line they are in, CodeDuplicate when their phone already waits in that line.
func (s *Service) Transfer(ctx context.Context, id, line string, keepPlace bool) (Entry, error) {
	if !ValidID(id) {
		return Entry{}, PatientNotFound()
	}
	if !ValidSlug(line) {
		return Entry{}, validationError("line", "line must be a line's slug (a-z, 0-9, '-')")
	}
	// The ticket's line, to lock it with the target; read again under the
	// locks, where a ticket moved meanwhile is refused as a conflict.
	var from string
	err := s.Store.View(ctx, func(tx Tx) error {
		t, err := tx.Ticket(ctx, id)
		from = t.QueueID
		return err
	})
	if err != nil {
		return Entry{}, storeError(err)
	}
	var next basis
	ch, err := s.mutateMulti(ctx, line, []string{from}, &next, func(ctx context.Context, tx Tx, q *Queue, now time.Time, ch *Change) error {
		t, err := tx.Ticket(ctx, id)
		if err != nil {
			return err
		}
		if !t.Status.Active() {
			return Errorf(CodeNotActive, "This patient is no longer in a line")
		}
		if t.QueueID == q.ID {
			return validationError("line", "the patient is already in line %q", q.ID)
		}
		if t.QueueID != from {
			return Errorf(CodeNotActive, "This patient moved to another line meanwhile; try again")
		}
		left, err := s.otherLine(ctx, tx, from, now, func(src *Queue, b basis, sch *Change) (basis, error) {
			return s.leave(ctx, tx, *src, b, b.fit, t.ID, ChangeTransferred, now, sch)
		})
		if err != nil {
			return err
		}
		// A "get ready" or follow-up still pending belongs to the old line's wait.
		for _, k := range []MessageKind{MessageGetReady, MessageFollowUp} {
			if _, err := tx.CancelMessages(ctx, t.ID, k); err != nil {
				return err
			}
		}
		b, err := s.loadBasis(ctx, tx, *q)
		if err != nil {
			return err
		}
		due := now
		if keepPlace {
			due = t.CheckInTime
		}
		t.QueueID, t.Status, t.Room, t.DueAt = q.ID, StatusWaiting, "", due
		t.CalledAt, t.ReadyAt = time.Time{}, time.Time{}
		t.Seq = OrderKey(t.Urgent, due)
		e, ready, err := s.arrive(ctx, tx, *q, b, t, func(t *Ticket) error { return s.moveTicket(ctx, tx, t) }, now, ch, &next)
		if err != nil {
			return err
		}
		if ready {
			if err := s.addTold(ctx, tx, *q, e.Ticket, MessageGetReady, lineKey(q.ID), s.getReadyText(*q, e), now, toldUntil(e, now)); err != nil {
				return err
			}
		}
		ch.Kind, ch.Ticket, ch.From = ChangeCheckedIn, e, from
		left.Ticket = e
		ch.Also = []Change{left}
		return nil
	})
	return ch.Ticket, err
}

// moveTicket is Tx.MoveTicket with the duplicate phone as a domain error.
func (s *Service) moveTicket(ctx context.Context, tx Tx, t *Ticket) error {
	if err := tx.MoveTicket(ctx, t); err != nil {
		if errors.Is(err, ErrDuplicate) {
			return Errorf(CodeDuplicate, "This phone number is already in that line")
		}
		return err
	}
	return nil
}

// SetUrgent marks a waiting patient urgent (ahead of every normal ticket of the
// line, in due order among the urgent) or back to normal. Errors:
// CodePatientNotFound, CodeNotWaiting.
func (s *Service) SetUrgent(ctx context.Context, id string, urgent bool) (Entry, error) {
	return s.reorder(ctx, id, nil, func(t *Ticket, _ []Ticket) error {
		t.Urgent = urgent
		t.Seq = OrderKey(urgent, t.DueAt)
		return nil
	})
}

// MoveBefore moves a waiting patient just before another waiting patient of the
// same line, taking that patient's urgency. Errors: CodePatientNotFound,
// CodeNotWaiting, CodeValidation when before is not another waiting patient of
// the line.
func (s *Service) MoveBefore(ctx context.Context, id, before string) (Entry, error) {
	if id == before {
		return Entry{}, validationError("before", "a patient cannot move before themselves")
	}
	return s.reorder(ctx, id, nil, func(t *Ticket, active []Ticket) error {
		j := -1
		for i := range active {
			if active[i].ID == before && active[i].Status == StatusWaiting {
				j = i
			}
		}
		if j < 0 {
			return validationError("before", "before must be another patient waiting in the same line")
		}
		other := active[j]
		// The key goes between the waiting ticket ahead of other (t itself aside)
		// and other, in other's range (urgent or normal): keys are microseconds
		// apart, so there is room to halve the gap some twenty times between
		// two check-ins a second apart. With nobody ahead in the range, it goes
		// half a second before other.
		urgent := other.Seq < normalBase
		low := other.Seq - 1<<20
		for i := j - 1; i >= 0 && active[i].Status == StatusWaiting; i-- {
			if active[i].ID != t.ID {
				if (active[i].Seq < normalBase) == urgent {
					low = active[i].Seq
				}
				break
			}
		}
		if other.Seq-low < 2 {
			return Errorf(CodeCannotMove, "There is no room to move this patient there; move the patient ahead instead")
		}
		t.Seq = low + (other.Seq-low)/2
		t.Urgent = urgent
		return nil
	})
}

// reorder runs place on a waiting ticket of a line (and the line's active
// tickets), stores the ticket's new key and lays the line out again.
//
// then, when not nil, runs in the same transaction after the line is laid out,
// with the ticket at its new place: the reply to a text that asked for it.
func (s *Service) reorder(ctx context.Context, id string, then func(ctx context.Context, tx Tx, q Queue, e Entry, now time.Time) error, place func(t *Ticket, active []Ticket) error) (Entry, error) {
	var next basis
	ch, err := s.mutateTicket(ctx, id, &next, func(ctx context.Context, tx Tx, q *Queue, t *Ticket, now time.Time, ch *Change) error {
		if t.Status != StatusWaiting {
			return Errorf(CodeNotWaiting, "This patient is not waiting")
		}
		b, err := s.loadBasis(ctx, tx, *q)
		if err != nil {
			return err
		}
		if err := place(t, b.active); err != nil {
			return err
		}
		if err := s.moveTicket(ctx, tx, t); err != nil {
			return err
		}
		before := s.told(*q, b.active, b.fit, now)
		after := make([]Ticket, 0, roomToGrow(len(b.active)))
		for i := range b.active {
			if b.active[i].ID != t.ID {
				after = append(after, b.active[i])
			}
		}
		after = slices.Insert(after, len(b.calledAt)+waitingBefore(after, t.Seq), stored(*t))
		if err := s.finish(ctx, tx, *q, ChangeReordered, b.fit, b.active, before, after, t.ID, now, ch); err != nil {
			return err
		}
		next = basisOf(storedList(after, ch.Entries), b.fit, q.Version+1)
		if then != nil {
			return then(ctx, tx, *q, ch.Ticket, now)
		}
		return nil
	})
	return ch.Ticket, err
}

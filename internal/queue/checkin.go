package queue

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"
)

// CheckIn adds a patient to a line (r.QueueID, "" = the default line; with
// r.Clinic, the line CheckInLine decides) at the
// place the ordering rule gives (docs/lines.md): a walk-in at the end, a booked
// patient who came in time at their appointment. It validates and normalises the
// request (the phone to E.164, and one the clinic may text: textable) unless
// it comes from CheckInRequest.Normalize unchanged, parsing the phone once;
// refuses a second active ticket for the same phone in the line with
// CodeDuplicate and a phone over Config.CheckInsPerPhone with CodeRateLimited;
// refuses a remote check-in into a line that is closed, staff-only or would keep
// the patient past closing (CodeLineClosed, CodeLineFull, CodeValidation); quotes
// the estimated wait, and writes the confirmation SMS to the outbox in the same
// transaction. A front-desk check-in (r.FrontDesk) may omit the phone — no texts
// then — and the appointment, and is never refused for capacity.
func (s *Service) CheckIn(ctx context.Context, r CheckInRequest) (Entry, error) {
	e, _, err := s.CheckInClinic(ctx, r)
	return e, err
}

// CheckInClinic is CheckIn that also returns the slug of the clinic of the
// line the patient joined (Queue.Clinic.Slug), read with the line in the
// check-in's own transaction: the API's answer names it without a second read.
func (s *Service) CheckInClinic(ctx context.Context, r CheckInRequest) (Entry, string, error) {
	r, number, err := r.validated(s.Config.PhoneRegion)
	if err != nil {
		return Entry{}, "", err
	}
	// A clinic alone picks its first line, after validation so that a bad
	// body costs no read; with a line, the transaction checks they agree.
	if r.Clinic != "" && r.QueueID == "" {
		if r.QueueID, err = s.CheckInLine(ctx, r.Clinic, ""); err != nil {
			return Entry{}, "", err
		}
	}
	lang, err := s.language(r.Language)
	if err != nil {
		return Entry{}, "", err
	}
	if r.Phone != "" {
		if err := textable(number, r.Phone, s.Config.smsCountries()); err != nil {
			return Entry{}, "", err
		}
	}
	var next basis
	var clinic string
	ch, err := s.mutate(ctx, r.QueueID, &next, func(ctx context.Context, tx Tx, q *Queue, now time.Time, ch *Change) error {
		clinic = q.Clinic.Slug
		if r.Clinic != "" && r.Clinic != clinic {
			return lineNotOf(ctx, tx, q.ID, r.Clinic)
		}
		if !r.FrontDesk {
			if !q.Public {
				return validationError("line", "line %q does not take check-ins; ask at the front desk", q.ID)
			}
			if err := s.admitting(*q, now); err != nil {
				return err
			}
		}
		if r.Phone != "" {
			if err := s.checkPhoneLimit(ctx, tx, r.Phone, now); err != nil {
				return err
			}
		}
		b, err := s.loadBasis(ctx, tx, *q)
		if err != nil {
			return err
		}
		due := now
		if q.Appointments {
			due = s.dueAt(r.AppointmentTime, now, q.Grace, s.ClinicLocation(*q))
		}
		t := Ticket{
			ID: NewID(), QueueID: q.ID, Day: day(now, s.ClinicLocation(*q)), Seq: OrderKey(false, due),
			Name: r.Name, Phone: r.Phone, AppointmentTime: r.AppointmentTime,
			Status: StatusWaiting, CheckInTime: now, DueAt: due, Language: lang,
		}
		// A walk-in goes after every walk-in already in the line. The group's
		// clock is read before it waits for the line's lock, so on PostgreSQL
		// another instance may have committed a check-in stamped later while
		// this one waited; by time alone this one would jump ahead of it, and
		// that patient's position at check-in would be wrong at once.
		if due.Equal(now) && t.Seq <= b.walkIns {
			t.Seq = b.walkIns + 1
		}
		if !r.FrontDesk {
			// The quote a new arrival would get, before anything is written: a
			// line that would keep them past closing refuses them.
			pos := waitingBefore(b.active, freeKey(b.active, t.Seq)) + 1
			quote := s.estimatorAt(*q, b.active, b.fit, now).QuoteFor(pos, b.fit, b.elapsed(now), due.Sub(now))
			if err := s.fitsBeforeClosing(*q, now, quote.Wait); err != nil {
				return err
			}
		}
		n, err := tx.NextTicketNumber(ctx, q.ID, t.Day)
		if err != nil {
			return err
		}
		t.Number = TicketNumber(q.Prefix, n)
		insert := func(t *Ticket) error {
			if err := tx.InsertTicket(ctx, t); err != nil {
				if errors.Is(err, ErrDuplicate) {
					return Errorf(CodeDuplicate, "This phone number is already in the queue")
				}
				return err
			}
			return nil
		}
		e, ready, err := s.arrive(ctx, tx, *q, b, t, insert, now, ch, &next)
		if err != nil {
			return err
		}
		// One text, not two: a ticket ready at check-in gets a confirmation worded
		// as the get-ready notice (docs/sms.md).
		confirm := s.confirmationText(*q, e, ready)
		if r.ReplyTo != "" {
			_, err = s.replyOnce(ctx, tx, *q, e.Phone, e.ID, r.ReplyTo, confirm, now, toldUntil(e, now))
		} else {
			err = s.addConfirmation(ctx, tx, *q, e, confirm, now)
		}
		if err != nil {
			return err
		}
		ch.Kind, ch.Ticket = ChangeCheckedIn, e
		return nil
	})
	return ch.Ticket, clinic, err
}

// arrive puts t, a waiting ticket new to line q (checked in, or transferred from
// another line), into the line whose basis is b: store writes it (InsertTicket
// or MoveTicket, which settle its Seq), then arrive lays out, quotes it, applies
// the get-ready rule to it alone (an arrival pushes others back, never forward),
// and fills in ch (but Kind and Ticket's final form) and the line's next basis.
// It returns t as an entry and whether it is ready on arrival; t's ReadyAt and
// QuotedWait are stored, so it sets them before store runs.
//
// A walk-in joins the end, the common case, which costs O(1): one entry moves,
// and the basis grows by an append. Anyone else (a booked patient, a transfer
// keeping their place) lands among the waiting; everyone behind moves back, and
// the layout is O(N).
func (s *Service) arrive(ctx context.Context, tx Tx, q Queue, b basis, t Ticket, store func(*Ticket) error, now time.Time, ch *Change, next *basis) (Entry, bool, error) {
	called := len(b.calledAt)
	// Two tickets due in the same microsecond (a test's frozen clock, a burst
	// of check-ins): the later one goes after. The key is first moved past
	// every active ticket's; the store may still move it past an inactive
	// ticket's, and then past active ones behind that: the position is settled
	// after the store has the key, and the quote written then corrected.
	t.Seq = freeKey(b.active, t.Seq)
	quoteAt := func(pos int) (Quote, bool) {
		return s.estimatorAt(q, b.active, b.fit, now).QuoteFor(pos, b.fit, b.elapsed(now), t.DueAt.Sub(now)), called > 0 && pos <= s.getReady(q)
	}
	pos := waitingBefore(b.active, t.Seq) + 1
	quote, ready := quoteAt(pos)
	if ready {
		t.ReadyAt = now
	}
	t.QuotedWait = quote.Wait
	if err := store(&t); err != nil {
		return Entry{}, false, err
	}
	if p := waitingBefore(b.active, t.Seq) + 1; p != pos {
		pos = p
		quote, ready = quoteAt(pos)
		t.ReadyAt = time.Time{}
		if ready {
			t.ReadyAt = now
		}
		t.QuotedWait = quote.Wait
		if err := tx.UpdateTicket(ctx, t); err != nil {
			return Entry{}, false, err
		}
	}
	ch.Waiting, ch.Called = b.waiting+1, called
	at := called + pos - 1 // active holds the called, then the waiting in key order
	if at == len(b.active) {
		e := Entry{Ticket: t, Position: pos}
		e.setQuote(quote)
		ch.Moved = []Entry{e}
		if ready {
			ch.Ready = []Entry{e}
		}
		*next = b
		next.version, next.waiting = q.Version+1, b.waiting+1
		next.active = append(b.active, stored(t))
		if k, ok := walkInKey(t); ok && k > next.walkIns {
			next.walkIns = k
		}
		return e, ready, nil
	}
	before := s.told(q, b.active, b.fit, now)
	after := make([]Ticket, 0, roomToGrow(len(b.active)+1))
	after = append(append(append(after, b.active[:at]...), stored(t)), b.active[at:]...)
	entries := s.layout(q, after, b.fit, now)
	ch.Entries, ch.Moved = entries, moved(b.active, before, entries)
	ch.Waiting, ch.Called, ch.NowServing = counts(entries)
	e := entries[at]
	if ready {
		ch.Ready = []Entry{e}
	}
	*next = basisOf(after, b.fit, q.Version+1)
	return e, ready, nil
}

// freeKey is the first key at or above k that no ticket of active has.
func freeKey(active []Ticket, k int64) int64 {
	called := 0
	for called < len(active) && active[called].Status != StatusWaiting {
		called++
	}
	w := active[called:]
	taken := func(k int64) bool {
		if _, found := slices.BinarySearchFunc(w, k, func(x Ticket, k int64) int { return cmp.Compare(x.Seq, k) }); found {
			return true
		}
		return slices.ContainsFunc(active[:called], func(x Ticket) bool { return x.Seq == k })
	}
	for taken(k) {
		k++
	}
	return k
}

// waitingBefore counts the waiting tickets of active (ActiveTickets order) whose
// key is below seq.
func waitingBefore(active []Ticket, seq int64) int {
	called := 0
	for called < len(active) && active[called].Status != StatusWaiting {
		called++
	}
	n, _ := slices.BinarySearchFunc(active[called:], seq, func(x Ticket, k int64) int { return cmp.Compare(x.Seq, k) })
	return n
}

// language is the language a check-in asked for, or the default when it asked
// for none; one the deployment does not speak is a validation error.
func (s *Service) language(lang string) (string, error) {
	c := s.Config.languages()
	if lang == "" {
		return c.DefaultLanguage(), nil
	}
	if !c.Supports(lang) {
		return "", validationError("language", "language must be one of %s", strings.Join(c.Languages(), ", "))
	}
	return lang, nil
}

// addConfirmation writes a check-in's confirmation text: due at once or, while
// this instance is over its confirmation texts a minute (Service.Hold), held
// until there is room for it, with why.
//
// The hold is decided inside the check-in's transaction: one that then rolls
// back leaves its slot taken, which delays a later confirmation by one slot
// (a second at the default 60 a minute) and is forgotten within the minute.
func (s *Service) addConfirmation(ctx context.Context, tx Tx, q Queue, e Entry, body string, now time.Time) error {
	return s.addText(ctx, tx, q, e.Ticket, MessageConfirmation, "", body, now, toldUntil(e, now), s.Hold)
}

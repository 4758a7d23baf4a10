package queue

import (
	"cmp"
	"context"
	"slices"
	"time"
)

// layout derives positions and estimates for the active tickets of queue q, given
// in ActiveTickets order (called first, then waiting by Seq), at time now with the
// learned fit f. Positions are computed here and nowhere stored, so they are
// always 1..N.
func (s *Service) layout(q Queue, active []Ticket, f Fit, now time.Time) []Entry {
	at := s.told(q, active, f, now)
	entries := make([]Entry, len(active))
	for i := range active {
		entries[i] = Entry{Ticket: active[i], Position: at.pos[i]}
		if at.pos[i] > 0 {
			entries[i].setQuote(at.quote(i))
		}
	}
	return entries
}

// told is what the patients of a queue are told at now: each active
// ticket's position (0 when not waiting), and its quote, worked out when
// asked for. layout asks for every one; moved, comparing with the list before
// a change, only where a position stayed. A call-next moves every waiting
// ticket up one, so moved works out none of the quotes before it: 2,000 of
// them, a logarithm and an exponential each, were a tenth of the call's
// transaction.
type told struct {
	pos   []int
	quote func(i int) Quote // the quote of the waiting ticket at index i
}

// told returns what the patients of active (ActiveTickets order) are told at
// now with the fit f.
func (s *Service) told(q Queue, active []Ticket, f Fit, now time.Time) told {
	qt := s.estimatorAt(q, active, f, now).quoter(f, inService(active, now))
	pos := make([]int, len(active))
	n := 0
	for i := range active {
		if active[i].Status == StatusWaiting {
			n++
			pos[i] = n
		}
	}
	return told{pos: pos, quote: func(i int) Quote { return qt.quoteFor(pos[i], active[i].DueAt.Sub(now)) }}
}

// inService returns how long each called ticket among active has been in service.
func inService(active []Ticket, now time.Time) []time.Duration {
	var elapsed []time.Duration
	for i := range active {
		if active[i].Status == StatusCalled {
			elapsed = append(elapsed, now.Sub(active[i].CalledAt))
		}
	}
	return elapsed
}

// fit learns the queue's visits, and what becomes of the tickets ahead, from
// its recently finished tickets.
func (s *Service) fit(ctx context.Context, tx Tx, q Queue) (Fit, error) {
	e := s.LineEstimator(q)
	finished, err := tx.RecentFinished(ctx, q.ID, e.window())
	if err != nil {
		return Fit{}, err
	}
	return e.Learn(finished), nil
}

// LineEstimator is the deployment's estimator as line q uses it: the line's own
// visit-length prior, and as many rooms as are open and serve it — or the
// deployment's SMARTWAIT_ROOMS while no room is set up to serve it (a one-line
// clinic that never defined rooms). A line whose rooms are all closed counts
// one: its patients will be seen when a room opens, and a quote of "never"
// helps nobody.
func (s *Service) LineEstimator(q Queue) Estimator {
	e := s.Config.Estimator
	if q.VisitPrior > 0 {
		e.Prior = q.VisitPrior
	}
	if q.ServingRooms > 0 {
		e.Rooms = max(q.OpenRooms, 1)
	}
	return e
}

// TypicalWait is the wait, in whole minutes, of someone joining line q now
// behind waiting tickets while called ones are served, by the line's learned
// visit length and leaving out how long the current visits have run: what the
// waiting-room display shows, so that time alone never changes it. The
// display's REST answer and its events both use it, so they agree.
func (s *Service) TypicalWait(q Queue, waiting, called int) int {
	e := s.LineEstimator(q)
	return e.Wait(waiting+1, called, q.ServiceTime)
}

// getReady is the get-ready position of line q.
func (s *Service) getReady(q Queue) int {
	if q.GetReady > 0 {
		return q.GetReady
	}
	return s.Config.GetReadyPosition
}

func (e *Entry) setQuote(q Quote) {
	e.EstimatedWait, e.EstimatedWaitLow, e.EstimatedWaitHigh = q.Wait, q.Low, q.High
}

// moved returns the entries of after whose position, estimate (or its range) or
// status differ from what they were before — before holds the tickets in
// ActiveTickets order and at what they were told — plus those new in after.
//
// A ticket is matched by Seq, unique in a queue, and confirmed by id. The
// waiting tickets are in Seq order in both lists, so they are matched by one
// merge; any other (the called, few) by a scan of before's called ones, then a
// binary search of its waiting ones (a ticket just called was waiting). No map of
// thousands of ids is built.
func moved(before []Ticket, at told, after []Entry) []Entry {
	nc := 0 // before's called tickets, all at the front
	for nc < len(before) && before[nc].Status != StatusWaiting {
		nc++
	}
	waiting := before[nc:]
	find := func(e *Entry) (int, bool) {
		for i := range before[:nc] {
			if before[i].Seq == e.Seq {
				return i, before[i].ID == e.ID
			}
		}
		j, ok := slices.BinarySearchFunc(waiting, e.Seq, func(t Ticket, seq int64) int { return cmp.Compare(t.Seq, seq) })
		return nc + j, ok && waiting[j].ID == e.ID
	}
	// The moved entries are usually one run of after: a call moves every
	// waiting ticket up one. Moved then shares that run instead of copying it
	// (hundreds of kB per call-next with thousands waiting, a good part of
	// what made the collector run during the fan-out); its capacity ends with
	// the run, so an append to Moved cannot write into Entries. Indexes are
	// collected only once a gap shows, so that scattered entries, hundreds of
	// bytes each, are copied once into a slice of the right size.
	first, end := 0, 0 // the moved entries so far, while they are one run: after[first:end]
	var idx []int      // every moved entry's index, once they are not
	next := 0          // merge cursor in waiting
	for k := range after {
		e := &after[k]
		var i int
		var ok bool
		if e.Status == StatusWaiting {
			for next < len(waiting) && waiting[next].Seq < e.Seq {
				next++
			}
			if next < len(waiting) && waiting[next].Seq == e.Seq {
				i, ok = nc+next, waiting[next].ID == e.ID
			} else {
				i, ok = find(e)
			}
		} else {
			i, ok = find(e)
		}
		if ok && at.pos[i] == e.Position && before[i].Status == e.Status && (e.Status != StatusWaiting || unchanged(at.quote(i), e)) {
			continue
		}
		switch {
		case idx != nil:
			idx = append(idx, k)
		case first == end: // the first moved entry
			first, end = k, k+1
		case k == end:
			end++
		default: // a gap: the run so far, then k
			for j := first; j < end; j++ {
				idx = append(idx, j)
			}
			idx = append(idx, k)
		}
	}
	if idx == nil {
		if first == end {
			return nil
		}
		return after[first:end:end]
	}
	out := make([]Entry, len(idx))
	for i, k := range idx {
		out[i] = after[k]
	}
	return out
}

// unchanged reports whether waiting entry e still has the quote q.
func unchanged(q Quote, e *Entry) bool {
	return q.Wait == e.EstimatedWait && q.Low == e.EstimatedWaitLow && q.High == e.EstimatedWaitHigh
}

// counts returns how many entries are waiting and called, and the ticket number of
// the most recently called one.
func counts(entries []Entry) (waiting, called int, nowServing string) {
	var last time.Time
	for _, e := range entries {
		switch e.Status {
		case StatusWaiting:
			waiting++
		case StatusCalled:
			called++
			if !e.CalledAt.Before(last) {
				last, nowServing = e.CalledAt, e.Number
			}
		}
	}
	return waiting, called, nowServing
}

// markReady applies the get-ready rule (docs/sms.md) to a laid-out queue: while at
// least one ticket is called, every waiting ticket at a position up to
// GetReadyPosition that was never ready becomes ready now, and its get_ready SMS is
// written to the outbox. It updates entries in place and returns the newly ready.
func (s *Service) markReady(ctx context.Context, tx Tx, q Queue, entries []Entry, now time.Time) ([]Entry, error) {
	_, called, _ := counts(entries)
	if called == 0 {
		return nil, nil
	}
	var ready []Entry
	for i := range entries {
		e := &entries[i]
		if e.Status != StatusWaiting || e.Position > s.getReady(q) || !e.ReadyAt.IsZero() {
			continue
		}
		e.ReadyAt = now
		if err := tx.UpdateTicket(ctx, e.Ticket); err != nil {
			return nil, err
		}
		if err := s.addTold(ctx, tx, q, e.Ticket, MessageGetReady, lineKey(q.ID), s.getReadyText(q, *e), now, toldUntil(*e, now)); err != nil {
			return nil, err
		}
		ready = append(ready, *e)
	}
	return ready, nil
}

// addMessage writes one SMS to the outbox, from the sender of line q's clinic
// (Clinic.SMSFrom; the default clinic's: the deployment's number). key
// distinguishes several messages of one kind for one ticket (recalls); "" for
// kinds sent at most once per ticket.
//
// A ticket without a phone (checked in at the front desk) gets no texts.
func (s *Service) addMessage(ctx context.Context, tx Tx, q Queue, t Ticket, kind MessageKind, key, body string, due time.Time) error {
	return s.addTold(ctx, tx, q, t, kind, key, body, due, time.Time{})
}

// addTold is addMessage for a text that tells the patient when they will be
// seen (told): the moment delay alerts compare against (delay.go).
func (s *Service) addTold(ctx context.Context, tx Tx, q Queue, t Ticket, kind MessageKind, key, body string, due, told time.Time) error {
	return s.addText(ctx, tx, q, t, kind, key, body, due, told, nil)
}

// addText is addTold for a text that may be held (hold, nil for none): one
// that will be sent, to a number that has not opted out, asks hold whether it
// must wait, and if so is written due later, with why as its last error. The
// opt-out lookup comes first so that a text never sent takes no room held for
// one that will be.
func (s *Service) addText(ctx context.Context, tx Tx, q Queue, t Ticket, kind MessageKind, key, body string, due, told time.Time, hold ConfirmationHold) error {
	if t.Phone == "" {
		return nil
	}
	// A number that texted STOP gets no text of any kind (inbound.go). The
	// text is kept, cancelled, with why: staff see it in the SMS log.
	optedOut, err := tx.OptedOut(ctx, t.Phone)
	if err != nil {
		return err
	}
	status, reason := MessagePending, ""
	if !optedOut.IsZero() {
		status, reason = MessageCancelled, OptedOutReason(optedOut)
	} else if hold != nil {
		if until, why, held := hold.HoldConfirmation(due); held {
			due, reason = until, why
		}
	}
	dedupe := t.ID + ":" + string(kind)
	if key != "" {
		dedupe += ":" + key
	}
	return tx.AddMessage(ctx, &Message{
		TicketID: t.ID, Kind: kind, To: t.Phone, From: q.Clinic.SMSFrom, Body: body, DedupeKey: dedupe,
		Status: status, LastError: reason, CreatedAt: s.now(), DueAt: due, ToldUntil: told,
	})
}

// lineKey tells apart the texts of one kind a ticket gets in each line it waits
// in (a transfer from triage to the doctor is a new wait, with its own get-ready
// and follow-up): "" in the default line, so that a one-line clinic's dedupe
// keys are what they always were.
func lineKey(queueID string) string {
	if queueID == DefaultQueueID {
		return ""
	}
	return queueID
}

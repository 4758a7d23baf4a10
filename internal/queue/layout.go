package queue

import (
	"context"
	"time"
)

// layout derives positions and estimates for a queue's active tickets, given in
// ActiveTickets order (called first, then waiting by Seq), at time now with the
// learned fit f. Positions are computed here and nowhere stored, so they are
// always 1..N.
func (s *Service) layout(active []Ticket, f Fit, now time.Time) []Entry {
	elapsed := inService(active, now)
	entries := make([]Entry, len(active))
	pos := 0
	for i, t := range active {
		e := Entry{Ticket: t}
		if t.Status == StatusWaiting {
			pos++
			e.Position = pos
			e.setQuote(s.Config.Estimator.Quote(pos, f, elapsed))
		}
		entries[i] = e
	}
	return entries
}

// inService returns how long each called ticket among active has been in service.
func inService(active []Ticket, now time.Time) []time.Duration {
	var elapsed []time.Duration
	for _, t := range active {
		if t.Status == StatusCalled {
			elapsed = append(elapsed, now.Sub(t.CalledAt))
		}
	}
	return elapsed
}

// fit learns the queue's visit lengths from its recent completed visits.
func (s *Service) fit(ctx context.Context, tx Tx, queueID string) (Fit, error) {
	samples, err := tx.RecentServiceTimes(ctx, queueID, s.Config.Estimator.window())
	if err != nil {
		return Fit{}, err
	}
	return s.Config.Estimator.Fit(samples), nil
}

func (e *Entry) setQuote(q Quote) {
	e.EstimatedWait, e.EstimatedWaitLow, e.EstimatedWaitHigh = q.Wait, q.Low, q.High
}

// moved returns the entries of after whose position, estimate (or its range) or
// status differ from
// before (matched by ticket id), plus those new in after.
func moved(before, after []Entry) []Entry {
	old := make(map[string]Entry, len(before))
	for _, e := range before {
		old[e.ID] = e
	}
	var out []Entry
	for _, e := range after {
		b, ok := old[e.ID]
		if !ok || b.Position != e.Position || b.Status != e.Status || b.EstimatedWait != e.EstimatedWait ||
			b.EstimatedWaitLow != e.EstimatedWaitLow || b.EstimatedWaitHigh != e.EstimatedWaitHigh {
			out = append(out, e)
		}
	}
	return out
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

// markReady applies the get-ready rule (CONTRACT §5) to a laid-out queue: while at
// least one ticket is called, every waiting ticket at a position up to
// GetReadyPosition that was never ready becomes ready now, and its get_ready SMS is
// written to the outbox. It updates entries in place and returns the newly ready.
func (s *Service) markReady(ctx context.Context, tx Tx, entries []Entry, now time.Time) ([]Entry, error) {
	_, called, _ := counts(entries)
	if called == 0 {
		return nil, nil
	}
	var ready []Entry
	for i := range entries {
		e := &entries[i]
		if e.Status != StatusWaiting || e.Position > s.Config.GetReadyPosition || !e.ReadyAt.IsZero() {
			continue
		}
		e.ReadyAt = now
		if err := tx.UpdateTicket(ctx, e.Ticket); err != nil {
			return nil, err
		}
		if err := s.addMessage(ctx, tx, e.Ticket, MessageGetReady, "", s.getReadyText(*e), now); err != nil {
			return nil, err
		}
		ready = append(ready, *e)
	}
	return ready, nil
}

// addMessage writes one SMS to the outbox. key distinguishes several messages of
// one kind for one ticket (recalls); "" for kinds sent at most once per ticket.
func (s *Service) addMessage(ctx context.Context, tx Tx, t Ticket, kind MessageKind, key, body string, due time.Time) error {
	dedupe := t.ID + ":" + string(kind)
	if key != "" {
		dedupe += ":" + key
	}
	return tx.AddMessage(ctx, &Message{
		TicketID: t.ID, Kind: kind, To: t.Phone, Body: body, DedupeKey: dedupe,
		Status: MessagePending, CreatedAt: s.now(), DueAt: due,
	})
}

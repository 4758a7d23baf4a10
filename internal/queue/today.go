package queue

import (
	"context"
	"slices"
)

// Today returns the tickets of the queue ("" = default) that checked in today
// (clinic time zone), whatever their status, in check-in order, with positions and
// estimates for the waiting ones. It feeds the staff's wait chart and the
// waiting-room display's recent calls; callers choose which fields they show.
func (s *Service) Today(ctx context.Context, queueID string) ([]Entry, error) {
	if queueID == "" {
		queueID = DefaultQueueID
	}
	now := s.now()
	var tickets []Ticket
	var active []Entry
	err := s.Store.View(ctx, func(tx Tx) error {
		q, err := tx.Queue(ctx, queueID)
		if err != nil {
			return err
		}
		b, err := s.loadBasis(ctx, tx, q)
		if err != nil {
			return err
		}
		active = s.layout(q, b.active, b.fit, now)
		tickets, err = tx.TicketsSince(ctx, queueID, s.dayStart(now))
		return err
	})
	if err != nil {
		return nil, storeError(err)
	}
	byID := make(map[string]Entry, len(active))
	for _, e := range active {
		byID[e.ID] = e
	}
	out := make([]Entry, len(tickets))
	for i, t := range tickets {
		out[i] = Entry{Ticket: t}
		if e, ok := byID[t.ID]; ok {
			out[i] = e
		}
	}
	// The store lists them by Seq, the line's order; a booked or urgent ticket
	// is not where it checked in.
	slices.SortStableFunc(out, func(a, b Entry) int { return a.CheckInTime.Compare(b.CheckInTime) })
	return out, nil
}

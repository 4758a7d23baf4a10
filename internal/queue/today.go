package queue

import (
	"context"
	"slices"
	"time"
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
	var out []Entry
	err := s.Store.View(ctx, func(tx Tx) error {
		q, err := tx.Queue(ctx, queueID)
		if err != nil {
			return err
		}
		b, err := s.loadBasis(ctx, tx, q)
		if err != nil {
			return err
		}
		out, err = s.today(ctx, tx, q, b, now)
		return err
	})
	return out, storeError(err)
}

// today is Today of line q, whose basis is b, inside tx.
func (s *Service) today(ctx context.Context, tx Tx, q Queue, b basis, now time.Time) ([]Entry, error) {
	tickets, err := tx.TicketsSince(ctx, q.ID, dayStart(now, s.ClinicLocation(q)))
	if err != nil {
		return nil, err
	}
	active := s.layout(q, b.active, b.fit, now)
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

// LineDay is a line's figures now (LineStatus) and its day so far (Today).
type LineDay struct {
	LineStatus
	Today []Entry
}

// LinesToday returns the lines named in follow (nil: every line, by position)
// with their figures and their day, read in one transaction: what the
// waiting-room display shows, so that each line's version is that of what is
// shown. An unknown line is LINE_NOT_FOUND.
func (s *Service) LinesToday(ctx context.Context, follow []string) ([]LineDay, error) {
	now := s.now()
	var out []LineDay
	err := s.Store.View(ctx, func(tx Tx) error {
		lines, err := tx.Lines(ctx)
		if err != nil {
			return err
		}
		if follow != nil {
			for _, slug := range follow {
				if !slices.ContainsFunc(lines, func(q Queue) bool { return q.ID == slug }) {
					return LineNotFound(slug)
				}
			}
			// In the lines' own order, as every line would be.
			lines = slices.DeleteFunc(lines, func(q Queue) bool { return !slices.Contains(follow, q.ID) })
		}
		for _, q := range lines {
			b, err := s.loadBasis(ctx, tx, q)
			if err != nil {
				return err
			}
			day, err := s.today(ctx, tx, q, b, now)
			if err != nil {
				return err
			}
			out = append(out, LineDay{LineStatus: s.lineStatus(q, b, now), Today: day})
		}
		return nil
	})
	return out, storeError(err)
}

package queue

import (
	"context"
	"strconv"
	"time"
)

// Delay alerts (docs/sms.md): a waiting patient whose quoted wait grew well
// past what a text last told them — a visit running long, urgent patients put
// ahead, a room closed — gets one "running late" text, so they are not
// caught out. Every text that tells a wait records when it said the patient
// would be seen (Message.ToldUntil); AlertDelays, run every minute, compares
// each waiting patient's quote with the newest such moment.

// DelayAlertEvery is how often, at most, one ticket gets a delay alert.
const DelayAlertEvery = 30 * time.Minute

// toldUntil is when a text quoting e's wait at now says e will be seen.
func toldUntil(e Entry, now time.Time) time.Time {
	return now.Add(time.Duration(e.EstimatedWait) * time.Minute)
}

// AlertDelays writes a delay alert for every waiting patient with a phone
// whose quote now runs Config.DelayAlertAfter or more past what they were
// last told, and who had none in the last DelayAlertEvery. It returns how
// many it wrote. Nobody's place changes: it publishes nothing.
func (s *Service) AlertDelays(ctx context.Context) (int, error) {
	if s.Config.DelayAlertAfter <= 0 {
		return 0, nil
	}
	var lines []string
	if err := s.Store.View(ctx, func(tx Tx) error {
		qs, err := tx.Lines(ctx)
		for _, q := range qs {
			lines = append(lines, q.ID)
		}
		return err
	}); err != nil {
		return 0, err
	}
	queues, err := s.Queues(ctx, lines)
	if err != nil {
		return 0, err
	}
	now := s.now()
	// One read finds who is past the threshold; only they get a write
	// transaction, which checks again. A pass over a long line every minute
	// then costs the writers nothing when nobody is late.
	var late []Entry
	err = s.Store.View(ctx, func(tx Tx) error {
		for _, lq := range queues {
			for _, e := range lq.Entries {
				if e.Status != StatusWaiting || e.Phone == "" {
					continue
				}
				told, err := tx.LastTold(ctx, e.ID)
				if err != nil {
					return err
				}
				if s.pastTold(e, told, now) {
					late = append(late, e)
				}
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, e := range late {
		wrote, err := s.alertDelay(ctx, e, now)
		if err != nil {
			return sent, err
		}
		if wrote {
			sent++
		}
	}
	return sent, nil
}

// pastTold reports whether e, quoted at now, will be seen DelayAlertAfter or
// more later than its last text told (told; zero: no text told a wait).
func (s *Service) pastTold(e Entry, told, now time.Time) bool {
	return !told.IsZero() && toldUntil(e, now).Sub(told) >= s.Config.DelayAlertAfter
}

// alertDelay writes e's delay alert if it is due (AlertDelays).
func (s *Service) alertDelay(ctx context.Context, e Entry, now time.Time) (bool, error) {
	expected := toldUntil(e, now)
	wrote := false
	err := s.Store.Update(ctx, func(tx Tx) error {
		told, err := tx.LastTold(ctx, e.ID)
		if err != nil || !s.pastTold(e, told, now) {
			return err
		}
		if recent, err := tx.TextedSince(ctx, e.Phone, MessageDelay, now.Add(-DelayAlertEvery)); err != nil || recent {
			return err
		}
		// The alert is of the ticket's line's clinic: its name, its number.
		q, err := tx.Queue(ctx, e.QueueID)
		if err != nil {
			return err
		}
		p := printer(e.Language)
		body := s.compose(q, e.Name, p.T("sms.delay", "ticket", e.Number, "position", e.Position, "minutes", e.EstimatedWait))
		// One alert per ticket and half-hour window, whatever the instances
		// running this at once: the dedupe key.
		window := strconv.FormatInt(now.Unix()/int64(DelayAlertEvery/time.Second), 10)
		if err := s.addTold(ctx, tx, q, e.Ticket, MessageDelay, window, body, now, expected); err != nil {
			return err
		}
		wrote = true
		return nil
	})
	return wrote, err
}

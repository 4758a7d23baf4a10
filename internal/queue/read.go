package queue

import (
	"context"
	"errors"
	"math"
	"slices"
	"time"
)

// Status returns what the patient with the given id sees: position, estimate and
// its range, status and queue length — the same figures Queue gives at the same
// moment. Unknown and malformed ids fail with CodePatientNotFound.
func (s *Service) Status(ctx context.Context, id string) (PatientStatus, error) {
	if !ValidID(id) {
		return PatientStatus{}, PatientNotFound()
	}
	now := s.now()
	var st PatientStatus
	err := s.Store.View(ctx, func(tx Tx) error {
		t, err := tx.Ticket(ctx, id)
		if err != nil {
			return err
		}
		q, err := tx.Queue(ctx, t.QueueID)
		if errors.Is(err, ErrNotFound) && !t.Status.Active() {
			// A visit that ended in a line since deleted: still the patient's.
			st = PatientStatus{Entry: Entry{Ticket: t}}
			return nil
		}
		if err != nil {
			return err
		}
		st = PatientStatus{Entry: Entry{Ticket: t}, Version: q.Version, Clinic: q.Clinic.Slug, Rooms: q.ClinicSlug()}
		if !t.Status.Active() {
			waiting, _, err := tx.CountActive(ctx, t.QueueID)
			st.QueueLength = waiting
			return err
		}
		// The basis and one indexed count give the same figures as laying out the
		// whole queue, without reading every active ticket on each poll.
		b, err := s.loadBasis(ctx, tx, q)
		if err != nil {
			return err
		}
		st.QueueLength = b.waiting
		if t.Status == StatusWaiting {
			ahead, err := tx.CountWaitingBefore(ctx, t.QueueID, t.Seq)
			if err != nil {
				return err
			}
			st.Position = ahead + 1
			st.setQuote(s.estimatorAt(q, b.active, b.fit, now).QuoteFor(st.Position, b.fit, b.elapsed(now), t.DueAt.Sub(now)))
		}
		return nil
	})
	return st, storeError(err)
}

// Queue returns the active tickets of the queue (queueID "" = default): called
// first, then waiting in position order, with positions and estimates.
func (s *Service) Queue(ctx context.Context, queueID string) ([]Entry, int64, error) {
	if queueID == "" {
		queueID = DefaultQueueID
	}
	now := s.now()
	var entries []Entry
	var version int64
	err := s.Store.View(ctx, func(tx Tx) error {
		q, err := tx.Queue(ctx, queueID)
		if errors.Is(err, ErrNotFound) {
			return LineNotFound(queueID)
		}
		if err != nil {
			return err
		}
		b, err := s.loadBasis(ctx, tx, q)
		if err != nil {
			return err
		}
		entries, version = s.layout(q, b.active, b.fit, now), q.Version
		return nil
	})
	return entries, version, storeError(err)
}

// LineQueue is one line's active queue, as Queue returns it.
type LineQueue struct {
	Line    string
	Entries []Entry
	Version int64
}

// Queues returns the active queues of the given lines (nil: every line, by
// position) read in one transaction, so that what a dashboard or a stream's
// snapshot shows of several lines is one moment of the clinic. An unknown line
// named in lines is LINE_NOT_FOUND.
func (s *Service) Queues(ctx context.Context, lines []string) ([]LineQueue, error) {
	now := s.now()
	var out []LineQueue
	err := s.Store.View(ctx, func(tx Tx) error {
		var qs []Queue
		if lines == nil {
			var err error
			if qs, err = tx.Lines(ctx); err != nil {
				return err
			}
		}
		for _, id := range lines {
			q, err := tx.Queue(ctx, id)
			if errors.Is(err, ErrNotFound) {
				return LineNotFound(id)
			}
			if err != nil {
				return err
			}
			qs = append(qs, q)
		}
		out = make([]LineQueue, 0, len(qs))
		for _, q := range qs {
			b, err := s.loadBasis(ctx, tx, q)
			if err != nil {
				return err
			}
			out = append(out, LineQueue{Line: q.ID, Entries: s.layout(q, b.active, b.fit, now), Version: q.Version})
		}
		return nil
	})
	return out, storeError(err)
}

// Stats are the figures of one clinic day. Durations are in minutes, rounded to one
// decimal.
type Stats struct {
	Day                string  `json:"day"`
	TotalWaiting       int     `json:"totalWaiting"`
	TotalCalled        int     `json:"totalCalled"`
	TotalCompleted     int     `json:"totalCompleted"`
	TotalNoShow        int     `json:"totalNoShow"`
	TotalCancelled     int     `json:"totalCancelled"`
	AverageWaitTime    float64 `json:"averageWaitTime"`    // check-in to called, over tickets called today
	LongestWaitTime    float64 `json:"longestWaitTime"`    // including those still waiting
	AverageServiceTime float64 `json:"averageServiceTime"` // called to completed, over today's completed
	ServiceTime        float64 `json:"serviceTime"`        // the learned per-visit figure estimates use now
	// Estimate accuracy over today's completed visits, comparing the wait quoted
	// at check-in with the actual wait (check-in to called): the mean absolute
	// error in minutes, the share who waited longer than quoted (by more than the
	// half minute that rounding to whole minutes explains), and the share who
	// waited more than 10 minutes longer — the under-estimates patients resent.
	EstimateMeanAbsError float64 `json:"estimateMeanAbsError"`
	EstimateUnderShare   float64 `json:"estimateUnderShare"`
	EstimateLateShare    float64 `json:"estimateLateShare"`
	EstimateSamples      int     `json:"estimateSamples"`
	// Version is the line's version the figures are of (ClinicStats: the sum
	// of the lines'), for the answer's tag.
	Version int64 `json:"-"`
}

// Stats computes today's figures (clinic time zone) for the queue ("" = default).
func (s *Service) Stats(ctx context.Context, queueID string) (Stats, error) {
	if queueID == "" {
		queueID = DefaultQueueID
	}
	var day lineDay
	now := s.now()
	err := s.Store.View(ctx, func(tx Tx) (err error) {
		q, err := tx.Queue(ctx, queueID)
		if errors.Is(err, ErrNotFound) {
			return LineNotFound(queueID)
		}
		if err != nil {
			return err
		}
		day, err = s.loadDay(ctx, tx, q, now)
		return err
	})
	if err != nil {
		return Stats{}, storeError(err)
	}
	return s.stats(day), nil
}

// LineStats are one line's figures of the day.
type LineStats struct {
	Line string `json:"line"`
	Stats
}

// ClinicStats computes today's figures of the whole clinic — every line's
// tickets together — and each line's, in the lines' order. The clinic's
// serviceTime is the lines' learned figures weighted by their tickets of the
// day (the default line's on a day without any). With one line both are that
// line's figures.
func (s *Service) ClinicStats(ctx context.Context) (Stats, []LineStats, error) {
	return s.ClinicStatsOf(ctx, nil)
}

// ClinicStatsOf is ClinicStats over the lines of the clinics named (nil:
// every line): what a staff account of those clinics may see.
func (s *Service) ClinicStatsOf(ctx context.Context, clinicIDs []int64) (Stats, []LineStats, error) {
	var days []lineDay
	now := s.now() // one day for every line
	err := s.Store.View(ctx, func(tx Tx) error {
		lines, err := tx.Lines(ctx)
		if err != nil {
			return err
		}
		for _, q := range lines {
			if clinicIDs != nil && !slices.Contains(clinicIDs, q.ClinicID()) {
				continue
			}
			d, err := s.loadDay(ctx, tx, q, now)
			if err != nil {
				return err
			}
			days = append(days, d)
		}
		return nil
	})
	if err != nil {
		return Stats{}, nil, storeError(err)
	}
	all := lineDay{now: now}
	var weighted, weight float64
	var version int64
	per := make([]LineStats, 0, len(days))
	for _, d := range days {
		st := s.stats(d)
		per = append(per, LineStats{Line: d.queue.ID, Stats: st})
		all.tickets = append(all.tickets, d.tickets...)
		all.waiting += d.waiting
		all.called += d.called
		if d.queue.ID == DefaultQueueID || all.queue.ID == "" {
			all.queue = d.queue
		}
		version += st.Version
		weighted += st.ServiceTime * float64(len(d.tickets))
		weight += float64(len(d.tickets))
	}
	total := s.stats(all)
	total.Version = version
	if weight > 0 && len(days) > 1 {
		total.ServiceTime = math.Round(weighted/weight*10) / 10
	}
	return total, per, nil
}

// lineDay is what the figures of a day are computed from.
type lineDay struct {
	queue           Queue
	waiting, called int
	tickets         []Ticket  // today's
	now             time.Time // the figures are as of now
}

// loadDay reads line q's day.
func (s *Service) loadDay(ctx context.Context, tx Tx, q Queue, now time.Time) (lineDay, error) {
	d := lineDay{queue: q, now: now}
	var err error
	if d.waiting, d.called, err = tx.CountActive(ctx, q.ID); err != nil {
		return d, err
	}
	d.tickets, err = tx.TicketsSince(ctx, q.ID, dayStart(now, s.ClinicLocation(q)))
	return d, err
}

// stats computes the figures of a day.
func (s *Service) stats(d lineDay) Stats {
	now := d.now
	st := Stats{Day: day(now, s.ClinicLocation(d.queue)), TotalWaiting: d.waiting, TotalCalled: d.called, Version: d.queue.Version}
	svc := d.queue.ServiceTime
	if svc <= 0 {
		svc = s.LineEstimator(d.queue).Prior
	}
	st.ServiceTime = minutes(svc)
	var waitSum, serviceSum, absErr time.Duration
	var nWait, nService, nQuoted, under, late int
	var longest time.Duration
	for _, t := range d.tickets {
		switch t.Status {
		case StatusCompleted:
			st.TotalCompleted++
		case StatusNoShow:
			st.TotalNoShow++
		case StatusCancelled:
			st.TotalCancelled++
		}
		var wait time.Duration
		switch {
		case !t.CalledAt.IsZero():
			wait = t.CalledAt.Sub(t.CheckInTime)
			waitSum += wait
			nWait++
			if t.Status == StatusCompleted {
				nQuoted++
				diff := wait - time.Duration(t.QuotedWait)*time.Minute
				if diff > time.Minute/2 {
					under++
				}
				if diff > 10*time.Minute {
					late++
				}
				absErr += time.Duration(math.Abs(float64(diff)))
			}
		case t.Status == StatusWaiting:
			wait = now.Sub(t.CheckInTime)
		}
		longest = max(longest, wait)
		if t.Status == StatusCompleted && !t.CalledAt.IsZero() {
			serviceSum += t.CompletedAt.Sub(t.CalledAt)
			nService++
		}
	}
	st.LongestWaitTime = minutes(longest)
	if nWait > 0 {
		st.AverageWaitTime = minutes(waitSum / time.Duration(nWait))
	}
	if nQuoted > 0 {
		st.EstimateMeanAbsError = minutes(absErr / time.Duration(nQuoted))
		st.EstimateUnderShare = share(under, nQuoted)
		st.EstimateLateShare = share(late, nQuoted)
		st.EstimateSamples = nQuoted
	}
	if nService > 0 {
		st.AverageServiceTime = minutes(serviceSum / time.Duration(nService))
	}
	return st
}

func minutes(d time.Duration) float64 { return math.Round(d.Minutes()*10) / 10 }

// share is n/of rounded to three decimals.
func share(n, of int) float64 { return math.Round(float64(n)/float64(of)*1000) / 1000 }

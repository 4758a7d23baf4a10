package queue

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxLineName bounds a line's name, in characters.
const MaxLineName = 60

// LineStatus is a line as the check-in page and the staff see it now.
type LineStatus struct {
	Queue
	Waiting, Called int
	// EstimatedWait is the wait, in minutes, quoted to a walk-in checking in now.
	EstimatedWait int
	// OpenNow says whether the line takes remote check-ins now (open, and within
	// its hours); OpensAt, when it does not, is its next opening by its hours
	// (zero when unknown).
	OpenNow bool
	OpensAt time.Time
}

// Lines returns every line with its figures now, by position; publicOnly keeps
// the lines patients may pick.
func (s *Service) Lines(ctx context.Context, publicOnly bool) ([]LineStatus, error) {
	now := s.now()
	var out []LineStatus
	err := s.Store.View(ctx, func(tx Tx) error {
		lines, err := tx.Lines(ctx)
		if err != nil {
			return err
		}
		for _, q := range lines {
			if publicOnly && !q.Public {
				continue
			}
			b, err := s.loadBasis(ctx, tx, q)
			if err != nil {
				return err
			}
			out = append(out, s.lineStatus(q, b, now))
		}
		return nil
	})
	return out, storeError(err)
}

// lineStatus is line q's figures at now, from its basis b.
func (s *Service) lineStatus(q Queue, b basis, now time.Time) LineStatus {
	ls := LineStatus{Queue: q, Waiting: b.waiting, Called: len(b.calledAt)}
	ls.EstimatedWait = s.estimatorAt(q, b.active, b.fit, now).Quote(b.waiting+1, b.fit, b.elapsed(now)).Wait
	ls.OpenNow = s.admitting(q, now) == nil
	if !ls.OpenNow {
		ls.OpensAt, _ = s.OpensAt(q, now)
	}
	return ls
}

// LineIDs returns the slug of every line, by position.
func (s *Service) LineIDs(ctx context.Context) ([]string, error) {
	var out []string
	err := s.Store.View(ctx, func(tx Tx) error {
		lines, err := tx.Lines(ctx)
		for _, q := range lines {
			out = append(out, q.ID)
		}
		return err
	})
	return out, storeError(err)
}

// LinePatch changes some settings of a line; nil fields stay as they are.
type LinePatch struct {
	Name, Prefix *string
	Open, Public *bool
	Appointments *bool
	Position     *int
	VisitPrior   *time.Duration
	GetReady     *int
	Grace        *time.Duration
	Hours        *Hours
}

// apply writes p over q and validates the result.
func (p LinePatch) apply(q *Queue) error {
	if p.Name != nil {
		q.Name = *p.Name
	}
	if p.Prefix != nil {
		q.Prefix = *p.Prefix
	}
	if p.Open != nil {
		q.Open = *p.Open
	}
	if p.Public != nil {
		q.Public = *p.Public
	}
	if p.Appointments != nil {
		q.Appointments = *p.Appointments
	}
	if p.Position != nil {
		q.Position = *p.Position
	}
	if p.VisitPrior != nil {
		q.VisitPrior = *p.VisitPrior
	}
	if p.GetReady != nil {
		q.GetReady = *p.GetReady
	}
	if p.Grace != nil {
		q.Grace = *p.Grace
	}
	if p.Hours != nil {
		q.Hours = *p.Hours
	}
	return validLine(q)
}

// validLine checks a line's settings and trims its name.
func validLine(q *Queue) error {
	if !ValidSlug(q.ID) {
		return validationError("slug", "slug must be 1-%d of a-z, 0-9 and '-'", MaxLineSlug)
	}
	q.Name = strings.TrimSpace(q.Name)
	if q.Name == "" || utf8.RuneCountInString(q.Name) > MaxLineName || hasControl(q.Name) || !utf8.ValidString(q.Name) {
		return validationError("name", "name must be 1-%d characters without control or text-direction characters", MaxLineName)
	}
	if !ValidPrefix(q.Prefix) {
		return validationError("prefix", "prefix must be one or two letters A-Z")
	}
	if q.VisitPrior < 0 || q.VisitPrior > 8*time.Hour {
		return validationError("visitMinutes", "visitMinutes must be between 0 (the deployment's) and 480")
	}
	if q.GetReady < 0 || q.GetReady > 100 {
		return validationError("getReadyPosition", "getReadyPosition must be between 0 (the deployment's) and 100")
	}
	if q.Grace < 0 || q.Grace > 4*time.Hour {
		return validationError("graceMinutes", "graceMinutes must be between 0 and 240")
	}
	return nil
}

// CreateLine adds a line to clinic q.Clinic.ID (0: the default clinic; the
// caller looks the clinic up, ClinicByID fills it in). Unset settings take their defaults: open, public,
// first come first served (no appointments), a 15-minute appointment grace, the deployment's visit length and get-ready
// position, no hours, after the last line. A slug or prefix already used is a
// CodeValidation error.
func (s *Service) CreateLine(ctx context.Context, q Queue, p LinePatch) (Queue, error) {
	q.Open, q.Public, q.Grace = true, true, DefaultGrace
	q.Version, q.ServiceTime, q.ServingRooms, q.OpenRooms = 0, 0, 0, 0
	if err := p.apply(&q); err != nil {
		return Queue{}, err
	}
	err := s.Store.Update(ctx, func(tx Tx) error {
		lines, err := tx.Lines(ctx)
		if err != nil {
			return err
		}
		if p.Position == nil {
			for _, l := range lines {
				q.Position = max(q.Position, l.Position+1)
			}
		}
		for _, l := range lines {
			if l.ID == q.ID {
				return validationError("slug", "there is already a line %q", q.ID)
			}
			if l.Prefix == q.Prefix && l.ClinicID() == q.ClinicID() {
				return validationError("prefix", "line %q already uses the prefix %s", l.ID, q.Prefix)
			}
		}
		if err := tx.CreateQueue(ctx, q); err != nil {
			if errors.Is(err, ErrDuplicate) {
				return validationError("slug", "the slug or the prefix is already used")
			}
			return err
		}
		return nil
	})
	return q, storeError(err)
}

// UpdateLine changes a line's settings. The change is a queue operation: the
// line's version moves on, and every patient whose estimate changes (a new visit
// length, a new get-ready position) hears of it at once.
func (s *Service) UpdateLine(ctx context.Context, slug string, p LinePatch) (Queue, error) {
	if !ValidSlug(slug) {
		return Queue{}, validationError("line", "there is no line %q", slug)
	}
	if err := s.Store.View(ctx, func(tx Tx) error { _, err := tx.Queue(ctx, slug); return err }); errors.Is(err, ErrNotFound) {
		return Queue{}, LineNotFound(slug)
	}
	var out Queue
	_, err := s.relayout(ctx, slug, func(ctx context.Context, tx Tx, q *Queue) error {
		if err := p.apply(q); err != nil {
			return err
		}
		if p.Prefix != nil {
			lines, err := tx.Lines(ctx)
			if err != nil {
				return err
			}
			for _, l := range lines {
				if l.ID != q.ID && l.Prefix == q.Prefix && l.ClinicID() == q.ClinicID() {
					return validationError("prefix", "line %q already uses the prefix %s", l.ID, q.Prefix)
				}
			}
		}
		if err := tx.SaveQueue(ctx, *q); err != nil {
			if errors.Is(err, ErrDuplicate) {
				return validationError("prefix", "the prefix is already used")
			}
			return err
		}
		out = *q
		return nil
	})
	return out, err
}

// relayout runs change on line slug's row, then lays the line out again and
// publishes a ChangeLineUpdated with every entry whose position, estimate or
// readiness moved.
func (s *Service) relayout(ctx context.Context, slug string, change func(ctx context.Context, tx Tx, q *Queue) error) (Change, error) {
	var next basis
	return s.mutate(ctx, slug, &next, func(ctx context.Context, tx Tx, q *Queue, now time.Time, ch *Change) error {
		b, err := s.loadBasis(ctx, tx, *q)
		if err != nil {
			return err
		}
		old := *q
		before := s.told(old, b.active, b.fit, now)
		if err := change(ctx, tx, q); err != nil {
			return err
		}
		f := b.fit
		if q.VisitPrior != old.VisitPrior {
			if f, err = s.fit(ctx, tx, *q); err != nil {
				return err
			}
		}
		if err := s.finish(ctx, tx, *q, ChangeLineUpdated, f, b.active, before, b.active, "", now, ch); err != nil {
			return err
		}
		next = basisOf(storedList(make([]Ticket, len(ch.Entries)), ch.Entries), f, q.Version+1)
		return nil
	})
}

// DeleteLine removes a line that nobody waits in or is called from (else
// CodeLineNotEmpty), and takes it off the rooms that served it. The default line
// cannot be deleted.
func (s *Service) DeleteLine(ctx context.Context, slug string) error {
	if slug == DefaultQueueID {
		return validationError("line", "the default line cannot be deleted")
	}
	if !ValidSlug(slug) {
		return LineNotFound(slug)
	}
	err := s.Store.Update(ctx, func(tx Tx) error {
		if _, err := tx.LockQueue(ctx, slug); err != nil {
			if errors.Is(err, ErrNotFound) {
				return LineNotFound(slug)
			}
			return err
		}
		waiting, called, err := tx.CountActive(ctx, slug)
		if err != nil {
			return err
		}
		if waiting+called > 0 {
			return Errorf(CodeLineNotEmpty, "The line still has %d patients; transfer or finish them first", waiting+called)
		}
		if err := tx.DeleteQueue(ctx, slug); err != nil {
			return err
		}
		rooms, err := tx.Rooms(ctx)
		if err != nil {
			return err
		}
		for _, r := range rooms {
			if r.Serves(slug) {
				r.Lines = slices.DeleteFunc(slices.Clone(r.Lines), func(l string) bool { return l == slug })
				if err := tx.SaveRoom(ctx, r.Name, r); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return storeError(err)
}

// LineNotFound is the error for a line that does not exist (404
// LINE_NOT_FOUND), for the Service and the HTTP layer alike.
func LineNotFound(slug string) *Error {
	return Errorf(CodeLineNotFound, "There is no line %q", slug)
}

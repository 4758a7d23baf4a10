package queue

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"smartwait/internal/i18n"
)

// Config holds the queue rules a deployment can tune.
type Config struct {
	Estimator        Estimator
	GetReadyPosition int            // position at which a ticket becomes ready (docs/sms.md)
	FollowUpAfter    time.Duration  // follow-up SMS delay for a called patient; 0 = none
	ClinicName       string         // in SMS texts
	PublicURL        string         // base for the status link in SMS texts
	PhoneRegion      string         // default region for phone numbers without "+"
	Location         *time.Location // the clinic's time zone: ticket numbers and stats are per local day
	// SMSCountries are the countries whose phones may check in (and so be texted);
	// zero: the country of PhoneRegion.
	SMSCountries Countries
	// CheckInsPerPhone bounds the check-ins of one phone number, in any queue and
	// whatever became of them, within CheckInsPerPhoneWindow; 0 = no bound.
	CheckInsPerPhone int
	// CommitGather is how long, at most, a busy server waits for concurrent
	// operations to join a group commit (commit.go); 0 = never wait.
	CommitGather time.Duration
	// ParallelLines gives each line a group commit of its own, so that
	// operations on different lines commit in parallel: for PostgreSQL, which
	// locks a line's row. SQLite has one writer, and one group commit for all
	// lines is cheaper there (commit.go, Lanes).
	ParallelLines bool
	// Languages are the languages patients may check in with, the default
	// first (SMARTWAIT_LANGUAGES); nil: i18n.Default(), English and Spanish.
	Languages *i18n.Catalog
	// SMSShiftTables says the SMS carrier honours GSM-7 national language
	// single-shift tables (3GPP TS 23.038), so a Spanish text keeps its accents
	// in a 155-character segment; without them such a text would go as UCS-2 at
	// 70 characters, and the composer writes it without the accents GSM-7 lacks
	// instead (texts.go).
	SMSShiftTables bool
	// DelayAlertAfter is how far past what a text last told them a waiting
	// patient's quote must run for a "running late" text (delay.go); 0: none.
	DelayAlertAfter time.Duration
}

// languages is Config.Languages or the default catalogue.
func (c Config) languages() *i18n.Catalog {
	if c.Languages != nil {
		return c.Languages
	}
	return i18n.Default()
}

// CheckInsPerPhoneWindow is the window Config.CheckInsPerPhone counts in.
const CheckInsPerPhoneWindow = time.Hour

// DefaultCommitGather is CommitGather's default: half a millisecond, a few
// check-ins' worth of arrivals under load.
const DefaultCommitGather = 500 * time.Microsecond

// DefaultConfig returns the contract's defaults.
func DefaultConfig() Config {
	return Config{
		Estimator:        DefaultEstimator(),
		GetReadyPosition: 3,
		FollowUpAfter:    10 * time.Minute,
		ClinicName:       "SmartWait",
		PublicURL:        "http://localhost:3001",
		PhoneRegion:      "US",
		Location:         time.Local,
		CheckInsPerPhone: 3,
		CommitGather:     DefaultCommitGather,
		DelayAlertAfter:  15 * time.Minute,
	}
}

// Service runs the queue's rules. Each mutation is atomic: it runs in a savepoint
// of one Store.Update transaction, which concurrent mutations may share (a group
// commit, commit.go), and its Change goes to Publisher after the commit. Mutations
// from one Service are serialized (they would be serialized by the database
// anyway), which is what keeps the published Changes in commit order. Service is safe for concurrent use; set its
// fields before the first call.
type Service struct {
	Store     Store
	Publisher Publisher // nil: changes are not published
	Config    Config
	Now       func() time.Time // nil: time.Now
	Log       *slog.Logger     // nil: slog.Default()
	// Hold decides whether a confirmation text is written held (the SMS
	// dispatcher's breaker, notify.Dispatcher); nil: never.
	Hold ConfirmationHold

	lanes lanes // the group commits (commit.go)
	bases bases // what estimates rest on, per committed queue version
	zones zones // the clinics' time zones, loaded once each
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

func (s *Service) location() *time.Location {
	if s.Config.Location != nil {
		return s.Config.Location
	}
	return time.Local
}

// mutation is the body of one queue operation, run inside the transaction with the
// queue locked. It fills in the Change (all but Version) or returns an error.
type mutation func(ctx context.Context, tx Tx, q *Queue, now time.Time, ch *Change) error

// mutateTicket is mutate for an operation on one existing ticket: it finds the
// ticket's queue, locks it, and reads the ticket again under the lock.
func (s *Service) mutateTicket(ctx context.Context, id string, next *basis, m func(ctx context.Context, tx Tx, q *Queue, t *Ticket, now time.Time, ch *Change) error) (Change, error) {
	if !ValidID(id) {
		return Change{}, PatientNotFound()
	}
	for attempt := 1; ; attempt++ {
		var queueID string
		err := s.Store.View(ctx, func(tx Tx) error {
			t, err := tx.Ticket(ctx, id)
			queueID = t.QueueID
			return err
		})
		if err != nil {
			return Change{}, storeError(err)
		}
		ch, err := s.mutate(ctx, queueID, next, func(ctx context.Context, tx Tx, q *Queue, now time.Time, ch *Change) error {
			t, err := tx.Ticket(ctx, id)
			if err != nil {
				return err
			}
			// A transfer may have moved the ticket between the read above and
			// this line's lock: acting on it under its old line's lock would
			// lay out the wrong line and leave its new line's state stale.
			if t.QueueID != q.ID {
				return errMovedMeanwhile
			}
			return m(ctx, tx, q, &t, now, ch)
		})
		if err != errMovedMeanwhile || attempt == maxMoveAttempts {
			return ch, err
		}
	}
}

// errMovedMeanwhile refuses an operation on a ticket that moved to another
// line between mutateTicket's read and its lock; mutateTicket then runs the
// operation again at the ticket's new line, up to maxMoveAttempts times.
var errMovedMeanwhile = Errorf(CodeNotActive, "This patient moved to another line meanwhile; try again")

// maxMoveAttempts bounds mutateTicket's runs for a ticket that keeps moving.
const maxMoveAttempts = 3

// publish hands ch to the Publisher; a panicking publisher is logged, never
// allowed to fail the committed operation.
func (s *Service) publish(ch Change) {
	if s.Publisher == nil {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			s.log().Error("publisher panicked", "panic", r, "queue", ch.QueueID, "version", ch.Version)
		}
	}()
	s.Publisher.Publish(ch)
}

// storeError turns storage sentinels into domain errors; domain errors pass.
func storeError(err error) error {
	var de *Error
	switch {
	case errors.As(err, &de):
		return de
	case errors.Is(err, ErrNotFound):
		return PatientNotFound()
	case errors.Is(err, ErrUnavailable):
		return &Error{Code: CodeUnavailable, Message: "The database is unavailable, please try again shortly"}
	}
	return err
}

// day is the date of t in time zone loc, line q's clinic's (clinicLocation):
// ticket numbers and "today" run per clinic.
func day(t time.Time, loc *time.Location) string { return t.In(loc).Format(time.DateOnly) }

// dayStart is the start of the day containing t in time zone loc, in UTC.
func dayStart(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc).UTC()
}

// Package privacy makes patients' personal data go away: the retention job
// erases the names, phone numbers and texts of visits that ended more than
// SMARTWAIT_RETENTION_DAYS ago and scrubs the audit trail's personal fields
// of the same age; an admin (or `smartwait erase --phone`) erases one phone
// number's data at once (docs/security.md, "Retention and erasure").
//
// Erasing anonymises rather than deletes: a ticket keeps its number, line,
// status and timings, so the day's statistics and the wait estimator read
// the same figures afterwards; its name, phone and appointment note become
// "" and it is marked erased. Its texts keep their kind, status and times;
// their number, body and last error become "".
package privacy

import (
	"context"
	"fmt"
	"strings"
	"time"

	"smartwait/internal/audit"
)

// Store is the storage erasure needs. Each call is one transaction that
// anonymises every copy of a ticket's personal data the database holds: the
// ticket, its texts, and any later table that copies them (the stores keep
// that list in one place, named personalData; a table added without joining
// it fails the scan of every column in privacytest). Implementations pass
// privacytest.RunStoreTests.
type Store interface {
	// EraseFinished erases up to limit tickets that finished (completed,
	// no-show or cancelled) before the given time and are not erased yet,
	// with their texts (a still-pending text is cancelled), marking them
	// erased at at. Active tickets are never touched.
	EraseFinished(ctx context.Context, before, at time.Time, limit int) (Erased, error)
	// ErasePhone erases every ticket whose phone is the E.164 phone, with
	// their texts, and every text sent to it. If any such ticket is still
	// active (waiting or called) nothing is erased and the error is an
	// *ActiveError naming their ticket numbers.
	ErasePhone(ctx context.Context, phone string, at time.Time) (Erased, error)
}

// Erased counts what one erasure changed.
type Erased struct {
	Tickets  int `json:"tickets"`
	Messages int `json:"messages"`
}

// CodeActive is the contract error code of ActiveError.
const CodeActive = "TICKET_ACTIVE"

// ActiveError refuses to erase a phone number that still has an active
// ticket: staff complete or remove the visit first (it is audited), then
// erase. Erasing would otherwise leave a patient in the queue with no name
// and no texts, and a command-line erasure could not tell the running
// server's live pages.
type ActiveError struct {
	Numbers []string // the active tickets' numbers
}

func (e *ActiveError) Error() string {
	return fmt.Sprintf("This number has an active ticket (%s): complete or remove the visit first, then erase", strings.Join(e.Numbers, ", "))
}

// ErrorCode returns CodeActive (the web layer's mapping key).
func (e *ActiveError) ErrorCode() string { return CodeActive }

// Retention settings (SMARTWAIT_RETENTION_DAYS).
const (
	DefaultDays = 30
	MaxDays     = 3650 // ten years
	// batch is how many tickets one transaction erases: SQLite has one writer,
	// and the first run after an upgrade may find years of visits.
	batch = 500
)

// Retention is the retention job: Run erases what has aged past Days. Set
// the fields before the first Run; Run may be called from one goroutine at
// a time (the server runs it at start and then every hour).
type Retention struct {
	Store Store
	Audit audit.Store // nil: the audit trail is not scrubbed
	// Days is how long after a visit ended its personal data is kept; 0
	// keeps it forever (Run does nothing).
	Days int
	Now  func() time.Time // nil: time.Now
}

// Report is what one Run erased.
type Report struct {
	Erased
	AuditEntries int    // audit entries scrubbed
	Before       string // the cut-off, RFC 3339
}

// Run erases the tickets that finished more than Days ago and their texts,
// in batches, then scrubs the audit entries of the same age. It stops at the
// first error, keeping what earlier batches erased.
func (r *Retention) Run(ctx context.Context) (Report, error) {
	if r.Days <= 0 {
		return Report{}, nil
	}
	now := time.Now()
	if r.Now != nil {
		now = r.Now()
	}
	now = now.UTC()
	before := now.Add(-time.Duration(r.Days) * 24 * time.Hour)
	rep := Report{Before: before.Format(time.RFC3339)}
	for {
		e, err := r.Store.EraseFinished(ctx, before, now, batch)
		rep.Tickets += e.Tickets
		rep.Messages += e.Messages
		if err != nil {
			return rep, fmt.Errorf("retention: %w", err)
		}
		if e.Tickets < batch {
			break
		}
	}
	if r.Audit != nil {
		n, err := r.Audit.ScrubAudit(ctx, before)
		rep.AuditEntries = n
		if err != nil {
			return rep, fmt.Errorf("retention: audit: %w", err)
		}
	}
	return rep, nil
}

package privacy_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"smartwait/internal/audit"
	"smartwait/internal/privacy"
	"smartwait/internal/queue"
)

// fakeStore records what the job and the eraser ask of the store.
type fakeStore struct {
	left        int // finished tickets not yet erased
	befores     []time.Time
	limits      []int
	phones      []string
	failAfter   int // EraseFinished fails on this call (1-based); 0: never
	calls       int
	scrubBefore time.Time
}

func (f *fakeStore) EraseFinished(_ context.Context, before, _ time.Time, limit int) (privacy.Erased, error) {
	f.calls++
	if f.failAfter > 0 && f.calls == f.failAfter {
		return privacy.Erased{}, errors.New("disk full")
	}
	f.befores, f.limits = append(f.befores, before), append(f.limits, limit)
	n := min(limit, f.left)
	f.left -= n
	return privacy.Erased{Tickets: n, Messages: 2 * n}, nil
}

func (f *fakeStore) ErasePhone(_ context.Context, phone string, _ time.Time) (privacy.Erased, error) {
	f.phones = append(f.phones, phone)
	return privacy.Erased{Tickets: 1}, nil
}

func (f *fakeStore) AppendAudit(context.Context, *audit.Entry) error { return nil }
func (f *fakeStore) AuditEntries(context.Context, audit.Filter) ([]audit.Entry, error) {
	return nil, nil
}
func (f *fakeStore) ScrubAudit(_ context.Context, before time.Time) (int, error) {
	f.scrubBefore = before
	return 3, nil
}

func TestRetentionRun(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.FixedZone("X", 3600))
	f := &fakeStore{left: 1200}
	r := &privacy.Retention{Store: f, Audit: f, Days: 30, Now: func() time.Time { return now }}
	rep, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cut := now.UTC().Add(-30 * 24 * time.Hour)
	if rep.Tickets != 1200 || rep.Messages != 2400 || rep.AuditEntries != 3 || rep.Before != cut.Format(time.RFC3339) {
		t.Errorf("report %+v", rep)
	}
	if len(f.befores) != 3 || !f.befores[0].Equal(cut) || f.limits[0] != 500 || !f.scrubBefore.Equal(cut) {
		t.Errorf("calls: before %v, limits %v, scrub %v; want 3 batches of 500 before %v", f.befores, f.limits, f.scrubBefore, cut)
	}
}

func TestRetentionOff(t *testing.T) {
	f := &fakeStore{left: 10}
	rep, err := (&privacy.Retention{Store: f, Audit: f, Days: 0}).Run(context.Background())
	if err != nil || rep != (privacy.Report{}) || f.calls != 0 {
		t.Errorf("days 0: %+v, %v, %d calls; want nothing done", rep, err, f.calls)
	}
}

func TestRetentionStopsAtAnError(t *testing.T) {
	f := &fakeStore{left: 1200, failAfter: 2}
	rep, err := (&privacy.Retention{Store: f, Audit: f, Days: 1}).Run(context.Background())
	if err == nil || rep.Tickets != 500 || !f.scrubBefore.IsZero() {
		t.Errorf("%+v, %v; want the first batch kept, the error, no scrub", rep, err)
	}
}

func TestEraserNormalises(t *testing.T) {
	f := &fakeStore{}
	e := &privacy.Eraser{Store: f, Region: "US"}
	got, err := e.ErasePhone(context.Background(), " (415) 555-2671 ")
	if err != nil || got.Phone != "…71" || got.Tickets != 1 || len(f.phones) != 1 || f.phones[0] != "+14155552671" {
		t.Errorf("%+v, %v, store asked %v", got, err, f.phones)
	}
	for _, bad := range []string{"", "555-0100", "not a phone"} {
		_, err := e.ErasePhone(context.Background(), bad)
		var qe *queue.Error
		if !errors.As(err, &qe) || qe.Code != queue.CodeValidation {
			t.Errorf("%q: %v, want a VALIDATION_ERROR", bad, err)
		}
	}
	if len(f.phones) != 1 {
		t.Errorf("the store was asked for %v", f.phones)
	}
}

func TestActiveError(t *testing.T) {
	err := error(&privacy.ActiveError{Numbers: []string{"A-007", "L-002"}})
	var c interface{ ErrorCode() string }
	if !errors.As(err, &c) || c.ErrorCode() != "TICKET_ACTIVE" || err.Error() != "This number has an active ticket (A-007, L-002): complete or remove the visit first, then erase" {
		t.Errorf("%v", err)
	}
}

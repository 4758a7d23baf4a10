package sqlite_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"testing"
	"time"

	"smartwait/internal/audit"
	"smartwait/internal/audit/audittest"
	"smartwait/internal/privacy/privacytest"
	"smartwait/internal/queue"
	"smartwait/internal/sqlite/sqlitetest"
)

func TestAuditStore(t *testing.T) {
	audittest.RunStoreTests(t, func(tb testing.TB) audit.Store { return MustOpenDB(tb) })
}

func TestPrivacyStore(t *testing.T) {
	privacytest.RunStoreTests(t, func(tb testing.TB) privacytest.Fixture {
		db := MustOpenDB(tb)
		return privacytest.Fixture{Store: db, Cells: func(ctx context.Context) ([]privacytest.Cell, error) { return sqlitetest.Cells(ctx, db.Path()) }}
	})
}

// TestErasedLeaveNoTraceInTheFile: after an erasure the bytes of the database
// file and its write-ahead log hold neither the name nor the number — not in
// a freed part of a page (secure_delete), not in an old page version in the
// log (the checkpoint after an erasure).
func TestErasedLeaveNoTraceInTheFile(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	cfg := queue.DefaultConfig()
	cfg.CheckInsPerPhone = 0
	svc := &queue.Service{Store: db, Config: cfg, Log: slog.New(slog.DiscardHandler)}
	for range 50 {
		e, err := svc.CheckIn(ctx, queue.CheckInRequest{Name: "Rawname Findme", Phone: "+14155552671", AppointmentTime: "09:30"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Cancel(ctx, e.ID); err != nil {
			t.Fatal(err)
		}
	}
	if n := rawCount(t, db.Path(), "Rawname"); n == 0 {
		t.Fatal("the name is nowhere in the file before the erasure: the test proves nothing")
	}
	if got, err := db.ErasePhone(ctx, "+14155552671", time.Now()); err != nil || got.Tickets != 50 {
		t.Fatalf("ErasePhone: %+v, %v", got, err)
	}
	for _, needle := range []string{"Rawname", "4155552671"} {
		if n := rawCount(t, db.Path(), needle); n > 0 {
			t.Errorf("%q is still %d times in the file's bytes", needle, n)
		}
	}
}

// rawCount counts needle in the bytes of the database file and its log.
func rawCount(tb testing.TB, path, needle string) int {
	tb.Helper()
	n := 0
	for _, f := range []string{path, path + "-wal"} {
		raw, err := os.ReadFile(f)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			tb.Fatal(err)
		}
		n += bytes.Count(raw, []byte(needle))
	}
	return n
}

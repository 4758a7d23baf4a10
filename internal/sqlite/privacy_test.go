package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"testing"
	"time"

	"smartwait/internal/audit"
	"smartwait/internal/audit/audittest"
	"smartwait/internal/privacy/privacytest"
	"smartwait/internal/queue"
	"smartwait/internal/sqlite"
)

func TestAuditStore(t *testing.T) {
	audittest.RunStoreTests(t, func(tb testing.TB) audit.Store { return MustOpenDB(tb) })
}

func TestPrivacyStore(t *testing.T) {
	privacytest.RunStoreTests(t, func(tb testing.TB) privacytest.Fixture {
		db := MustOpenDB(tb)
		return privacytest.Fixture{Store: db, Cells: func(ctx context.Context) ([]privacytest.Cell, error) { return Cells(ctx, db) }}
	})
}

// Cells reads every value of every table of db's file, the tables found in
// sqlite_master, through a connection of its own.
func Cells(ctx context.Context, db *sqlite.DB) ([]privacytest.Cell, error) {
	conn, err := sql.Open("sqlite", "file:"+db.Path()+"?mode=ro")
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	tables, err := stringColumn(ctx, conn, `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var out []privacytest.Cell
	for _, table := range tables {
		rows, err := conn.QueryContext(ctx, fmt.Sprintf(`SELECT * FROM %q`, table))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", table, err)
		}
		cols, err := rows.Columns()
		if err != nil {
			rows.Close()
			return nil, err
		}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return nil, err
			}
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				out = append(out, privacytest.Cell{Table: table, Column: cols[i], Value: fmt.Sprint(v)})
			}
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func stringColumn(ctx context.Context, conn *sql.DB, q string) ([]string, error) {
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
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

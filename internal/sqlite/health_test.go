package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"smartwait/internal/sqlite"
)

// TestCheckWrite: the /health write probe commits an update of the one-row
// health_check table through the writer, and fails while another process holds
// the write lock (after the busy timeout, or the caller's deadline when the
// driver honours it), then works again.
func TestCheckWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "probe.db")
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	other, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	count := func() int {
		var n int
		if err := other.QueryRow(`SELECT n FROM health_check WHERE id = 1`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	if err := db.CheckWrite(ctx); err != nil {
		t.Fatalf("CheckWrite on a healthy database: %v", err)
	}
	if got := count() - before; got != 1 {
		t.Fatalf("CheckWrite committed %d updates, want 1", got)
	}

	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	err = db.CheckWrite(short)
	cancel()
	if err == nil {
		t.Fatal("CheckWrite committed while another connection held the write lock")
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if err := db.CheckWrite(ctx); err != nil {
		t.Fatalf("CheckWrite after the lock was released: %v", err)
	}
}

package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"smartwait/internal/postgres/pgtest"
)

// TestCheckWrite: the /health write probe commits an update of the one-row
// health_check table; it fails within the caller's deadline while another
// session locks the table, and on a read-only session; it works again once the
// lock is released.
func TestCheckWrite(t *testing.T) {
	url := pgtest.SchemaURL(t)
	db := pgtest.OpenURL(t, url)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	count := func() int64 {
		var n int64
		if err := conn.QueryRow(ctx, `SELECT n FROM health_check WHERE id = 1`).Scan(&n); err != nil {
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

	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `LOCK TABLE health_check IN EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	err = db.CheckWrite(short)
	cancel()
	if err == nil {
		t.Fatal("CheckWrite committed while another session locked the table")
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.CheckWrite(ctx); err != nil {
		t.Fatalf("CheckWrite after the lock was released: %v", err)
	}

	// A session that may only read (a standby, default_transaction_read_only).
	ro := pgtest.OpenURL(t, pgtest.WithParam(t, url, "default_transaction_read_only", "on"))
	if err := ro.Ping(ctx); err != nil {
		t.Fatalf("a read-only session still reads: %v", err)
	}
	if err := ro.CheckWrite(ctx); err == nil {
		t.Fatal("CheckWrite committed on a read-only session")
	}
}

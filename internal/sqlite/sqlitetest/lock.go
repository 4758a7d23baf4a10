// Package sqlitetest helps tests play "another process" against a SmartWait
// SQLite file: the web, health and timeout tests need a writer that holds the
// database's write lock the way a second program would, and the erasure tests
// read every table of the file as an outsider would (cells.go).
package sqlitetest

import (
	"context"
	"database/sql"
	"sync"
	"testing"

	_ "modernc.org/sqlite" // the driver the store uses
)

// HoldWriteLock opens its own connection to the SQLite file at path and takes
// the write lock (BEGIN IMMEDIATE), as another process would. It waits up to
// 5 s for a write the server has in flight (its start-up writes, say) rather
// than failing at once. The returned release rolls back and closes; it may be
// called more than once, and runs at the end of the test if it was not called.
func HoldWriteLock(tb testing.TB, path string) (release func()) {
	tb.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		tb.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		conn.Close()
		db.Close()
		tb.Fatalf("take the write lock of %s: %v", path, err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
				tb.Errorf("release the write lock: %v", err)
			}
			conn.Close()
			db.Close()
		})
	}
	tb.Cleanup(release)
	return release
}

package sqlitetest_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"smartwait/internal/sqlite"
	"smartwait/internal/sqlite/sqlitetest"
)

// A copy of the migrated database has the schema and the migration history
// of a file sqlite.Open migrates itself, and opens as a store.
func TestMigratedIsAFreshDatabase(t *testing.T) {
	ctx := context.Background()
	fresh := filepath.Join(t.TempDir(), "fresh.db")
	db, err := sqlite.Open(ctx, fresh)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	copied := sqlitetest.Migrated(t, "copy.db")
	want, got := schema(t, fresh), schema(t, copied)
	if want != got {
		t.Fatalf("the copy's schema and history differ from a fresh file's:\ncopy:  %s\nfresh: %s", got, want)
	}
	if !strings.Contains(want, "CREATE TABLE tickets") {
		t.Fatalf("no tickets table in %s", want)
	}
	db, err = sqlite.Open(ctx, copied)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.CheckWrite(ctx); err != nil {
		t.Fatalf("writing to the copy as a store: %v", err)
	}
	if n, err := db.CountMessages(ctx, "pending"); err != nil || n != 0 {
		t.Fatalf("the copy's outbox: %d pending, %v; want an empty one", n, err)
	}
}

// schema is every object's SQL and the applied migrations of the file at path.
func schema(t *testing.T, path string) string {
	t.Helper()
	conn, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var b strings.Builder
	for _, q := range []string{
		`SELECT type || ' ' || name || ': ' || COALESCE(sql, '') FROM sqlite_master ORDER BY type, name`,
		`SELECT 'migration ' || version_id || ' ' || is_applied FROM goose_db_version ORDER BY id`,
	} {
		rows, err := conn.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			b.WriteString(s + "\n")
		}
		rows.Close()
	}
	return b.String()
}

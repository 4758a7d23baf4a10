package sqlitetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"smartwait/internal/sqlite"
)

// Migrated returns the path of a new file named name, in a temporary
// directory of tb, that holds an empty SmartWait database with every
// migration applied: sqlite.Open on it finds nothing to migrate. It is a copy
// of one database sqlite.Open built once per test binary. Why: under -race
// migrating a new file took 0.3 s (the SQLite engine is Go code, and every
// statement of every migration runs instrumented), and the web tests alone
// open 180 databases; a copy opens in a quarter of that. Tests of migrating
// itself open a path of their own.
func Migrated(tb testing.TB, name string) string {
	tb.Helper()
	image, err := migratedImage()
	if err != nil {
		tb.Fatalf("sqlitetest: building the migrated database: %v", err)
	}
	path := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(path, image, 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// migratedImage is the file of a database sqlite.Open created and closed: its
// log checkpointed into the file and removed, so the file alone is the
// database.
var migratedImage = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "smartwait-migrated-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "migrated.db")
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		return nil, err
	}
	if err := db.Close(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(path + "-wal"); err == nil {
		return nil, fmt.Errorf("%s-wal outlived Close: the file alone is not the database", path)
	}
	return os.ReadFile(path)
})

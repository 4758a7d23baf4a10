// Package pgtest gives tests a PostgreSQL database of their own: a fresh schema on
// the server named by DATABASE_URL_TEST, dropped when the test ends, so tests and
// concurrent runs never see each other's rows.
//
// When DATABASE_URL_TEST is unset the test is skipped with a message saying how to
// run it, unless SMARTWAIT_REQUIRE_INTEGRATION=1 (set by `make test`), in which case
// it fails: the integration tests must not silently go missing in CI.
package pgtest

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"smartwait/internal/postgres"
)

// EnvURL is the environment variable naming the test server.
const EnvURL = "DATABASE_URL_TEST"

// EnvRequire, set to 1, turns the skip of a missing URL into a failure.
const EnvRequire = "SMARTWAIT_REQUIRE_INTEGRATION"

// ServerURL returns DATABASE_URL_TEST, or skips (fails, when integration tests
// are required) the test when it is unset.
func ServerURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		if os.Getenv(EnvRequire) == "1" {
			tb.Fatalf("%s is unset but %s=1: the PostgreSQL integration tests must run", EnvURL, EnvRequire)
		}
		tb.Skipf("set %s to run PostgreSQL tests; `make test` does", EnvURL)
	}
	return u
}

// SchemaURL creates a fresh, empty schema on the test server and returns a URL
// whose connections use it (search_path). The schema is dropped when the test
// ends. Several DBs opened on the URL share the schema, as instances share a
// database.
func SchemaURL(tb testing.TB) string {
	tb.Helper()
	base := ServerURL(tb)
	var b [6]byte
	rand.Read(b[:])
	schema := fmt.Sprintf("sw_test_%x", b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatalf("pgtest: connect to %s: %v", EnvURL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		tb.Fatalf("pgtest: create schema: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			tb.Errorf("pgtest: drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			tb.Errorf("pgtest: drop schema %s: %v", schema, err)
		}
	})
	return WithParam(tb, base, "search_path", schema)
}

// WithParam returns the postgres:// URL raw with the query parameter key set.
func WithParam(tb testing.TB, raw, key, value string) string {
	tb.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		tb.Fatalf("pgtest: %s must be a postgres:// URL: %v", EnvURL, err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open opens a migrated database in a fresh schema, closed when the test ends.
func Open(tb testing.TB) *postgres.DB {
	tb.Helper()
	return OpenURL(tb, SchemaURL(tb))
}

// OpenURL opens (and migrates) the database at url, closed when the test ends.
func OpenURL(tb testing.TB, url string) *postgres.DB {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	db, err := postgres.Open(ctx, url)
	if err != nil {
		tb.Fatalf("pgtest: open: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

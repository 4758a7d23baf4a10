// Package postgres stores SmartWait's queues, tickets, SMS outbox, staff accounts
// and sessions in PostgreSQL (pgx/v5, pgxpool), so that several SmartWait instances
// can share one database. *DB implements queue.Store and auth.Store with the same
// behaviour as internal/sqlite; the schema is a set of embedded goose migrations,
// numbered like SQLite's, that Open applies.
//
// Mutations of a queue serialize inside PostgreSQL: LockQueue takes a row lock
// (SELECT … FOR UPDATE) on the queue, so the outcomes of concurrent operations are
// the same whether they come from one instance or many.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"smartwait/internal/auth"
	"smartwait/internal/queue"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

var (
	_ queue.Store = (*DB)(nil)
	_ auth.Store  = (*DB)(nil)
	_ queue.Tx    = (*tx)(nil)
)

// Defaults for what the URL does not set. They keep a dead or unreachable server
// from hanging requests: the clinic's staff should see "database unavailable" within
// seconds, not a spinner.
const (
	// DefaultConnectTimeout bounds establishing one connection.
	DefaultConnectTimeout = 3 * time.Second
	// DefaultTimeout bounds one Update or View (acquire, statements, commit) when
	// the caller's context has no earlier deadline.
	DefaultTimeout = 5 * time.Second
)

// DB is a SmartWait database on a PostgreSQL server. It is safe for concurrent use
// by any number of goroutines and instances.
type DB struct {
	pool *pgxpool.Pool

	// Timeout bounds one Update, View or Ping whose context has no earlier
	// deadline; when it expires the call fails with queue.ErrUnavailable.
	Timeout time.Duration
	// Now is the clock used for default timestamps and claim expiry; nil: time.Now.
	Now func() time.Time
}

// Open connects to the PostgreSQL database named by url (postgres:// or
// postgresql://, any libpq parameters such as sslmode or pool_max_conns) and
// applies any pending migrations. It fails with an error wrapping
// queue.ErrUnavailable when the server cannot be reached.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The parse error may quote the URL, password included: do not wrap it.
		return nil, errors.New("postgres: invalid DATABASE_URL (expected postgres://user:pass@host:port/db?sslmode=…)")
	}
	if !strings.Contains(url, "connect_timeout") {
		cfg.ConnConfig.ConnectTimeout = DefaultConnectTimeout
	}
	if !strings.Contains(url, "pool_max_conns") {
		// Each instance's Service serializes its own mutations, so most
		// connections serve reads (status pages, SSE snapshots, the dispatcher).
		cfg.MaxConns = int32(max(8, 4*runtime.GOMAXPROCS(0)))
	}
	// Find dead connections (a restarted server) between requests rather than
	// in them.
	cfg.HealthCheckPeriod = 15 * time.Second
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "smartwait"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	db := &DB{pool: pool, Timeout: DefaultTimeout}
	if err := db.Migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Migrate applies the embedded migrations that the database has not seen yet. It
// is idempotent, and safe to run from several instances starting at once: goose
// takes a PostgreSQL advisory lock around it.
func (db *DB) Migrate(ctx context.Context) error {
	sqlDB := stdlib.OpenDBFromPool(db.pool)
	defer sqlDB.Close()
	p, err := db.migrator(ctx, sqlDB)
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("postgres: migrate: %w", translate(ctx, err))
	}
	return nil
}

// migrator returns the goose provider of the embedded migrations on sqlDB, a
// database/sql view of db's pool. Tests use it to build a database at an
// earlier version.
func (db *DB) migrator(ctx context.Context, sqlDB *sql.DB) (*goose.Provider, error) {
	sub, err := fs.Sub(migrationsFS, "migrations")
	if err != nil {
		return nil, fmt.Errorf("postgres: migrations: %w", err)
	}
	locker, err := db.migrationLocker(ctx)
	if err != nil {
		return nil, err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, sub, goose.WithSessionLocker(locker))
	if err != nil {
		return nil, fmt.Errorf("postgres: migrations: %w", err)
	}
	return p, nil
}

// migrationLocker returns goose's advisory-lock locker with a lock id of this
// database and schema, so that instances starting together on one schema take
// turns while tests on separate schemas do not wait for each other.
func (db *DB) migrationLocker(ctx context.Context) (lock.SessionLocker, error) {
	ctx, cancel := db.bound(ctx)
	defer cancel()
	var name string
	if err := db.pool.QueryRow(ctx, `SELECT current_database() || '.' || current_schema()`).Scan(&name); err != nil {
		return nil, fmt.Errorf("postgres: migrate: %w", translate(ctx, err))
	}
	h := fnv.New64a()
	h.Write([]byte("smartwait-migrate:" + name))
	l, err := lock.NewPostgresSessionLocker(lock.WithLockID(int64(h.Sum64()>>1)), lock.WithLockTimeout(1, 120))
	if err != nil {
		return nil, fmt.Errorf("postgres: migrate: %w", err)
	}
	return l, nil
}

// Close closes every connection. Calls after Close fail with queue.ErrUnavailable.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Ping reports whether the database answers a query.
func (db *DB) Ping(ctx context.Context) error {
	ctx, cancel := db.bound(ctx)
	defer cancel()
	var one int
	err := db.retry(ctx, func() error { return db.pool.QueryRow(ctx, `SELECT 1`).Scan(&one) })
	if err != nil {
		return fmt.Errorf("postgres: ping: %w", translate(ctx, err))
	}
	return nil
}

// CheckWrite commits a one-row update (the health_check table), to prove that a
// write can commit now: it fails when the server is read-only (a standby, or
// default_transaction_read_only), cannot write its WAL (disk full) or the row is
// locked past ctx's deadline.
func (db *DB) CheckWrite(ctx context.Context) error {
	ctx, cancel := db.bound(ctx)
	defer cancel()
	var tag pgconn.CommandTag
	err := db.retry(ctx, func() (err error) {
		tag, err = db.pool.Exec(ctx, `UPDATE health_check SET n = n + 1, checked_at = now() WHERE id = 1`)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: write check: %w", translate(ctx, err))
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("postgres: write check: updated %d rows, want 1", tag.RowsAffected())
	}
	return nil
}

// Update runs fn in one read-committed transaction and commits it when fn returns
// nil; otherwise, or if fn panics, nothing fn did persists. Read committed is what
// the queue lock needs: every statement after LockQueue sees what the previous
// holder of the lock committed.
func (db *DB) Update(ctx context.Context, fn func(queue.Tx) error) error {
	return db.run(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, fn)
}

// View runs fn in a read-only repeatable-read transaction, which sees one
// consistent snapshot and never blocks writers.
func (db *DB) View(ctx context.Context, fn func(queue.Tx) error) error {
	return db.run(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

func (db *DB) run(ctx context.Context, opts pgx.TxOptions, fn func(queue.Tx) error) error {
	ctx, cancel := db.bound(ctx)
	defer cancel()
	t, err := db.begin(ctx, opts)
	if err != nil {
		return err
	}
	defer func() {
		// A no-op after Commit. It gets its own short deadline: ctx may be over
		// (that may be why we roll back), and a dead server must not hold us here.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		t.Rollback(rctx)
	}()
	if err := fn(&tx{tx: t, db: db}); err != nil {
		return translate(ctx, err)
	}
	if err := t.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: commit: %w", translate(ctx, err))
	}
	return nil
}

// begin starts a transaction. When it fails because the connection is dead (the
// server restarted, or an administrator terminated the backend) the pool's other
// idle connections are most likely dead too: it drops them all and tries once
// more, so the first request after a database restart succeeds instead of 503.
// Nothing has run yet, so the retry is safe.
func (db *DB) begin(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error) {
	t, err := db.pool.BeginTx(ctx, opts)
	if err != nil && ctx.Err() == nil && unavailable(err) {
		db.pool.Reset()
		t, err = db.pool.BeginTx(ctx, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: begin: %w", translate(ctx, err))
	}
	return t, nil
}

// retry runs one statement outside a transaction (fn) and, like begin, runs it
// once more on fresh connections when it failed on a dead one. It retries only
// when the statement cannot have run: pgx says nothing was sent, or the server
// had already ended the session (administrator or crash shutdown).
func (db *DB) retry(ctx context.Context, fn func() error) error {
	err := fn()
	if err != nil && ctx.Err() == nil && notRun(err) {
		db.pool.Reset()
		err = fn()
	}
	return err
}

// bound gives ctx the DB's timeout unless it already ends sooner.
func (db *DB) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	d := db.Timeout
	if d <= 0 {
		d = DefaultTimeout
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return context.WithCancel(ctx)
	}
	return context.WithTimeoutCause(ctx, d, errTimeout)
}

// errTimeout is the cause of a context ended by DB.Timeout: the database did not
// answer in time, which the caller should see as unavailable.
var errTimeout = fmt.Errorf("postgres: no answer within the timeout: %w", queue.ErrUnavailable)

// tx is one transaction, the queue.Tx handed to Update and View callbacks.
type tx struct {
	tx pgx.Tx
	db *DB
}

func (db *DB) now() time.Time {
	if db.Now != nil {
		return db.Now()
	}
	return time.Now()
}

// ts returns t truncated to the millisecond (the precision SQLite stores, so both
// stores round-trip the same values), or nil (NULL) for the zero time.
func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Truncate(time.Millisecond)
}

// fromTS is the inverse of ts: NULL is the zero time, others are UTC.
func fromTS(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// Package sqlite stores SmartWait's queues, tickets, SMS outbox, staff accounts and
// sessions in one embedded SQLite file (modernc.org/sqlite, pure Go). *DB implements
// queue.Store and auth.Store; the schema is a set of embedded goose migrations that
// Open applies.
//
// A DB holds two connection pools on the same file: one connection for writes, so
// that writers queue in Go instead of spinning in SQLite's busy handler, and several
// for reads, which WAL mode lets run beside the writer.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pressly/goose/v3"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

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

// pragmas are applied by the driver to every new connection.
var pragmas = []string{
	// WAL lets readers run while one writer commits, and makes commits cheap.
	"_pragma=journal_mode(WAL)",
	// Wait up to 5 s for another process's write lock instead of failing at once.
	"_pragma=busy_timeout(5000)",
	// In WAL mode NORMAL is still crash-safe (a power cut may lose the last commits,
	// never corrupt); FULL costs 5x the commit rate.
	"_pragma=synchronous(NORMAL)",
	// The savepoints of a group commit (queue/commit.go) keep a sub-journal of
	// the pages they change; in memory it costs no file writes.
	"_pragma=temp_store(MEMORY)",
	// SQLite leaves foreign keys off by default; sessions rely on ON DELETE CASCADE.
	"_pragma=foreign_keys(1)",
	// Erased names and numbers (internal/privacy) must not linger in the file:
	// FAST zeroes the bytes an update or delete frees within a page, at no
	// extra I/O (ON would also zero whole freed pages, at the cost of writes).
	"_pragma=secure_delete(FAST)",
	// The log is copied into the file beside the writer, not in its commits
	// (checkpoint.go).
	"_pragma=wal_autocheckpoint(0)",
	// Write transactions take the write lock at BEGIN, so read-modify-write
	// transactions never fail with SQLITE_BUSY when upgrading a read lock.
	"_txlock=immediate",
}

// DB is a SmartWait database in one SQLite file. It is safe for concurrent use.
type DB struct {
	path string
	w    *sql.DB    // exactly one connection: all writes
	r    *sql.DB    // reads
	ck   *sql.DB    // one connection: the checkpointer's (checkpoint.go)
	ckMu sync.Mutex // one checkpoint at a time (walCheckpoint)

	stopCk, ckDone chan struct{} // the checkpointer's stop signal and its end
	wal            *os.File      // the log file, opened to sync it; the checkpointer's
	logSyncs       atomic.Int64  // times the checkpointer synced the log (tests)

	wstmts, rstmts []*sql.Stmt // the prepared stmts on w and r, by stmt.i

	rides rides // the dispatcher's claims and marks waiting for the next commit (ride.go)

	// Now is the clock used for default timestamps and claim expiry; nil: time.Now.
	Now func() time.Time
}

// ParseURL returns the file path named by a DATABASE_URL of the form
// sqlite:///path/file.db (absolute), sqlite://relative.db, sqlite:relative.db, or a
// plain file path. Other schemes and paths that SQLite's URI syntax would misread
// (containing '?' or '#') are errors.
func ParseURL(raw string) (string, error) {
	path := raw
	switch {
	case strings.HasPrefix(raw, "sqlite://"):
		path = strings.TrimPrefix(raw, "sqlite://")
	case strings.HasPrefix(raw, "sqlite:"):
		path = strings.TrimPrefix(raw, "sqlite:")
	case strings.Contains(raw, "://"):
		return "", fmt.Errorf("sqlite: %q is not a sqlite:// URL or file path", raw)
	}
	if path == "" {
		return "", fmt.Errorf("sqlite: %q names no file", raw)
	}
	if strings.ContainsAny(path, "?#") {
		return "", fmt.Errorf("sqlite: file path %q must not contain '?' or '#'", path)
	}
	return path, nil
}

// Open opens (creating if needed) the SQLite database at path, a file path or a
// URL accepted by ParseURL, and applies any pending migrations.
func Open(ctx context.Context, path string) (*DB, error) {
	return open(ctx, path, ckEvery, ckMaxFrames)
}

// open is Open with the checkpointer's period and log bound (checkpoint.go),
// which tests shorten.
func open(ctx context.Context, path string, every time.Duration, maxFrames int) (*DB, error) {
	path, err := ParseURL(path)
	if err != nil {
		return nil, err
	}
	dsn := "file:" + path + "?" + strings.Join(pragmas, "&")
	w, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// One writer connection: concurrent Updates wait for it in database/sql's
	// queue, which is fair and does not poll like SQLite's busy handler.
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", dsn)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n) // opening a connection re-runs the pragmas: keep them
	db := &DB{path: path, w: w, r: r, rides: rides{wait: rideWait}}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.prepare(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if db.ck, err = sql.Open("sqlite", dsn); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.ck.SetMaxOpenConns(1)
	db.ck.SetMaxIdleConns(1)
	db.stopCk, db.ckDone = make(chan struct{}), make(chan struct{})
	go db.checkpointer(every, maxFrames, db.stopCk, db.ckDone)
	return db, nil
}

// Path returns the database file's path.
func (db *DB) Path() string { return db.path }

// Migrate applies the embedded migrations that the database has not seen yet. It
// is idempotent; Open calls it.
func (db *DB) Migrate(ctx context.Context) error {
	p, err := migrator(db.w)
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("sqlite: migrate %s: %w", db.path, translate(err))
	}
	return nil
}

// migrator returns the goose provider of the embedded migrations on w. Tests
// use it to build a database at an earlier version.
func migrator(w *sql.DB) (*goose.Provider, error) {
	sub, err := fs.Sub(migrationsFS, "migrations")
	if err != nil {
		return nil, fmt.Errorf("sqlite: migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, w, sub)
	if err != nil {
		return nil, fmt.Errorf("sqlite: migrations: %w", err)
	}
	return p, nil
}

// Close closes the database. Calls after Close fail with queue.ErrUnavailable.
func (db *DB) Close() error {
	db.closeRides()
	var ckErr error
	if db.ck != nil {
		if db.stopCk != nil {
			close(db.stopCk)
			<-db.ckDone
			db.stopCk = nil
		}
		ckErr = db.ck.Close()
	}
	return errors.Join(db.closeStmts(), ckErr, db.r.Close(), db.w.Close())
}

// Ping reports whether the database answers a query.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.r.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("sqlite: ping: %w", translate(err))
	}
	return nil
}

// CheckWrite commits a one-row update (the health_check table) through the
// writer connection, to prove that a write can commit now: it fails when the disk
// is full, the file cannot be written or another process holds the write lock.
// The update waits in the writer's queue and then up to the busy timeout (5 s)
// for a lock held elsewhere, so callers that must answer sooner (/health) bound
// their own wait rather than rely on ctx alone.
func (db *DB) CheckWrite(ctx context.Context) error {
	res, err := db.w.ExecContext(ctx, `UPDATE health_check SET n = n + 1, checked_at = ? WHERE id = 1`, db.now().UnixMilli())
	if err != nil {
		return fmt.Errorf("sqlite: write check: %w", translate(err))
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("sqlite: write check: updated %d rows, want 1 (%v)", n, err)
	}
	return nil
}

// Update runs fn in one write transaction (BEGIN IMMEDIATE) and commits it when fn
// returns nil; otherwise, or if fn panics, nothing fn did persists.
func (db *DB) Update(ctx context.Context, fn func(queue.Tx) error) error {
	t, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", translate(err))
	}
	defer t.Rollback() // a no-op after Commit
	wt := &tx{tx: t, db: db, stmts: db.wstmts, write: true}
	if err := fn(wt); err != nil {
		return err
	}
	rides, again, err := db.rideAlong(ctx, wt) // the dispatcher's claims and marks (ride.go)
	if err != nil {
		t.Rollback()
		db.queueRides(again...)
		return err
	}
	err = t.Commit()
	db.answerRides(rides, err == nil)
	if err != nil {
		if ctx.Err() != nil { // database/sql rolled back when ctx ended: say why
			return fmt.Errorf("sqlite: commit: %w", ctx.Err())
		}
		return fmt.Errorf("sqlite: commit: %w", translate(err))
	}
	return nil
}

// View runs fn in a read transaction: in WAL mode it sees one consistent snapshot
// and never blocks or is blocked by the writer.
func (db *DB) View(ctx context.Context, fn func(queue.Tx) error) error {
	t, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", translate(err))
	}
	defer t.Rollback()
	if err := fn(&tx{tx: t, db: db, stmts: db.rstmts}); err != nil {
		return err
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", translate(err))
	}
	return nil
}

// tx is one transaction, the queue.Tx handed to Update and View callbacks.
type tx struct {
	tx      *sql.Tx
	db      *DB
	stmts   []*sql.Stmt // the pool's prepared statements
	handles []*sql.Stmt // this transaction's handles on them, by stmt.i
	write   bool        // inside Update
	asked   bool        // HasWebhookEndpoints was asked in this transaction,
	hooks   bool        // and answered this
}

func (db *DB) now() time.Time {
	if db.Now != nil {
		return db.Now()
	}
	return time.Now()
}

// translate maps driver errors to the storage sentinels: a unique violation of the
// active-phone index to queue.ErrDuplicate, of users.username to auth.ErrExists,
// and errors meaning the database cannot be used (closed, locked for longer than the
// busy timeout, unreadable, disk full) to queue.ErrUnavailable. Others pass as they
// are. Not-found is decided by the callers, which know which sentinel applies.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrConnDone) || strings.Contains(err.Error(), "sql: database is closed") ||
		strings.Contains(err.Error(), "sql: statement is closed") {
		return fmt.Errorf("%w: %w", queue.ErrUnavailable, err)
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	code := se.Code()
	switch code {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		msg := se.Error()
		switch {
		case strings.Contains(msg, "tickets.queue_id, tickets.phone"):
			return fmt.Errorf("%w: %w", queue.ErrDuplicate, err)
		case strings.Contains(msg, "users.username"):
			return fmt.Errorf("%w: %w", auth.ErrExists, err)
		}
		return err
	}
	switch code & 0xff { // the primary result code
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN,
		sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_NOTADB,
		sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM:
		return fmt.Errorf("%w: %w", queue.ErrUnavailable, err)
	}
	return err
}

// ms returns t as unix milliseconds, or NULL for the zero time.
func ms(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

// fromMS is the inverse of ms: NULL is the zero time, others are UTC.
func fromMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64).UTC()
}

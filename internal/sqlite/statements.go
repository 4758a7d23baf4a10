package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// stmt is one SQL statement of the hot paths (queue transactions, session
// lookups), prepared once per connection instead of parsed on every call: parsing
// was a third of a check-in's CPU time. Declare it beside the function that runs it.
type stmt struct {
	sql string
	i   int // index in DB.wstmts and DB.rstmts
}

// stmts lists every stmt; it is complete before main runs (package-level vars).
var stmts []*stmt

func prepared(sql string) *stmt {
	s := &stmt{sql: sql, i: len(stmts)}
	stmts = append(stmts, s)
	return s
}

// prepare prepares every stmt on both pools. It runs after the migrations (the
// tables must exist) and before any transaction: preparing on the writer pool
// inside an Update would wait for the writer's only connection forever.
func (db *DB) prepare(ctx context.Context) error {
	db.wstmts = make([]*sql.Stmt, len(stmts))
	db.rstmts = make([]*sql.Stmt, len(stmts))
	for _, s := range stmts {
		var err error
		if db.wstmts[s.i], err = db.w.PrepareContext(ctx, s.sql); err != nil {
			return fmt.Errorf("sqlite: prepare %q: %w", s.sql, translate(err))
		}
		if db.rstmts[s.i], err = db.r.PrepareContext(ctx, s.sql); err != nil {
			return fmt.Errorf("sqlite: prepare %q: %w", s.sql, translate(err))
		}
	}
	return nil
}

// closeStmts closes the prepared statements.
func (db *DB) closeStmts() error {
	var errs []error
	for _, list := range [][]*sql.Stmt{db.wstmts, db.rstmts} {
		for _, s := range list {
			if s != nil {
				errs = append(errs, s.Close())
			}
		}
	}
	return errors.Join(errs...)
}

// stmt returns the transaction's handle on s, prepared on this transaction's
// connection (database/sql prepares it there once and reuses it after). The
// handle is kept for the rest of the transaction: a group commit runs the
// same few statements for every operation in it.
func (t *tx) stmt(ctx context.Context, s *stmt) *sql.Stmt {
	if t.handles == nil {
		t.handles = make([]*sql.Stmt, len(t.stmts))
	}
	if t.handles[s.i] == nil {
		t.handles[s.i] = t.tx.StmtContext(ctx, t.stmts[s.i])
	}
	return t.handles[s.i]
}

// run is the context a statement of the transaction runs with. In a write
// transaction it cannot be cancelled: the driver watches a cancellable
// context with a goroutine per statement (a tenth of a group commit's
// statement time), and stopping one statement of a transaction that holds
// the write lock gains nothing — the transaction's deadline still ends it
// at BEGIN, and database/sql rolls it back when the deadline passes. A read
// transaction keeps its context, so a slow read stops at its deadline.
func (t *tx) run(ctx context.Context) context.Context {
	if t.write {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

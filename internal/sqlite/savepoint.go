package sqlite

import (
	"context"
	"fmt"

	"smartwait/internal/queue"
)

// The savepoint statements, prepared like the other hot-path statements: the
// Service wraps every queue operation of a group commit in one.
var (
	savepointBegin    = prepared(`SAVEPOINT op`)
	savepointRelease  = prepared(`RELEASE op`)
	savepointRollback = prepared(`ROLLBACK TO op`)
)

// Savepoint runs fn inside a savepoint and undoes fn's writes if it fails. The
// name can repeat: SQLite's savepoints nest, and ROLLBACK TO / RELEASE act on
// the innermost of that name.
func (t *tx) Savepoint(ctx context.Context, fn func() error) error {
	if _, err := t.stmt(ctx, savepointBegin).ExecContext(t.run(ctx)); err != nil {
		return fmt.Errorf("%w: sqlite: savepoint: %w", queue.ErrSavepointFault, translate(err))
	}
	if ferr := fn(); ferr != nil {
		// ROLLBACK TO undoes fn's writes but keeps the savepoint; RELEASE drops it.
		if _, err := t.stmt(ctx, savepointRollback).ExecContext(t.run(ctx)); err != nil {
			return fmt.Errorf("%w: sqlite: rollback to savepoint after %q: %w", queue.ErrSavepointFault, ferr, translate(err))
		}
		if _, err := t.stmt(ctx, savepointRelease).ExecContext(t.run(ctx)); err != nil {
			return fmt.Errorf("%w: sqlite: release savepoint after %q: %w", queue.ErrSavepointFault, ferr, translate(err))
		}
		return ferr
	}
	if _, err := t.stmt(ctx, savepointRelease).ExecContext(t.run(ctx)); err != nil {
		return fmt.Errorf("%w: sqlite: release savepoint: %w", queue.ErrSavepointFault, translate(err))
	}
	return nil
}

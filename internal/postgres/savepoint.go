package postgres

import (
	"context"
	"fmt"

	"smartwait/internal/queue"
)

// Savepoint runs fn inside a savepoint and undoes fn's writes if it fails.
// After a failed statement PostgreSQL refuses every further one in the
// transaction until it is rolled back to a savepoint, which is what makes a
// duplicate phone in one operation of a group commit harmless to the others.
func (t *tx) Savepoint(ctx context.Context, fn func() error) error {
	if _, err := t.tx.Exec(ctx, `SAVEPOINT op`); err != nil {
		return fmt.Errorf("%w: postgres: savepoint: %w", queue.ErrSavepointFault, translate(ctx, err))
	}
	if ferr := fn(); ferr != nil {
		if _, err := t.tx.Exec(ctx, `ROLLBACK TO SAVEPOINT op`); err != nil {
			return fmt.Errorf("%w: postgres: rollback to savepoint after %q: %w", queue.ErrSavepointFault, ferr, translate(ctx, err))
		}
		if _, err := t.tx.Exec(ctx, `RELEASE SAVEPOINT op`); err != nil {
			return fmt.Errorf("%w: postgres: release savepoint after %q: %w", queue.ErrSavepointFault, ferr, translate(ctx, err))
		}
		return ferr
	}
	if _, err := t.tx.Exec(ctx, `RELEASE SAVEPOINT op`); err != nil {
		return fmt.Errorf("%w: postgres: release savepoint: %w", queue.ErrSavepointFault, translate(ctx, err))
	}
	return nil
}

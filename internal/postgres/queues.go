package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"smartwait/internal/queue"
)

// LockQueue returns the queue and locks its row (SELECT … FOR UPDATE) until the
// transaction ends: every mutating transaction of the queue, on any instance, takes
// this lock first, so they run one after another in PostgreSQL. The default queue is
// recreated if it was removed.
func (t *tx) LockQueue(ctx context.Context, queueID string) (queue.Queue, error) {
	q, err := t.queue(ctx, queueID, true)
	if errors.Is(err, queue.ErrNotFound) && queueID == queue.DefaultQueueID {
		const insert = `INSERT INTO queues (id, name, prefix) VALUES ($1, 'Main queue', 'A')
			ON CONFLICT (id) DO NOTHING`
		if _, err := t.tx.Exec(ctx, insert, queueID); err != nil {
			return queue.Queue{}, fmt.Errorf("postgres: create default queue: %w", translate(ctx, err))
		}
		return t.queue(ctx, queueID, true)
	}
	return q, err
}

// Queue returns the queue without locking it, or an error wrapping
// queue.ErrNotFound.
func (t *tx) Queue(ctx context.Context, queueID string) (queue.Queue, error) {
	return t.queue(ctx, queueID, false)
}

func (t *tx) queue(ctx context.Context, queueID string, lock bool) (queue.Queue, error) {
	query := `SELECT id, name, prefix, version, service_ms FROM queues WHERE id = $1`
	if lock {
		query += ` FOR UPDATE`
	}
	var q queue.Queue
	var serviceMS int64
	err := t.tx.QueryRow(ctx, query, queueID).Scan(&q.ID, &q.Name, &q.Prefix, &q.Version, &serviceMS)
	if errors.Is(err, pgx.ErrNoRows) {
		return queue.Queue{}, fmt.Errorf("postgres: queue %q: %w", queueID, queue.ErrNotFound)
	}
	if err != nil {
		return queue.Queue{}, fmt.Errorf("postgres: queue %q: %w", queueID, translate(ctx, err))
	}
	q.ServiceTime = time.Duration(serviceMS) * time.Millisecond
	return q, nil
}

// UpdateQueue stores q.Version and q.ServiceTime (to the millisecond).
func (t *tx) UpdateQueue(ctx context.Context, q queue.Queue) error {
	const update = `UPDATE queues SET version = $1, service_ms = $2 WHERE id = $3`
	tag, err := t.tx.Exec(ctx, update, q.Version, q.ServiceTime.Milliseconds(), q.ID)
	if err != nil {
		return fmt.Errorf("postgres: update queue %q: %w", q.ID, translate(ctx, err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: update queue %q: %w", q.ID, queue.ErrNotFound)
	}
	return nil
}

// NextTicketNumber returns 1, 2, 3… for successive calls with the same queue and
// day, in one atomic upsert (whose row lock also orders concurrent callers).
func (t *tx) NextTicketNumber(ctx context.Context, queueID, day string) (int, error) {
	const upsert = `INSERT INTO ticket_counters (queue_id, day, last) VALUES ($1, $2, 1)
		ON CONFLICT (queue_id, day) DO UPDATE SET last = ticket_counters.last + 1
		RETURNING last`
	var n int
	if err := t.tx.QueryRow(ctx, upsert, queueID, day).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: next ticket number: %w", translate(ctx, err))
	}
	return n, nil
}

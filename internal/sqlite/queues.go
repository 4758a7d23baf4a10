package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"smartwait/internal/queue"
)

// LockQueue returns the queue. Inside Update the transaction already holds
// SQLite's write lock (BEGIN IMMEDIATE), which excludes every other writer, so
// there is nothing more to lock. The default queue is recreated if it was removed.
var insertDefaultQueue = prepared(`INSERT INTO queues (id, name, prefix) VALUES (?, 'Main queue', 'A')
	ON CONFLICT (id) DO NOTHING`)

func (t *tx) LockQueue(ctx context.Context, queueID string) (queue.Queue, error) {
	q, err := t.Queue(ctx, queueID)
	if errors.Is(err, queue.ErrNotFound) && queueID == queue.DefaultQueueID {
		if _, err := t.stmt(ctx, insertDefaultQueue).ExecContext(t.run(ctx), queueID); err != nil {
			return queue.Queue{}, fmt.Errorf("sqlite: create default queue: %w", translate(err))
		}
		return t.Queue(ctx, queueID)
	}
	return q, err
}

var selectQueue = prepared(`SELECT id, name, prefix, version, service_ms FROM queues WHERE id = ?`)

// Queue returns the queue, or an error wrapping queue.ErrNotFound.
func (t *tx) Queue(ctx context.Context, queueID string) (queue.Queue, error) {
	var q queue.Queue
	var serviceMS int64
	err := t.stmt(ctx, selectQueue).QueryRowContext(t.run(ctx), queueID).Scan(&q.ID, &q.Name, &q.Prefix, &q.Version, &serviceMS)
	if errors.Is(err, sql.ErrNoRows) {
		return queue.Queue{}, fmt.Errorf("sqlite: queue %q: %w", queueID, queue.ErrNotFound)
	}
	if err != nil {
		return queue.Queue{}, fmt.Errorf("sqlite: queue %q: %w", queueID, translate(err))
	}
	q.ServiceTime = time.Duration(serviceMS) * time.Millisecond
	return q, nil
}

var updateQueue = prepared(`UPDATE queues SET version = ?, service_ms = ? WHERE id = ?`)

// UpdateQueue stores q.Version and q.ServiceTime (to the millisecond).
func (t *tx) UpdateQueue(ctx context.Context, q queue.Queue) error {
	res, err := t.stmt(ctx, updateQueue).ExecContext(t.run(ctx), q.Version, q.ServiceTime.Milliseconds(), q.ID)
	if err != nil {
		return fmt.Errorf("sqlite: update queue %q: %w", q.ID, translate(err))
	}
	return mustAffect(res, fmt.Sprintf("queue %q", q.ID), queue.ErrNotFound)
}

var nextTicketNumber = prepared(`INSERT INTO ticket_counters (queue_id, day, last) VALUES (?, ?, 1)
	ON CONFLICT (queue_id, day) DO UPDATE SET last = last + 1
	RETURNING last`)

// NextTicketNumber returns 1, 2, 3… for successive calls with the same queue and
// day, in one atomic upsert.
func (t *tx) NextTicketNumber(ctx context.Context, queueID, day string) (int, error) {
	var n int
	if err := t.stmt(ctx, nextTicketNumber).QueryRowContext(t.run(ctx), queueID, day).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: next ticket number: %w", translate(err))
	}
	return n, nil
}

// mustAffect returns an error wrapping notFound when res changed no row.
func mustAffect(res sql.Result, what string, notFound error) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, translate(err))
	}
	if n == 0 {
		return fmt.Errorf("sqlite: %s: %w", what, notFound)
	}
	return nil
}

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
// recreated if it was removed, with the settings migration 00005 gives it (the
// columns' defaults), unless another line has its prefix: then, as for any
// unknown queue, the error wraps queue.ErrNotFound.
func (t *tx) LockQueue(ctx context.Context, queueID string) (queue.Queue, error) {
	q, err := t.queue(ctx, queueID, true)
	if errors.Is(err, queue.ErrNotFound) && queueID == queue.DefaultQueueID {
		// ON CONFLICT without a target also covers the prefix.
		const insert = `INSERT INTO queues (id, name, prefix) VALUES ($1, 'Main queue', 'A')
			ON CONFLICT DO NOTHING`
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

// queueColumns is the column list a new queue row is written with.
const queueColumns = `id, name, prefix, version, service_ms, open, public, position,
	visit_prior_ms, get_ready, grace_ms, hours, serving_rooms, open_rooms, appointments, clinic_id`

// selectQueues reads queue rows with their clinic's, in scanQueue order: every
// line needs its clinic's time zone, name and sender, and the join costs less
// than a second read.
const selectQueues = `SELECT q.id, q.name, q.prefix, q.version, q.service_ms, q.open, q.public, q.position,
	q.visit_prior_ms, q.get_ready, q.grace_ms, q.hours, q.serving_rooms, q.open_rooms, q.appointments,
	` + clinicSelect + `
	FROM queues q JOIN clinics c ON c.id = q.clinic_id`

func scanQueue(row pgx.Row) (queue.Queue, error) {
	var q queue.Queue
	var serviceMS, priorMS, graceMS int64
	var hours string
	var c clinicRow
	err := row.Scan(append([]any{&q.ID, &q.Name, &q.Prefix, &q.Version, &serviceMS, &q.Open, &q.Public, &q.Position,
		&priorMS, &q.GetReady, &graceMS, &hours, &q.ServingRooms, &q.OpenRooms, &q.Appointments}, c.dest()...)...)
	if err != nil {
		return queue.Queue{}, err
	}
	if q.Hours, err = queue.ParseHours(hours); err != nil {
		return queue.Queue{}, fmt.Errorf("queue %q: stored %w", q.ID, err)
	}
	q.ServiceTime = time.Duration(serviceMS) * time.Millisecond
	q.VisitPrior = time.Duration(priorMS) * time.Millisecond
	q.Grace = time.Duration(graceMS) * time.Millisecond
	// The default clinic reads as the zero Clinic but its slug
	// (queue.Queue.Clinic): its name, zone and sender are the deployment's
	// settings, and its slug, which an admin may change, is what the API shows.
	if c.c.ID != queue.DefaultClinicID {
		if q.Clinic, err = c.clinic(); err != nil {
			return queue.Queue{}, fmt.Errorf("queue %q: %w", q.ID, err)
		}
	} else {
		q.Clinic.Slug = c.c.Slug
	}
	return q, nil
}

// The queue's row, read or read and locked (once per group commit per line).
const (
	selectQueue = selectQueues + ` WHERE q.id = $1`
	lockQueue   = selectQueue + ` FOR UPDATE OF q` // the line only, never its clinic
)

func (t *tx) queue(ctx context.Context, queueID string, lock bool) (queue.Queue, error) {
	query := selectQueue
	if lock {
		query = lockQueue
	}
	q, err := scanQueue(t.tx.QueryRow(ctx, query, queueID))
	if errors.Is(err, pgx.ErrNoRows) {
		return queue.Queue{}, fmt.Errorf("postgres: queue %q: %w", queueID, queue.ErrNotFound)
	}
	if err != nil {
		return queue.Queue{}, fmt.Errorf("postgres: queue %q: %w", queueID, translate(ctx, err))
	}
	return q, nil
}

// UpdateQueue stores q.Version and q.ServiceTime (to the millisecond): every
// mutation of the queue runs it, so it writes nothing else.
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

// Lines returns every queue by Position then ID (bytewise, as on SQLite,
// whatever the database's collation).
func (t *tx) Lines(ctx context.Context) ([]queue.Queue, error) {
	const query = selectQueues + ` ORDER BY q.position, q.id COLLATE "C"`
	rows, err := t.tx.Query(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("postgres: lines: %w", translate(ctx, err))
	}
	defer rows.Close()
	var out []queue.Queue
	for rows.Next() {
		q, err := scanQueue(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: lines: %w", translate(ctx, err))
		}
		out = append(out, q)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: lines: %w", translate(ctx, err))
	}
	return out, nil
}

// CreateQueue stores a new queue with all its fields, or returns an error
// wrapping queue.ErrDuplicate when its id or its prefix is another queue's.
// ON CONFLICT DO NOTHING covers both: a clash writes no row instead of failing,
// which would end the transaction.
func (t *tx) CreateQueue(ctx context.Context, q queue.Queue) error {
	const insert = `INSERT INTO queues (` + queueColumns + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
		ON CONFLICT DO NOTHING`
	tag, err := t.tx.Exec(ctx, insert, q.ID, q.Name, q.Prefix, q.Version, q.ServiceTime.Milliseconds(),
		q.Open, q.Public, q.Position, q.VisitPrior.Milliseconds(), q.GetReady, q.Grace.Milliseconds(),
		q.Hours.String(), q.ServingRooms, q.OpenRooms, q.Appointments, clinicID(q.Clinic.ID))
	if err != nil {
		return fmt.Errorf("postgres: create queue %q: %w", q.ID, translate(ctx, err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: create queue %q: id or prefix %q taken: %w", q.ID, q.Prefix, queue.ErrDuplicate)
	}
	return nil
}

// SaveQueue stores q's settings (every field but ID, Version and ServiceTime):
// queue.ErrNotFound for an unknown id, queue.ErrDuplicate when another queue of
// its clinic has the prefix. The update skips the row on a clash it can see, rather than fail
// (and end the transaction) on the unique index, which still catches a clash
// with a transaction not yet committed (translate: queue.ErrDuplicate).
func (t *tx) SaveQueue(ctx context.Context, q queue.Queue) error {
	const update = `UPDATE queues SET name = $2, prefix = $3, open = $4, public = $5, position = $6,
			visit_prior_ms = $7, get_ready = $8, grace_ms = $9, hours = $10, serving_rooms = $11, open_rooms = $12,
			appointments = $13
		WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM queues o WHERE o.prefix = $3 AND o.id <> $1
			AND o.clinic_id = (SELECT clinic_id FROM queues WHERE id = $1))`
	tag, err := t.tx.Exec(ctx, update, q.ID, q.Name, q.Prefix, q.Open, q.Public, q.Position,
		q.VisitPrior.Milliseconds(), q.GetReady, q.Grace.Milliseconds(), q.Hours.String(), q.ServingRooms, q.OpenRooms, q.Appointments)
	if err != nil {
		return fmt.Errorf("postgres: save queue %q: %w", q.ID, translate(ctx, err))
	}
	if tag.RowsAffected() > 0 {
		return nil
	}
	var exists bool
	if err := t.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM queues WHERE id = $1)`, q.ID).Scan(&exists); err != nil {
		return fmt.Errorf("postgres: save queue %q: %w", q.ID, translate(ctx, err))
	}
	if !exists {
		return fmt.Errorf("postgres: save queue %q: %w", q.ID, queue.ErrNotFound)
	}
	return fmt.Errorf("postgres: save queue %q: prefix %q taken: %w", q.ID, q.Prefix, queue.ErrDuplicate)
}

// DeleteQueue removes the queue row; its tickets, ticket counters and
// waiting_buckets and waiting_coarse rows stay (history, and the counts of tickets still waiting).
func (t *tx) DeleteQueue(ctx context.Context, queueID string) error {
	tag, err := t.tx.Exec(ctx, `DELETE FROM queues WHERE id = $1`, queueID)
	if err != nil {
		return fmt.Errorf("postgres: delete queue %q: %w", queueID, translate(ctx, err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: delete queue %q: %w", queueID, queue.ErrNotFound)
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

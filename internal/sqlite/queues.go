package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"smartwait/internal/queue"
)

// insertDefaultQueue recreates the default queue with the settings migration
// 00005 gives it (the columns' defaults). ON CONFLICT without a target also
// covers the prefix: when another line took "A" meanwhile, no row is written.
var insertDefaultQueue = prepared(`INSERT INTO queues (id, name, prefix) VALUES (?, 'Main queue', 'A')
	ON CONFLICT DO NOTHING`)

// LockQueue returns the queue. Inside Update the transaction already holds
// SQLite's write lock (BEGIN IMMEDIATE), which excludes every other writer, so
// there is nothing more to lock. The default queue is recreated if it was
// removed, unless another line has its prefix: then, as for any unknown queue,
// the error wraps queue.ErrNotFound.
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

func scanQueue(s scanner) (queue.Queue, error) {
	var q queue.Queue
	var serviceMS, priorMS, graceMS int64
	var hours string
	var c clinicRow
	err := s.Scan(append([]any{&q.ID, &q.Name, &q.Prefix, &q.Version, &serviceMS, &q.Open, &q.Public, &q.Position,
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

var selectQueue = prepared(selectQueues + ` WHERE q.id = ?`)

// Queue returns the queue, or an error wrapping queue.ErrNotFound.
func (t *tx) Queue(ctx context.Context, queueID string) (queue.Queue, error) {
	q, err := scanQueue(t.stmt(ctx, selectQueue).QueryRowContext(t.run(ctx), queueID))
	if errors.Is(err, sql.ErrNoRows) {
		return queue.Queue{}, fmt.Errorf("sqlite: queue %q: %w", queueID, queue.ErrNotFound)
	}
	if err != nil {
		return queue.Queue{}, fmt.Errorf("sqlite: queue %q: %w", queueID, translate(err))
	}
	return q, nil
}

var updateQueue = prepared(`UPDATE queues SET version = ?, service_ms = ? WHERE id = ?`)

// UpdateQueue stores q.Version and q.ServiceTime (to the millisecond): every
// mutation of the queue runs it, so it writes nothing else.
func (t *tx) UpdateQueue(ctx context.Context, q queue.Queue) error {
	res, err := t.stmt(ctx, updateQueue).ExecContext(t.run(ctx), q.Version, q.ServiceTime.Milliseconds(), q.ID)
	if err != nil {
		return fmt.Errorf("sqlite: update queue %q: %w", q.ID, translate(err))
	}
	return mustAffect(res, fmt.Sprintf("queue %q", q.ID), queue.ErrNotFound)
}

var selectLines = prepared(selectQueues + ` ORDER BY q.position, q.id`)

// Lines returns every queue by Position then ID.
func (t *tx) Lines(ctx context.Context) ([]queue.Queue, error) {
	rows, err := t.stmt(ctx, selectLines).QueryContext(t.run(ctx))
	if err != nil {
		return nil, fmt.Errorf("sqlite: lines: %w", translate(err))
	}
	defer rows.Close()
	var out []queue.Queue
	for rows.Next() {
		q, err := scanQueue(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: lines: %w", translate(err))
		}
		out = append(out, q)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: lines: %w", translate(err))
	}
	return out, nil
}

// insertQueue's ON CONFLICT DO NOTHING covers the id and the prefix: a clash
// writes no row instead of failing (as in internal/postgres, where a failed
// statement would end the transaction).
var insertQueue = prepared(`INSERT INTO queues (` + queueColumns + `)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT DO NOTHING`)

// CreateQueue stores a new queue with all its fields, or returns an error
// wrapping queue.ErrDuplicate when its id or its prefix is another queue's.
func (t *tx) CreateQueue(ctx context.Context, q queue.Queue) error {
	res, err := t.stmt(ctx, insertQueue).ExecContext(t.run(ctx), q.ID, q.Name, q.Prefix, q.Version,
		q.ServiceTime.Milliseconds(), q.Open, q.Public, q.Position, q.VisitPrior.Milliseconds(), q.GetReady,
		q.Grace.Milliseconds(), q.Hours.String(), q.ServingRooms, q.OpenRooms, q.Appointments, clinicID(q.Clinic.ID))
	if err != nil {
		return fmt.Errorf("sqlite: create queue %q: %w", q.ID, translate(err))
	}
	return mustAffect(res, fmt.Sprintf("create queue %q: id or prefix %q taken", q.ID, q.Prefix), queue.ErrDuplicate)
}

var (
	// saveQueue skips the row when another queue of its clinic has the prefix; queueExists
	// then tells an unknown id from that clash.
	saveQueue = prepared(`UPDATE queues SET name = ?2, prefix = ?3, open = ?4, public = ?5, position = ?6,
		visit_prior_ms = ?7, get_ready = ?8, grace_ms = ?9, hours = ?10, serving_rooms = ?11, open_rooms = ?12, appointments = ?13
	WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM queues o WHERE o.prefix = ?3 AND o.id <> ?1
		AND o.clinic_id = (SELECT clinic_id FROM queues WHERE id = ?1))`)
	queueExists = prepared(`SELECT EXISTS (SELECT 1 FROM queues WHERE id = ?)`)
)

// SaveQueue stores q's settings (every field but ID, Version and ServiceTime):
// queue.ErrNotFound for an unknown id, queue.ErrDuplicate when another queue has
// the prefix.
func (t *tx) SaveQueue(ctx context.Context, q queue.Queue) error {
	res, err := t.stmt(ctx, saveQueue).ExecContext(t.run(ctx), q.ID, q.Name, q.Prefix, q.Open, q.Public, q.Position,
		q.VisitPrior.Milliseconds(), q.GetReady, q.Grace.Milliseconds(), q.Hours.String(), q.ServingRooms, q.OpenRooms, q.Appointments)
	if err != nil {
		return fmt.Errorf("sqlite: save queue %q: %w", q.ID, translate(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: save queue %q: %w", q.ID, translate(err))
	}
	if n > 0 {
		return nil
	}
	var exists bool
	if err := t.stmt(ctx, queueExists).QueryRowContext(t.run(ctx), q.ID).Scan(&exists); err != nil {
		return fmt.Errorf("sqlite: save queue %q: %w", q.ID, translate(err))
	}
	if !exists {
		return fmt.Errorf("sqlite: save queue %q: %w", q.ID, queue.ErrNotFound)
	}
	return fmt.Errorf("sqlite: save queue %q: prefix %q taken: %w", q.ID, q.Prefix, queue.ErrDuplicate)
}

var deleteQueue = prepared(`DELETE FROM queues WHERE id = ?`)

// DeleteQueue removes the queue row; its tickets, ticket counters and
// waiting_buckets and waiting_coarse rows stay (history, and the counts of tickets still waiting).
func (t *tx) DeleteQueue(ctx context.Context, queueID string) error {
	res, err := t.stmt(ctx, deleteQueue).ExecContext(t.run(ctx), queueID)
	if err != nil {
		return fmt.Errorf("sqlite: delete queue %q: %w", queueID, translate(err))
	}
	return mustAffect(res, fmt.Sprintf("delete queue %q", queueID), queue.ErrNotFound)
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

// mustAffect returns an error wrapping none (queue.ErrNotFound, say) when res
// changed no row.
func mustAffect(res sql.Result, what string, none error) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, translate(err))
	}
	if n == 0 {
		return fmt.Errorf("sqlite: %s: %w", what, none)
	}
	return nil
}

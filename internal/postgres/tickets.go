package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"smartwait/internal/queue"
)

// ticketColumns is the column list every ticket query selects, in scanTicket order.
const ticketColumns = `id, queue_id, seq, number, day, name, phone, appointment_time,
	status, room, check_in_time, called_at, completed_at, quoted_wait, ready_at`

func scanTicket(row pgx.Row) (queue.Ticket, error) {
	var t queue.Ticket
	var checkIn time.Time
	var called, completed, ready *time.Time
	err := row.Scan(&t.ID, &t.QueueID, &t.Seq, &t.Number, &t.Day, &t.Name, &t.Phone, &t.AppointmentTime,
		&t.Status, &t.Room, &checkIn, &called, &completed, &t.QuotedWait, &ready)
	if err != nil {
		return queue.Ticket{}, err
	}
	t.CheckInTime = checkIn.UTC()
	t.CalledAt, t.CompletedAt, t.ReadyAt = fromTS(called), fromTS(completed), fromTS(ready)
	return t, nil
}

// queryTickets runs a query selecting ticketColumns and collects the rows.
func (t *tx) queryTickets(ctx context.Context, what, query string, args ...any) ([]queue.Ticket, error) {
	rows, err := t.tx.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", what, translate(ctx, err))
	}
	defer rows.Close()
	var out []queue.Ticket
	for rows.Next() {
		tk, err := scanTicket(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: %s: %w", what, translate(ctx, err))
		}
		out = append(out, tk)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", what, translate(ctx, err))
	}
	return out, nil
}

// InsertTicket stores a new ticket. Its seq is one more than the queue's highest
// (as on SQLite); the caller holds the queue lock, which is what makes MAX+1 safe
// between instances. The partial unique index tickets_active_phone rejects a second
// active ticket for the phone (queue.ErrDuplicate).
func (t *tx) InsertTicket(ctx context.Context, tk *queue.Ticket) error {
	const insert = `INSERT INTO tickets (id, queue_id, seq, number, day, name, phone,
			appointment_time, status, room, check_in_time, called_at, completed_at, quoted_wait, ready_at)
		SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14
		FROM tickets WHERE queue_id = $2
		RETURNING seq`
	err := t.tx.QueryRow(ctx, insert,
		tk.ID, tk.QueueID, tk.Number, tk.Day, tk.Name, tk.Phone, tk.AppointmentTime,
		string(tk.Status), tk.Room, tk.CheckInTime.UTC().Truncate(time.Millisecond), ts(tk.CalledAt), ts(tk.CompletedAt),
		tk.QuotedWait, ts(tk.ReadyAt),
	).Scan(&tk.Seq)
	if err != nil {
		return fmt.Errorf("postgres: insert ticket: %w", translate(ctx, err))
	}
	return nil
}

// UpdateTicket stores the mutable fields of tk.
func (t *tx) UpdateTicket(ctx context.Context, tk queue.Ticket) error {
	const update = `UPDATE tickets SET status = $1, room = $2, called_at = $3, completed_at = $4, ready_at = $5
		WHERE id = $6`
	tag, err := t.tx.Exec(ctx, update, string(tk.Status), tk.Room, ts(tk.CalledAt), ts(tk.CompletedAt), ts(tk.ReadyAt), tk.ID)
	if err != nil {
		return fmt.Errorf("postgres: update ticket: %w", translate(ctx, err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: update ticket: %w", queue.ErrNotFound)
	}
	return nil
}

// Ticket returns the ticket with the given id, or an error wrapping
// queue.ErrNotFound.
func (t *tx) Ticket(ctx context.Context, id string) (queue.Ticket, error) {
	const query = `SELECT ` + ticketColumns + ` FROM tickets WHERE id = $1`
	tk, err := scanTicket(t.tx.QueryRow(ctx, query, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return queue.Ticket{}, fmt.Errorf("postgres: ticket: %w", queue.ErrNotFound)
	}
	if err != nil {
		return queue.Ticket{}, fmt.Errorf("postgres: ticket: %w", translate(ctx, err))
	}
	return tk, nil
}

// activeColumns are ticketColumns without queue_id and status, which
// ActiveTickets knows from its arguments: two fewer strings decoded per row.
const activeColumns = `id, seq, number, day, name, phone, appointment_time,
	room, check_in_time, called_at, completed_at, quoted_wait, ready_at`

// ActiveTickets returns the called tickets by CalledAt then Seq, then the waiting
// ones by Seq. They are read by two queries rather than one ordered by status:
// the waiting ones, nearly all of a long queue, then come off the
// tickets_queue_status_seq index in seq order with no sort of every active row.
// The result is sized from CountActive, so it is collected without growing.
func (t *tx) ActiveTickets(ctx context.Context, queueID string) ([]queue.Ticket, error) {
	const (
		called = `SELECT ` + activeColumns + ` FROM tickets
			WHERE queue_id = $1 AND status = 'called' ORDER BY called_at, seq`
		waiting = `SELECT ` + activeColumns + ` FROM tickets
			WHERE queue_id = $1 AND status = 'waiting' ORDER BY seq`
	)
	nw, nc, err := t.CountActive(ctx, queueID)
	if err != nil {
		return nil, err
	}
	out := make([]queue.Ticket, 0, nw+nc)
	if out, err = t.appendActive(ctx, out, called, queueID, queue.StatusCalled); err != nil {
		return nil, err
	}
	return t.appendActive(ctx, out, waiting, queueID, queue.StatusWaiting)
}

// appendActive appends the rows of query, which selects activeColumns of the
// queue's tickets in the given status, to out.
func (t *tx) appendActive(ctx context.Context, out []queue.Ticket, query, queueID string, status queue.Status) ([]queue.Ticket, error) {
	rows, err := t.tx.Query(ctx, query, queueID)
	if err != nil {
		return nil, fmt.Errorf("postgres: active tickets: %w", translate(ctx, err))
	}
	defer rows.Close()
	var checkIn time.Time
	var called, completed, ready *time.Time
	for rows.Next() {
		tk := queue.Ticket{QueueID: queueID, Status: status}
		if err := rows.Scan(&tk.ID, &tk.Seq, &tk.Number, &tk.Day, &tk.Name, &tk.Phone, &tk.AppointmentTime,
			&tk.Room, &checkIn, &called, &completed, &tk.QuotedWait, &ready); err != nil {
			return nil, fmt.Errorf("postgres: active tickets: %w", translate(ctx, err))
		}
		tk.CheckInTime = checkIn.UTC()
		tk.CalledAt, tk.CompletedAt, tk.ReadyAt = fromTS(called), fromTS(completed), fromTS(ready)
		out = append(out, tk)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: active tickets: %w", translate(ctx, err))
	}
	return out, nil
}

// WaitingTickets returns up to limit waiting tickets in Seq order (limit <= 0: all).
func (t *tx) WaitingTickets(ctx context.Context, queueID string, limit int) ([]queue.Ticket, error) {
	const query = `SELECT ` + ticketColumns + ` FROM tickets
		WHERE queue_id = $1 AND status = 'waiting' ORDER BY seq LIMIT $2`
	var lim any // NULL: LIMIT ALL
	if limit > 0 {
		lim = limit
	}
	return t.queryTickets(ctx, "waiting tickets", query, queueID, lim)
}

// waitingBucket is the number of consecutive seqs whose waiting tickets one row of
// waiting_buckets counts (migration 00002, where the trigger repeats it).
const waitingBucket = 256

// CountWaitingBefore counts the queue's waiting tickets with Seq < seq: the
// waiting_buckets rows of the blocks wholly before seq, plus an index range count
// inside seq's own block — O(waiting/256 + 256), not O(waiting).
func (t *tx) CountWaitingBefore(ctx context.Context, queueID string, seq int64) (int, error) {
	const query = `SELECT
		(SELECT COALESCE(SUM(n), 0) FROM waiting_buckets WHERE queue_id = $1 AND bucket < $2),
		(SELECT COUNT(*) FROM tickets WHERE queue_id = $1 AND status = 'waiting' AND seq >= $3 AND seq < $4)`
	bucket := seq / waitingBucket
	if seq < 0 {
		bucket = -1 // no block is wholly before a negative seq
	}
	var blocks, inBlock int
	if err := t.tx.QueryRow(ctx, query, queueID, bucket, bucket*waitingBucket, seq).Scan(&blocks, &inBlock); err != nil {
		return 0, fmt.Errorf("postgres: count waiting: %w", translate(ctx, err))
	}
	return blocks + inBlock, nil
}

// CountActive counts the queue's waiting tickets (from waiting_buckets) and called
// tickets (few: an index range).
func (t *tx) CountActive(ctx context.Context, queueID string) (waiting, called int, err error) {
	const query = `SELECT
		(SELECT COALESCE(SUM(n), 0) FROM waiting_buckets WHERE queue_id = $1),
		(SELECT COUNT(*) FROM tickets WHERE queue_id = $1 AND status = 'called')`
	if err := t.tx.QueryRow(ctx, query, queueID).Scan(&waiting, &called); err != nil {
		return 0, 0, fmt.Errorf("postgres: count active: %w", translate(ctx, err))
	}
	return waiting, called, nil
}

// TicketsSince returns the queue's tickets that checked in at or after since, in
// Seq order.
func (t *tx) TicketsSince(ctx context.Context, queueID string, since time.Time) ([]queue.Ticket, error) {
	const query = `SELECT ` + ticketColumns + ` FROM tickets
		WHERE queue_id = $1 AND check_in_time >= $2 ORDER BY seq`
	return t.queryTickets(ctx, "tickets since", query, queueID, since.UTC().Truncate(time.Millisecond))
}

// RecentServiceTimes returns CompletedAt−CalledAt of up to limit most recently
// completed tickets of the queue, newest first (limit <= 0: all).
func (t *tx) RecentServiceTimes(ctx context.Context, queueID string, limit int) ([]time.Duration, error) {
	// status = 'completed' is written as a literal so the partial index applies.
	const query = `SELECT (EXTRACT(EPOCH FROM completed_at - called_at) * 1000)::bigint FROM tickets
		WHERE queue_id = $1 AND status = 'completed' AND called_at IS NOT NULL AND completed_at IS NOT NULL
		ORDER BY completed_at DESC, seq DESC LIMIT $2`
	var lim any
	if limit > 0 {
		lim = limit
	}
	rows, err := t.tx.Query(ctx, query, queueID, lim)
	if err != nil {
		return nil, fmt.Errorf("postgres: service times: %w", translate(ctx, err))
	}
	defer rows.Close()
	var out []time.Duration
	for rows.Next() {
		var d int64
		if err := rows.Scan(&d); err != nil {
			return nil, fmt.Errorf("postgres: service times: %w", translate(ctx, err))
		}
		out = append(out, time.Duration(d)*time.Millisecond)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: service times: %w", translate(ctx, err))
	}
	return out, nil
}

// RecentCheckIns returns the check-in times of up to limit tickets with the phone
// since since, newest first (the tickets_phone_check_in index). It first takes a
// transaction-scoped advisory lock on the phone: check-ins in different queues hold
// different queue locks, and without it two instances could both count below the
// limit and both insert. The lock is its own statement so that the count, under
// read committed, sees what the previous holder committed.
func (t *tx) RecentCheckIns(ctx context.Context, phone string, since time.Time, limit int) ([]time.Time, error) {
	if _, err := t.tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('smartwait-phone:' || $1, 0))`, phone); err != nil {
		return nil, fmt.Errorf("postgres: lock phone: %w", translate(ctx, err))
	}
	const query = `SELECT check_in_time FROM tickets
		WHERE phone = $1 AND check_in_time >= $2 ORDER BY check_in_time DESC LIMIT $3`
	var lim any
	if limit > 0 {
		lim = limit
	}
	rows, err := t.tx.Query(ctx, query, phone, since.UTC(), lim)
	if err != nil {
		return nil, fmt.Errorf("postgres: recent check-ins: %w", translate(ctx, err))
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var at time.Time
		if err := rows.Scan(&at); err != nil {
			return nil, fmt.Errorf("postgres: recent check-ins: %w", translate(ctx, err))
		}
		out = append(out, at.UTC())
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: recent check-ins: %w", translate(ctx, err))
	}
	return out, nil
}

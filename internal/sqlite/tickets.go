package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"smartwait/internal/queue"
)

// ticketColumns is the column list every ticket query selects, in scanTicket order.
const ticketColumns = `id, queue_id, seq, number, day, name, phone, appointment_time,
	status, room, check_in_time, called_at, completed_at, quoted_wait, ready_at`

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

func scanTicket(s scanner) (queue.Ticket, error) {
	var t queue.Ticket
	var checkIn int64
	var called, completed, ready sql.NullInt64
	err := s.Scan(&t.ID, &t.QueueID, &t.Seq, &t.Number, &t.Day, &t.Name, &t.Phone, &t.AppointmentTime,
		&t.Status, &t.Room, &checkIn, &called, &completed, &t.QuotedWait, &ready)
	if err != nil {
		return queue.Ticket{}, err
	}
	t.CheckInTime = time.UnixMilli(checkIn).UTC()
	t.CalledAt, t.CompletedAt, t.ReadyAt = fromMS(called), fromMS(completed), fromMS(ready)
	return t, nil
}

// queryTickets runs a query selecting ticketColumns and collects the rows.
func (t *tx) queryTickets(ctx context.Context, what, query string, args ...any) ([]queue.Ticket, error) {
	rows, err := t.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", what, translate(err))
	}
	defer rows.Close()
	var out []queue.Ticket
	for rows.Next() {
		tk, err := scanTicket(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: %s: %w", what, translate(err))
		}
		out = append(out, tk)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", what, translate(err))
	}
	return out, nil
}

// InsertTicket stores a new ticket. Its seq is one more than the queue's highest,
// computed in the same statement, so it is unique and increasing even without the
// write lock; the partial unique index tickets_active_phone rejects a second active
// ticket for the phone (queue.ErrDuplicate).
func (t *tx) InsertTicket(ctx context.Context, tk *queue.Ticket) error {
	const insert = `INSERT INTO tickets (id, queue_id, seq, number, day, name, phone,
			appointment_time, status, room, check_in_time, called_at, completed_at, quoted_wait, ready_at)
		SELECT ?, ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
		FROM tickets WHERE queue_id = ?
		RETURNING seq`
	err := t.tx.QueryRowContext(ctx, insert,
		tk.ID, tk.QueueID, tk.Number, tk.Day, tk.Name, tk.Phone, tk.AppointmentTime,
		tk.Status, tk.Room, tk.CheckInTime.UnixMilli(), ms(tk.CalledAt), ms(tk.CompletedAt),
		tk.QuotedWait, ms(tk.ReadyAt), tk.QueueID,
	).Scan(&tk.Seq)
	if err != nil {
		return fmt.Errorf("sqlite: insert ticket: %w", translate(err))
	}
	return nil
}

// UpdateTicket stores the mutable fields of tk.
func (t *tx) UpdateTicket(ctx context.Context, tk queue.Ticket) error {
	const update = `UPDATE tickets SET status = ?, room = ?, called_at = ?, completed_at = ?, ready_at = ?
		WHERE id = ?`
	res, err := t.tx.ExecContext(ctx, update, tk.Status, tk.Room, ms(tk.CalledAt), ms(tk.CompletedAt), ms(tk.ReadyAt), tk.ID)
	if err != nil {
		return fmt.Errorf("sqlite: update ticket: %w", translate(err))
	}
	return mustAffect(res, "update ticket", queue.ErrNotFound)
}

// Ticket returns the ticket with the given id, or an error wrapping
// queue.ErrNotFound.
func (t *tx) Ticket(ctx context.Context, id string) (queue.Ticket, error) {
	const query = `SELECT ` + ticketColumns + ` FROM tickets WHERE id = ?`
	tk, err := scanTicket(t.tx.QueryRowContext(ctx, query, id))
	if errors.Is(err, sql.ErrNoRows) {
		return queue.Ticket{}, fmt.Errorf("sqlite: ticket: %w", queue.ErrNotFound)
	}
	if err != nil {
		return queue.Ticket{}, fmt.Errorf("sqlite: ticket: %w", translate(err))
	}
	return tk, nil
}

// ActiveTickets returns the called tickets by CalledAt then Seq, then the waiting
// ones by Seq.
func (t *tx) ActiveTickets(ctx context.Context, queueID string) ([]queue.Ticket, error) {
	const query = `SELECT ` + ticketColumns + ` FROM tickets
		WHERE queue_id = ? AND status IN ('waiting', 'called')
		ORDER BY status <> 'called', CASE WHEN status = 'called' THEN called_at END, seq`
	return t.queryTickets(ctx, "active tickets", query, queueID)
}

// WaitingTickets returns up to limit waiting tickets in Seq order (limit <= 0: all).
func (t *tx) WaitingTickets(ctx context.Context, queueID string, limit int) ([]queue.Ticket, error) {
	const query = `SELECT ` + ticketColumns + ` FROM tickets
		WHERE queue_id = ? AND status = 'waiting' ORDER BY seq LIMIT ?`
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	return t.queryTickets(ctx, "waiting tickets", query, queueID, limit)
}

// CountWaitingBefore counts the queue's waiting tickets with Seq < seq: a range
// count on the (queue_id, status, seq) index.
func (t *tx) CountWaitingBefore(ctx context.Context, queueID string, seq int64) (int, error) {
	const query = `SELECT COUNT(*) FROM tickets WHERE queue_id = ? AND status = 'waiting' AND seq < ?`
	var n int
	if err := t.tx.QueryRowContext(ctx, query, queueID, seq).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count waiting: %w", translate(err))
	}
	return n, nil
}

// CountActive counts the queue's waiting and called tickets.
func (t *tx) CountActive(ctx context.Context, queueID string) (waiting, called int, err error) {
	const query = `SELECT
			(SELECT COUNT(*) FROM tickets WHERE queue_id = ?1 AND status = 'waiting'),
			(SELECT COUNT(*) FROM tickets WHERE queue_id = ?1 AND status = 'called')`
	if err := t.tx.QueryRowContext(ctx, query, queueID).Scan(&waiting, &called); err != nil {
		return 0, 0, fmt.Errorf("sqlite: count active: %w", translate(err))
	}
	return waiting, called, nil
}

// TicketsSince returns the queue's tickets that checked in at or after since, in
// Seq order.
func (t *tx) TicketsSince(ctx context.Context, queueID string, since time.Time) ([]queue.Ticket, error) {
	const query = `SELECT ` + ticketColumns + ` FROM tickets
		WHERE queue_id = ? AND check_in_time >= ? ORDER BY seq`
	return t.queryTickets(ctx, "tickets since", query, queueID, since.UnixMilli())
}

// RecentServiceTimes returns CompletedAt−CalledAt of up to limit most recently
// completed tickets of the queue, newest first (limit <= 0: all).
func (t *tx) RecentServiceTimes(ctx context.Context, queueID string, limit int) ([]time.Duration, error) {
	// status = 'completed' is written as a literal so the partial index applies.
	const query = `SELECT completed_at - called_at FROM tickets
		WHERE queue_id = ? AND status = 'completed' AND called_at IS NOT NULL AND completed_at IS NOT NULL
		ORDER BY completed_at DESC, seq DESC LIMIT ?`
	if limit <= 0 {
		limit = -1
	}
	rows, err := t.tx.QueryContext(ctx, query, queueID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: service times: %w", translate(err))
	}
	defer rows.Close()
	var out []time.Duration
	for rows.Next() {
		var d int64
		if err := rows.Scan(&d); err != nil {
			return nil, fmt.Errorf("sqlite: service times: %w", translate(err))
		}
		out = append(out, time.Duration(d)*time.Millisecond)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: service times: %w", translate(err))
	}
	return out, nil
}

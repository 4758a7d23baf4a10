package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"smartwait/internal/queue"
)

// OptOut records that phone texted STOP at at (the first time counts) and
// cancels the texts still waiting for it.
func (t *tx) OptOut(ctx context.Context, phone string, at time.Time) error {
	const (
		insert = `INSERT INTO sms_opt_outs (phone, opted_out_at) VALUES ($1, $2) ON CONFLICT (phone) DO NOTHING`
		cancel = `UPDATE messages SET status = 'cancelled'
			WHERE to_phone = $1 AND status = 'pending' AND (claimed_until IS NULL OR claimed_until <= $2)`
	)
	if _, err := t.tx.Exec(ctx, insert, phone, at.UTC()); err != nil {
		return fmt.Errorf("postgres: opt out: %w", translate(ctx, err))
	}
	if _, err := t.tx.Exec(ctx, cancel, phone, t.db.now().UTC()); err != nil {
		return fmt.Errorf("postgres: opt out: %w", translate(ctx, err))
	}
	return nil
}

// OptIn forgets phone's opt-out.
func (t *tx) OptIn(ctx context.Context, phone string) error {
	if _, err := t.tx.Exec(ctx, `DELETE FROM sms_opt_outs WHERE phone = $1`, phone); err != nil {
		return fmt.Errorf("postgres: opt in: %w", translate(ctx, err))
	}
	return nil
}

// OptedOut returns when phone opted out, or the zero time when it has not.
func (t *tx) OptedOut(ctx context.Context, phone string) (time.Time, error) {
	var at time.Time
	err := t.tx.QueryRow(ctx, `SELECT opted_out_at FROM sms_opt_outs WHERE phone = $1`, phone).Scan(&at)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("postgres: opted out: %w", translate(ctx, err))
	}
	return at.UTC(), nil
}

// ActiveTicketByPhone returns the newest waiting or called ticket of phone, in
// any line, or an error wrapping queue.ErrNotFound.
func (t *tx) ActiveTicketByPhone(ctx context.Context, phone string) (queue.Ticket, error) {
	const query = `SELECT ` + ticketColumns + ` FROM tickets
		WHERE phone = $1 AND status IN ('waiting', 'called') ORDER BY check_in_time DESC LIMIT 1`
	tk, err := scanTicket(t.tx.QueryRow(ctx, query, phone))
	if errors.Is(err, pgx.ErrNoRows) {
		return queue.Ticket{}, fmt.Errorf("postgres: active ticket by phone: %w", queue.ErrNotFound)
	}
	if err != nil {
		return queue.Ticket{}, fmt.Errorf("postgres: active ticket by phone: %w", translate(ctx, err))
	}
	return tk, nil
}

// TextedSince reports whether a text of kind went to phone at or after since.
func (t *tx) TextedSince(ctx context.Context, phone string, kind queue.MessageKind, since time.Time) (bool, error) {
	const query = `SELECT EXISTS (SELECT 1 FROM messages WHERE to_phone = $1 AND kind = $2 AND created_at >= $3)`
	var yes bool
	if err := t.tx.QueryRow(ctx, query, phone, string(kind), since.UTC()).Scan(&yes); err != nil {
		return false, fmt.Errorf("postgres: texted since: %w", translate(ctx, err))
	}
	return yes, nil
}

// LastTold is the ToldUntil of the newest text to ticketID that told a wait.
func (t *tx) LastTold(ctx context.Context, ticketID string) (time.Time, error) {
	const query = `SELECT told_until FROM messages
		WHERE ticket_id = $1 AND told_until IS NOT NULL ORDER BY created_at DESC, id DESC LIMIT 1`
	var at time.Time
	err := t.tx.QueryRow(ctx, query, ticketID).Scan(&at)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("postgres: last told: %w", translate(ctx, err))
	}
	return at.UTC(), nil
}

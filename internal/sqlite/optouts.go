package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"smartwait/internal/queue"
)

var (
	insertOptOut = prepared(`INSERT INTO sms_opt_outs (phone, opted_out_at) VALUES (?, ?)
		ON CONFLICT (phone) DO NOTHING`)
	cancelTextsTo = prepared(`UPDATE messages SET status = 'cancelled'
		WHERE to_phone = ?1 AND status = 'pending' AND (claimed_until IS NULL OR claimed_until <= ?2)`)
	deleteOptOut = prepared(`DELETE FROM sms_opt_outs WHERE phone = ?`)
	selectOptOut = prepared(`SELECT opted_out_at FROM sms_opt_outs WHERE phone = ?`)
	textedSince  = prepared(`SELECT EXISTS (SELECT 1 FROM messages
		WHERE to_phone = ? AND kind = ? AND created_at >= ?)`)
	activeByPhone = prepared(`SELECT ` + ticketColumns + ` FROM tickets
		WHERE phone = ? AND status IN ('waiting', 'called') ORDER BY check_in_time DESC LIMIT 1`)
)

// OptOut records that phone texted STOP at at (the first time counts) and
// cancels the texts still waiting for it.
func (t *tx) OptOut(ctx context.Context, phone string, at time.Time) error {
	if _, err := t.stmt(ctx, insertOptOut).ExecContext(t.run(ctx), phone, at.UnixMilli()); err != nil {
		return fmt.Errorf("sqlite: opt out: %w", translate(err))
	}
	if _, err := t.stmt(ctx, cancelTextsTo).ExecContext(t.run(ctx), phone, t.db.now().UnixMilli()); err != nil {
		return fmt.Errorf("sqlite: opt out: %w", translate(err))
	}
	return nil
}

// OptIn forgets phone's opt-out.
func (t *tx) OptIn(ctx context.Context, phone string) error {
	if _, err := t.stmt(ctx, deleteOptOut).ExecContext(t.run(ctx), phone); err != nil {
		return fmt.Errorf("sqlite: opt in: %w", translate(err))
	}
	return nil
}

// OptedOut returns when phone opted out, or the zero time when it has not.
func (t *tx) OptedOut(ctx context.Context, phone string) (time.Time, error) {
	var at int64
	err := t.stmt(ctx, selectOptOut).QueryRowContext(t.run(ctx), phone).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: opted out: %w", translate(err))
	}
	return time.UnixMilli(at).UTC(), nil
}

// ActiveTicketByPhone returns the newest waiting or called ticket of phone, in
// any line, or an error wrapping queue.ErrNotFound.
func (t *tx) ActiveTicketByPhone(ctx context.Context, phone string) (queue.Ticket, error) {
	tk, err := scanTicket(t.stmt(ctx, activeByPhone).QueryRowContext(t.run(ctx), phone))
	if errors.Is(err, sql.ErrNoRows) {
		return queue.Ticket{}, fmt.Errorf("sqlite: active ticket by phone: %w", queue.ErrNotFound)
	}
	if err != nil {
		return queue.Ticket{}, fmt.Errorf("sqlite: active ticket by phone: %w", translate(err))
	}
	return tk, nil
}

// TextedSince reports whether a text of kind went to phone at or after since.
func (t *tx) TextedSince(ctx context.Context, phone string, kind queue.MessageKind, since time.Time) (bool, error) {
	var yes bool
	if err := t.stmt(ctx, textedSince).QueryRowContext(t.run(ctx), phone, kind, since.UnixMilli()).Scan(&yes); err != nil {
		return false, fmt.Errorf("sqlite: texted since: %w", translate(err))
	}
	return yes, nil
}

var lastTold = prepared(`SELECT told_until FROM messages
	WHERE ticket_id = ? AND told_until IS NOT NULL ORDER BY created_at DESC, id DESC LIMIT 1`)

// LastTold is the ToldUntil of the newest text to ticketID that told a wait.
func (t *tx) LastTold(ctx context.Context, ticketID string) (time.Time, error) {
	var at int64
	err := t.stmt(ctx, lastTold).QueryRowContext(t.run(ctx), ticketID).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: last told: %w", translate(err))
	}
	return time.UnixMilli(at).UTC(), nil
}

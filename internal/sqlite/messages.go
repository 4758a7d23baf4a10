package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"smartwait/internal/queue"
)

// from_phone is NULL for the deployment's sender (queue.Message.From "").
var insertMessage = prepared(`INSERT INTO messages (ticket_id, kind, to_phone, body, dedupe_key, status,
		attempts, last_error, provider_id, created_at, due_at, sent_at, told_until, from_phone)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, ''))
	ON CONFLICT (dedupe_key) DO NOTHING
	RETURNING id`)

// AddMessage writes m to the outbox and sets m.ID, or leaves m.ID 0 when a message
// with the same DedupeKey exists. A zero Status is stored as pending, a zero
// CreatedAt as now and a zero DueAt as CreatedAt (due at once); m is updated to
// what was stored.
func (t *tx) AddMessage(ctx context.Context, m *queue.Message) error {
	if m.Status == "" {
		m.Status = queue.MessagePending
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = t.db.now().UTC()
	}
	if m.DueAt.IsZero() {
		m.DueAt = m.CreatedAt
	}
	err := t.stmt(ctx, insertMessage).QueryRowContext(t.run(ctx), m.TicketID, m.Kind, m.To, m.Body, m.DedupeKey, m.Status,
		m.Attempts, m.LastError, m.ProviderID, m.CreatedAt.UnixMilli(), m.DueAt.UnixMilli(), ms(m.SentAt), ms(m.ToldUntil), m.From,
	).Scan(&m.ID)
	if errors.Is(err, sql.ErrNoRows) { // the dedupe key exists: one cause, one message
		m.ID = 0
		return nil
	}
	if err != nil {
		return fmt.Errorf("sqlite: add message: %w", translate(err))
	}
	return nil
}

var cancelMessages = prepared(`UPDATE messages SET status = 'cancelled'
	WHERE ticket_id = ? AND status = 'pending' AND (?2 = '' OR kind = ?2)
		AND (claimed_until IS NULL OR claimed_until <= ?3)`)

// CancelMessages cancels the ticket's pending messages of the kind ("" = all) that
// no dispatcher holds an unexpired claim on, and returns how many it cancelled.
func (t *tx) CancelMessages(ctx context.Context, ticketID string, kind queue.MessageKind) (int, error) {
	res, err := t.stmt(ctx, cancelMessages).ExecContext(t.run(ctx), ticketID, kind, t.db.now().UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("sqlite: cancel messages: %w", translate(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: cancel messages: %w", translate(err))
	}
	return int(n), nil
}

// messageColumns is the column list message queries select, in scanMessage order.
const messageColumns = `id, ticket_id, kind, to_phone, body, dedupe_key, status, attempts,
	last_error, provider_id, created_at, due_at, sent_at, COALESCE(from_phone, '')`

func scanMessage(s scanner) (queue.Message, error) {
	var m queue.Message
	var created, due int64
	var sent sql.NullInt64
	err := s.Scan(&m.ID, &m.TicketID, &m.Kind, &m.To, &m.Body, &m.DedupeKey, &m.Status, &m.Attempts,
		&m.LastError, &m.ProviderID, &created, &due, &sent, &m.From)
	if err != nil {
		return queue.Message{}, err
	}
	m.CreatedAt, m.DueAt, m.SentAt = fromMS(sql.NullInt64{Int64: created, Valid: true}),
		fromMS(sql.NullInt64{Int64: due, Valid: true}), fromMS(sent)
	return m, nil
}

// Messages returns the SMS log, newest first, at most 500 messages: those of the
// ticket, or of every ticket when ticketID is "".
func (db *DB) Messages(ctx context.Context, ticketID string) ([]queue.Message, error) {
	query, args := `SELECT `+messageColumns+` FROM messages ORDER BY id DESC LIMIT 500`, []any(nil)
	if ticketID != "" {
		query = `SELECT ` + messageColumns + ` FROM messages WHERE ticket_id = ? ORDER BY id DESC LIMIT 500`
		args = []any{ticketID}
	}
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: messages: %w", translate(err))
	}
	defer rows.Close()
	var out []queue.Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: messages: %w", translate(err))
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: messages: %w", translate(err))
	}
	return out, nil
}

// CountMessages counts the outbox messages in the given status (for /health).
func (db *DB) CountMessages(ctx context.Context, status queue.MessageStatus) (int, error) {
	const query = `SELECT COUNT(*) FROM messages WHERE status = ?`
	var n int
	if err := db.r.QueryRowContext(ctx, query, status).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count messages: %w", translate(err))
	}
	return n, nil
}

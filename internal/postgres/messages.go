package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"smartwait/internal/queue"
)

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
	m.CreatedAt, m.DueAt = m.CreatedAt.UTC().Truncate(time.Millisecond), m.DueAt.UTC().Truncate(time.Millisecond)
	// from_phone is NULL for the deployment's sender (queue.Message.From "").
	const insert = `INSERT INTO messages (ticket_id, kind, to_phone, body, dedupe_key, status,
			attempts, last_error, provider_id, created_at, due_at, sent_at, told_until, from_phone)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, NULLIF($14, ''))
		ON CONFLICT (dedupe_key) DO NOTHING
		RETURNING id`
	err := t.tx.QueryRow(ctx, insert, m.TicketID, string(m.Kind), m.To, m.Body, m.DedupeKey, string(m.Status),
		m.Attempts, m.LastError, m.ProviderID, m.CreatedAt, m.DueAt, ts(m.SentAt), ts(m.ToldUntil), m.From,
	).Scan(&m.ID)
	if errors.Is(err, pgx.ErrNoRows) { // the dedupe key exists: one cause, one message
		m.ID = 0
		return nil
	}
	if err != nil {
		return fmt.Errorf("postgres: add message: %w", translate(ctx, err))
	}
	return nil
}

// CancelMessages cancels the ticket's pending messages of the kind ("" = all) that
// no dispatcher holds an unexpired claim on, and returns how many it cancelled.
func (t *tx) CancelMessages(ctx context.Context, ticketID string, kind queue.MessageKind) (int, error) {
	const update = `UPDATE messages SET status = 'cancelled'
		WHERE ticket_id = $1 AND status = 'pending' AND ($2 = '' OR kind = $2)
			AND (claimed_until IS NULL OR claimed_until <= $3)`
	tag, err := t.tx.Exec(ctx, update, ticketID, string(kind), t.db.now().UTC())
	if err != nil {
		return 0, fmt.Errorf("postgres: cancel messages: %w", translate(ctx, err))
	}
	return int(tag.RowsAffected()), nil
}

// messageColumns is the column list message queries select, in scanMessage order.
const messageColumns = `id, ticket_id, kind, to_phone, body, dedupe_key, status, attempts,
	last_error, provider_id, created_at, due_at, sent_at, COALESCE(from_phone, '')`

func scanMessage(row pgx.CollectableRow) (queue.Message, error) {
	var m queue.Message
	var created, due time.Time
	var sent *time.Time
	err := row.Scan(&m.ID, &m.TicketID, &m.Kind, &m.To, &m.Body, &m.DedupeKey, &m.Status, &m.Attempts,
		&m.LastError, &m.ProviderID, &created, &due, &sent, &m.From)
	if err != nil {
		return queue.Message{}, err
	}
	m.CreatedAt, m.DueAt, m.SentAt = created.UTC(), due.UTC(), fromTS(sent)
	return m, nil
}

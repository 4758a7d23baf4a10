package postgres

import (
	"cmp"
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"smartwait/internal/notify"
	"smartwait/internal/queue"
)

var _ notify.Outbox = (*DB)(nil)

// Claim leases up to limit due pending messages to a new claim token (see
// notify.Outbox). The candidate rows are locked FOR UPDATE SKIP LOCKED, so the
// dispatchers of several instances claiming at once take disjoint sets without
// waiting for each other, and a row leased by one is invisible to the others until
// its lease ends.
func (db *DB) Claim(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]notify.Claim, error) {
	ctx, cancel := db.bound(ctx)
	defer cancel()
	token := rand.Text()
	now = now.UTC().Truncate(time.Millisecond)
	until := now.Add(lease).Truncate(time.Millisecond)
	const update = `WITH due AS (
			SELECT id FROM messages
			WHERE status = 'pending' AND due_at <= $1 AND (claimed_until IS NULL OR claimed_until <= $1)
			ORDER BY due_at, id LIMIT $2
			FOR UPDATE SKIP LOCKED)
		UPDATE messages m SET claimed_until = $3, claim_token = $4, attempts = m.attempts + 1
		FROM due WHERE m.id = due.id
		RETURNING m.id, m.ticket_id, m.kind, m.to_phone, m.body, m.dedupe_key, m.status, m.attempts,
			m.last_error, m.provider_id, m.created_at, m.due_at, m.sent_at, COALESCE(m.from_phone, '')`
	var out []notify.Claim
	err := db.retry(ctx, func() error {
		rows, err := db.pool.Query(ctx, update, now, limit, until, token)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (notify.Claim, error) {
			m, err := scanMessage(r)
			return notify.Claim{Message: m, Token: token, Until: until}, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: claim messages: %w", translate(ctx, err))
	}
	// RETURNING does not promise the subquery's order.
	slices.SortFunc(out, func(a, b notify.Claim) int {
		return cmp.Or(a.DueAt.Compare(b.DueAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// MarkSent records that the provider accepted the claimed message.
func (db *DB) MarkSent(ctx context.Context, c notify.Claim, providerID string, at time.Time) error {
	const update = `UPDATE messages SET status = 'sent', provider_id = $1, sent_at = $2,
			claimed_until = NULL, claim_token = NULL
		WHERE id = $3 AND claim_token = $4 AND status = 'pending'`
	return db.markClaim(ctx, "mark sent", update, providerID, ts(at), c.ID, c.Token)
}

// MarkRetry records a temporary failure and makes the message due again at next.
func (db *DB) MarkRetry(ctx context.Context, c notify.Claim, lastErr string, next time.Time) error {
	const update = `UPDATE messages SET last_error = $1, due_at = $2, claimed_until = NULL, claim_token = NULL
		WHERE id = $3 AND claim_token = $4 AND status = 'pending'`
	return db.markClaim(ctx, "mark retry", update, lastErr, next.UTC().Truncate(time.Millisecond), c.ID, c.Token)
}

// MarkFailed records that the claimed message will not be sent.
func (db *DB) MarkFailed(ctx context.Context, c notify.Claim, lastErr string, at time.Time) error {
	const update = `UPDATE messages SET status = 'failed', last_error = $1, claimed_until = NULL, claim_token = NULL
		WHERE id = $2 AND claim_token = $3 AND status = 'pending'`
	return db.markClaim(ctx, "mark failed", update, lastErr, c.ID, c.Token)
}

// Release gives the claimed message back unsent and takes back its attempt.
func (db *DB) Release(ctx context.Context, c notify.Claim) error {
	const update = `UPDATE messages SET attempts = GREATEST(attempts - 1, 0), claimed_until = NULL, claim_token = NULL
		WHERE id = $1 AND claim_token = $2 AND status = 'pending'`
	return db.markClaim(ctx, "release", update, c.ID, c.Token)
}

// Postpone gives the claimed message back unsent, takes back its attempt, and makes
// it due at next with the reason in last_error.
func (db *DB) Postpone(ctx context.Context, c notify.Claim, reason string, next time.Time) error {
	const update = `UPDATE messages SET attempts = GREATEST(attempts - 1, 0), last_error = $1, due_at = $2,
		claimed_until = NULL, claim_token = NULL
		WHERE id = $3 AND claim_token = $4 AND status = 'pending'`
	return db.markClaim(ctx, "postpone", update, reason, next.UTC().Truncate(time.Millisecond), c.ID, c.Token)
}

// PostponeAll postpones the claims still leased by their token, in one
// statement.
func (db *DB) PostponeAll(ctx context.Context, held []notify.Held, reason string) (int, error) {
	const update = `UPDATE messages m SET attempts = GREATEST(m.attempts - 1, 0), last_error = $1, due_at = c.until,
		claimed_until = NULL, claim_token = NULL
		FROM unnest($2::bigint[], $3::text[], $4::timestamptz[]) AS c(id, token, until)
		WHERE m.id = c.id AND m.claim_token = c.token AND m.status = 'pending'`
	ids, tokens, untils := make([]int64, len(held)), make([]string, len(held)), make([]time.Time, len(held))
	for i, h := range held {
		ids[i], tokens[i], untils[i] = h.ID, h.Token, h.Until.UTC().Truncate(time.Millisecond)
	}
	n, err := db.exec(ctx, update, reason, ids, tokens, untils)
	if err != nil {
		return 0, fmt.Errorf("postgres: postpone: %w", err)
	}
	return int(n), nil
}

// MarkSentAll marks several sent messages with one statement (see
// notify.Outbox): one round trip and one commit instead of one per text.
// Retrying it is safe: the tokens make it idempotent.
func (db *DB) MarkSentAll(ctx context.Context, sent []notify.Sent) ([]error, error) {
	if len(sent) == 0 {
		return nil, nil
	}
	const update = `UPDATE messages m SET status = 'sent', provider_id = s.provider_id, sent_at = s.at,
			claimed_until = NULL, claim_token = NULL
		FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[]) AS s(id, token, provider_id, at)
		WHERE m.id = s.id AND m.claim_token = s.token AND m.status = 'pending'
		RETURNING m.id`
	ids, tokens, providers, ats := make([]int64, len(sent)), make([]string, len(sent)), make([]string, len(sent)), make([]time.Time, len(sent))
	for i, s := range sent {
		ids[i], tokens[i], providers[i], ats[i] = s.ID, s.Token, s.ProviderID, s.At.UTC().Truncate(time.Millisecond)
	}
	ctx, cancel := db.bound(ctx)
	defer cancel()
	var marked []int64
	err := db.retry(ctx, func() error {
		rows, err := db.pool.Query(ctx, update, ids, tokens, providers, ats)
		if err != nil {
			return err
		}
		marked, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: mark sent: %w", translate(ctx, err))
	}
	results := make([]error, len(sent))
	for i, s := range sent {
		if !slices.Contains(marked, s.ID) {
			results[i] = fmt.Errorf("postgres: mark sent: %w", notify.ErrLeaseLost)
		}
	}
	return results, nil
}

// markClaim runs an update that matches one message by id and claim token, and
// returns notify.ErrLeaseLost when it matched none. Retrying it is safe: the
// token makes it idempotent.
func (db *DB) markClaim(ctx context.Context, what, update string, args ...any) error {
	n, err := db.exec(ctx, update, args...)
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("postgres: %s: %w", what, notify.ErrLeaseLost)
	}
	return nil
}

// exec runs one statement outside a transaction and returns the rows it affected.
func (db *DB) exec(ctx context.Context, sql string, args ...any) (int64, error) {
	ctx, cancel := db.bound(ctx)
	defer cancel()
	var tag pgconn.CommandTag
	err := db.retry(ctx, func() (err error) { tag, err = db.pool.Exec(ctx, sql, args...); return err })
	if err != nil {
		return 0, translate(ctx, err)
	}
	return tag.RowsAffected(), nil
}

// RecoverExpired clears the expired leases of pending messages.
func (db *DB) RecoverExpired(ctx context.Context, now time.Time) (int, error) {
	const update = `UPDATE messages SET claimed_until = NULL, claim_token = NULL
		WHERE status = 'pending' AND claimed_until IS NOT NULL AND claimed_until <= $1`
	n, err := db.exec(ctx, update, now.UTC())
	if err != nil {
		return 0, fmt.Errorf("postgres: recover expired claims: %w", err)
	}
	return int(n), nil
}

// RecordDelivery records the provider's delivery report for a sent message.
func (db *DB) RecordDelivery(ctx context.Context, providerID string, status queue.MessageStatus, detail string) (bool, error) {
	const update = `UPDATE messages SET status = $1, last_error = CASE WHEN $2 = '' THEN last_error ELSE $2 END
		WHERE provider_id = $3 AND $3 <> '' AND status IN ('sent', 'delivered', 'undelivered', 'failed')`
	n, err := db.exec(ctx, update, string(status), detail, providerID)
	if err != nil {
		return false, fmt.Errorf("postgres: record delivery: %w", err)
	}
	return n > 0, nil
}

// CountMessages counts the outbox messages in the given status (pending: still
// to be sent, due or scheduled).
func (db *DB) CountMessages(ctx context.Context, status queue.MessageStatus) (int, error) {
	ctx, cancel := db.bound(ctx)
	defer cancel()
	const query = `SELECT COUNT(*) FROM messages WHERE status = $1`
	var n int
	if err := db.retry(ctx, func() error { return db.pool.QueryRow(ctx, query, string(status)).Scan(&n) }); err != nil {
		return 0, fmt.Errorf("postgres: count messages: %w", translate(ctx, err))
	}
	return n, nil
}

// Messages returns the SMS log, newest first, at most 500 messages: those of the
// ticket, or of every ticket when ticketID is "".
func (db *DB) Messages(ctx context.Context, ticketID string) ([]queue.Message, error) {
	ctx, cancel := db.bound(ctx)
	defer cancel()
	query, args := `SELECT `+messageColumns+` FROM messages ORDER BY id DESC LIMIT 500`, []any(nil)
	if ticketID != "" {
		query = `SELECT ` + messageColumns + ` FROM messages WHERE ticket_id = $1 ORDER BY id DESC LIMIT 500`
		args = []any{ticketID}
	}
	var out []queue.Message
	err := db.retry(ctx, func() error {
		rows, err := db.pool.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scanMessage)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: messages: %w", translate(ctx, err))
	}
	return out, nil
}

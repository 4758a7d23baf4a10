package sqlite

import (
	"cmp"
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"time"

	"smartwait/internal/notify"
	"smartwait/internal/queue"
)

var _ notify.Outbox = (*DB)(nil)

// The dispatcher runs a claim and a mark for every message it sends, each on the
// writer connection outside any transaction: prepared once, like the queue
// statements, since parsing them was a tenth of a check-in's CPU time.
var (
	claimMessages = prepared(`UPDATE messages SET claimed_until = ?1, claim_token = ?2, attempts = attempts + 1
		WHERE id IN (
			SELECT id FROM messages
			WHERE status = 'pending' AND due_at <= ?3 AND (claimed_until IS NULL OR claimed_until <= ?3)
			ORDER BY due_at, id LIMIT ?4)
		RETURNING ` + messageColumns)
	markSent = prepared(`UPDATE messages SET status = 'sent', provider_id = ?, sent_at = ?,
			claimed_until = NULL, claim_token = NULL
		WHERE id = ? AND claim_token = ? AND status = 'pending'`)
	markRetry = prepared(`UPDATE messages SET last_error = ?, due_at = ?, claimed_until = NULL, claim_token = NULL
		WHERE id = ? AND claim_token = ? AND status = 'pending'`)
	markFailed = prepared(`UPDATE messages SET status = 'failed', last_error = ?, claimed_until = NULL, claim_token = NULL
		WHERE id = ? AND claim_token = ? AND status = 'pending'`)
	releaseClaim = prepared(`UPDATE messages SET attempts = max(attempts - 1, 0), claimed_until = NULL, claim_token = NULL
		WHERE id = ? AND claim_token = ? AND status = 'pending'`)
	postponeClaim = prepared(`UPDATE messages SET attempts = max(attempts - 1, 0), last_error = ?, due_at = ?,
		claimed_until = NULL, claim_token = NULL
		WHERE id = ? AND claim_token = ? AND status = 'pending'`)
)

// Claim leases up to limit due pending messages to a new claim token (see
// notify.Outbox). It is one UPDATE … RETURNING in a write transaction, so two
// claims, even from two processes on the same file, never overlap; like the
// sent marks it rides on the next write (ride.go), and so also claims the
// texts that write adds.
func (db *DB) Claim(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]notify.Claim, error) {
	var out []notify.Claim
	err := db.rideNext(ctx, "claim messages", func(ctx context.Context, t *tx) (err error) {
		out, err = t.claim(ctx, now, lease, limit)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// claim runs Claim's UPDATE … RETURNING in t.
func (t *tx) claim(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]notify.Claim, error) {
	token := rand.Text()
	until := now.Add(lease)
	rows, err := t.stmt(ctx, claimMessages).QueryContext(t.run(ctx), until.UnixMilli(), token, now.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim messages: %w", translate(err))
	}
	defer rows.Close()
	var out []notify.Claim
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: claim messages: %w", translate(err))
		}
		out = append(out, notify.Claim{Message: m, Token: token, Until: time.UnixMilli(until.UnixMilli()).UTC()})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: claim messages: %w", translate(err))
	}
	// RETURNING does not promise the subquery's order.
	slices.SortFunc(out, func(a, b notify.Claim) int {
		return cmp.Or(a.DueAt.Compare(b.DueAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// MarkSent records that the provider accepted the claimed message.
func (db *DB) MarkSent(ctx context.Context, c notify.Claim, providerID string, at time.Time) error {
	return db.markClaim(ctx, "mark sent", markSent, providerID, at.UnixMilli(), c.ID, c.Token)
}

// MarkRetry records a temporary failure and makes the message due again at next.
func (db *DB) MarkRetry(ctx context.Context, c notify.Claim, lastErr string, next time.Time) error {
	return db.markClaim(ctx, "mark retry", markRetry, lastErr, next.UnixMilli(), c.ID, c.Token)
}

// MarkFailed records that the claimed message will not be sent.
func (db *DB) MarkFailed(ctx context.Context, c notify.Claim, lastErr string, at time.Time) error {
	return db.markClaim(ctx, "mark failed", markFailed, lastErr, c.ID, c.Token)
}

// Release gives the claimed message back unsent and takes back its attempt.
func (db *DB) Release(ctx context.Context, c notify.Claim) error {
	return db.markClaim(ctx, "release", releaseClaim, c.ID, c.Token)
}

// Postpone gives the claimed message back unsent, takes back its attempt, and makes
// it due at next with the reason in last_error.
func (db *DB) Postpone(ctx context.Context, c notify.Claim, reason string, next time.Time) error {
	return db.markClaim(ctx, "postpone", postponeClaim, reason, next.UnixMilli(), c.ID, c.Token)
}

// PostponeAll postpones the claims still leased by their token, each to its
// own time, in one transaction.
func (db *DB) PostponeAll(ctx context.Context, held []notify.Held, reason string) (int, error) {
	t, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("sqlite: postpone: %w", translate(err))
	}
	defer t.Rollback() // a no-op after Commit
	st := t.StmtContext(ctx, db.wstmts[postponeClaim.i])
	n := 0
	for _, h := range held {
		res, err := st.ExecContext(ctx, reason, h.Until.UnixMilli(), h.ID, h.Token)
		if err != nil {
			return 0, fmt.Errorf("sqlite: postpone: %w", translate(err))
		}
		if k, err := res.RowsAffected(); err == nil {
			n += int(k)
		}
	}
	if err := t.Commit(); err != nil {
		return 0, fmt.Errorf("sqlite: postpone: %w", translate(err))
	}
	return n, nil
}

// markClaim runs an update that matches one message by id and claim token, and
// returns notify.ErrLeaseLost when it matched none.
func (db *DB) markClaim(ctx context.Context, what string, s *stmt, args ...any) error {
	res, err := db.wstmts[s.i].ExecContext(ctx, args...)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, translate(err))
	}
	return mustAffect(res, what, notify.ErrLeaseLost)
}

// RecoverExpired clears the expired leases of pending messages.
func (db *DB) RecoverExpired(ctx context.Context, now time.Time) (int, error) {
	const update = `UPDATE messages SET claimed_until = NULL, claim_token = NULL
		WHERE status = 'pending' AND claimed_until IS NOT NULL AND claimed_until <= ?`
	res, err := db.w.ExecContext(ctx, update, now.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("sqlite: recover expired claims: %w", translate(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: recover expired claims: %w", translate(err))
	}
	return int(n), nil
}

// RecordDelivery records the provider's delivery report for a sent message.
func (db *DB) RecordDelivery(ctx context.Context, providerID string, status queue.MessageStatus, detail string) (bool, error) {
	const update = `UPDATE messages SET status = ?1, last_error = CASE WHEN ?2 = '' THEN last_error ELSE ?2 END
		WHERE provider_id = ?3 AND ?3 <> '' AND status IN ('sent', 'delivered', 'undelivered', 'failed')`
	res, err := db.w.ExecContext(ctx, update, status, detail, providerID)
	if err != nil {
		return false, fmt.Errorf("sqlite: record delivery: %w", translate(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlite: record delivery: %w", translate(err))
	}
	return n > 0, nil
}

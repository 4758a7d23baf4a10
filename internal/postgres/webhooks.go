package postgres

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"smartwait/internal/queue"
	"smartwait/internal/webhook"
)

var _ webhook.Store = (*DB)(nil)

// HasWebhookEndpoints answers true (see queue.Tx): on PostgreSQL asking would
// cost a round trip more than the INSERT … SELECT that finds out.
func (t *tx) HasWebhookEndpoints(context.Context) (bool, error) { return true, nil }

// AddWebhookEvent writes e to the webhook outbox of every enabled endpoint
// subscribed to its type: one INSERT … SELECT, which writes nothing when no
// endpoint wants the event.
func (t *tx) AddWebhookEvent(ctx context.Context, e queue.WebhookEvent) (int, error) {
	const insert = `INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, ticket_id, body, created_at)
		SELECT id, $1, $2, $3, CASE WHEN personal THEN $4 ELSE $5 END, $6
		FROM webhook_endpoints
		WHERE enabled AND strpos(events, ',' || $2 || ',') > 0`
	tag, err := t.tx.Exec(ctx, insert, e.ID, string(e.Type), e.TicketID, string(e.Personal), string(e.Public),
		e.Time.UTC().Truncate(time.Millisecond))
	if err != nil {
		return 0, fmt.Errorf("postgres: add webhook event: %w", translate(ctx, err))
	}
	return int(tag.RowsAffected()), nil
}

// RecordDelivery records the provider's final report on a sent message (see
// queue.Tx).
func (t *tx) RecordDelivery(ctx context.Context, providerID string, status queue.MessageStatus, detail string) (queue.Message, bool, error) {
	if providerID == "" {
		return queue.Message{}, false, nil
	}
	const sel = `SELECT ` + messageColumns + ` FROM messages
		WHERE provider_id = $1 AND status IN ('sent', 'delivered', 'undelivered', 'failed')
		FOR UPDATE`
	rows, err := t.tx.Query(ctx, sel, providerID)
	if err != nil {
		return queue.Message{}, false, fmt.Errorf("postgres: record delivery: %w", translate(ctx, err))
	}
	m, err := pgx.CollectExactlyOneRow(rows, scanMessage)
	if errors.Is(err, pgx.ErrNoRows) {
		return queue.Message{}, false, nil
	}
	if err != nil {
		return queue.Message{}, false, fmt.Errorf("postgres: record delivery: %w", translate(ctx, err))
	}
	changed := m.Status != status
	const update = `UPDATE messages SET status = $1, last_error = CASE WHEN $2 = '' THEN last_error ELSE $2 END
		WHERE id = $3`
	if _, err := t.tx.Exec(ctx, update, string(status), detail, m.ID); err != nil {
		return queue.Message{}, false, fmt.Errorf("postgres: record delivery: %w", translate(ctx, err))
	}
	m.Status = status
	if detail != "" {
		m.LastError = detail
	}
	return m, changed, nil
}

// endpointColumns is the column list endpoint queries select, in scanEndpoint
// order; the last counts the endpoint's outbox rows.
const endpointColumns = `e.id, e.url, e.description, e.events, e.personal, e.secret, e.enabled, e.created_at,
	e.updated_at, e.disabled_at, e.disabled_reason, e.failing_since, e.failures, e.retry_at, e.last_error,
	e.last_success_at, (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id)`

func scanEndpoint(row pgx.CollectableRow) (webhook.Endpoint, error) {
	var e webhook.Endpoint
	var events string
	var retry time.Time
	var disabled, failing, success *time.Time
	err := row.Scan(&e.ID, &e.URL, &e.Description, &events, &e.Personal, &e.Secret, &e.Enabled, &e.CreatedAt,
		&e.UpdatedAt, &disabled, &e.DisabledReason, &failing, &e.Failures, &retry, &e.LastError, &success, &e.Pending)
	if err != nil {
		return webhook.Endpoint{}, err
	}
	e.Events = splitEvents(events)
	e.CreatedAt, e.UpdatedAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	e.DisabledAt, e.FailingSince, e.LastSuccess = fromTS(disabled), fromTS(failing), fromTS(success)
	if retry.After(time.Unix(0, 0)) {
		e.RetryAt = retry.UTC()
	}
	return e, nil
}

// joinEvents stores a type list as ",a,b," (see the migration).
func joinEvents(ts []queue.WebhookEventType) string {
	var b strings.Builder
	b.WriteByte(',')
	for _, t := range ts {
		b.WriteString(string(t))
		b.WriteByte(',')
	}
	return b.String()
}

func splitEvents(s string) []queue.WebhookEventType {
	var out []queue.WebhookEventType
	for _, f := range strings.Split(strings.Trim(s, ","), ",") {
		if f != "" {
			out = append(out, queue.WebhookEventType(f))
		}
	}
	return out
}

// epochIfZero stores a zero RetryAt as the epoch (due at once).
func epochIfZero(t time.Time) time.Time {
	if t.IsZero() {
		return time.Unix(0, 0).UTC()
	}
	return t.UTC().Truncate(time.Millisecond)
}

// CreateWebhook stores e unless limit endpoints exist (webhook.ErrTooMany):
// a transaction-scoped advisory lock makes the count and the insert atomic
// across instances.
func (db *DB) CreateWebhook(ctx context.Context, e webhook.Endpoint, limit int) error {
	ctx, cancel := db.bound(ctx)
	defer cancel()
	err := pgx.BeginFunc(ctx, db.pool, func(t pgx.Tx) error {
		if _, err := t.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('smartwait.webhook_endpoints'))`); err != nil {
			return err
		}
		var n int
		if err := t.QueryRow(ctx, `SELECT count(*) FROM webhook_endpoints`).Scan(&n); err != nil {
			return err
		}
		if n >= limit {
			return webhook.ErrTooMany
		}
		const insert = `INSERT INTO webhook_endpoints (id, url, description, events, personal, secret, enabled,
				created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`
		_, err := t.Exec(ctx, insert, e.ID, e.URL, e.Description, joinEvents(e.Events), e.Personal, e.Secret, e.Enabled,
			e.CreatedAt.UTC().Truncate(time.Millisecond), e.UpdatedAt.UTC().Truncate(time.Millisecond))
		return err
	})
	if errors.Is(err, webhook.ErrTooMany) {
		return err
	}
	if err != nil {
		return fmt.Errorf("postgres: create webhook endpoint: %w", translate(ctx, err))
	}
	return nil
}

// Webhooks returns every endpoint, oldest first.
func (db *DB) Webhooks(ctx context.Context) ([]webhook.Endpoint, error) {
	return db.queryEndpoints(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints e ORDER BY e.created_at, e.id`)
}

// Webhook returns one endpoint; queue.ErrNotFound when unknown.
func (db *DB) Webhook(ctx context.Context, id string) (webhook.Endpoint, error) {
	es, err := db.queryEndpoints(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints e WHERE e.id = $1`, id)
	if err != nil {
		return webhook.Endpoint{}, err
	}
	if len(es) == 0 {
		return webhook.Endpoint{}, fmt.Errorf("postgres: webhook endpoint %q: %w", id, queue.ErrNotFound)
	}
	return es[0], nil
}

func (db *DB) queryEndpoints(ctx context.Context, sql string, args ...any) ([]webhook.Endpoint, error) {
	ctx, cancel := db.bound(ctx)
	defer cancel()
	var out []webhook.Endpoint
	err := db.retry(ctx, func() error {
		rows, err := db.pool.Query(ctx, sql, args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scanEndpoint)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: webhook endpoints: %w", translate(ctx, err))
	}
	return out, nil
}

// SaveWebhook stores e's settings and failure state.
func (db *DB) SaveWebhook(ctx context.Context, e webhook.Endpoint) error {
	const update = `UPDATE webhook_endpoints SET url = $1, description = $2, events = $3, personal = $4, enabled = $5,
			updated_at = $6, disabled_at = $7, disabled_reason = $8, failing_since = $9, failures = $10, retry_at = $11
		WHERE id = $12`
	n, err := db.exec(ctx, update, e.URL, e.Description, joinEvents(e.Events), e.Personal, e.Enabled,
		e.UpdatedAt.UTC().Truncate(time.Millisecond), ts(e.DisabledAt), e.DisabledReason, ts(e.FailingSince), e.Failures,
		epochIfZero(e.RetryAt), e.ID)
	return oneRow(n, err, "save webhook endpoint", e.ID)
}

// DeleteWebhook removes the endpoint, its outbox rows and its log.
func (db *DB) DeleteWebhook(ctx context.Context, id string) error {
	n, err := db.exec(ctx, `DELETE FROM webhook_endpoints WHERE id = $1`, id)
	return oneRow(n, err, "delete webhook endpoint", id)
}

func oneRow(n int64, err error, what, id string) error {
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("postgres: %s %q: %w", what, id, queue.ErrNotFound)
	}
	return nil
}

// WebhookAttempts returns the endpoint's delivery log, newest first.
func (db *DB) WebhookAttempts(ctx context.Context, endpointID string) ([]webhook.Attempt, error) {
	ctx, cancel := db.bound(ctx)
	defer cancel()
	const sel = `SELECT event_id, event_type, at, status_code, error, duration_ms, ok
		FROM webhook_attempts WHERE endpoint_id = $1 ORDER BY id DESC`
	var out []webhook.Attempt
	err := db.retry(ctx, func() error {
		rows, err := db.pool.Query(ctx, sel, endpointID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (webhook.Attempt, error) {
			var a webhook.Attempt
			var dur int64
			err := r.Scan(&a.EventID, &a.Type, &a.At, &a.StatusCode, &a.Error, &dur, &a.OK)
			a.At, a.Duration = a.At.UTC(), time.Duration(dur)*time.Millisecond
			return a, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: webhook attempts: %w", translate(ctx, err))
	}
	return out, nil
}

// ClaimWebhooks leases enabled endpoints with due outbox rows (see
// webhook.Store); FOR UPDATE SKIP LOCKED keeps concurrent claims apart.
func (db *DB) ClaimWebhooks(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]webhook.Claim, error) {
	ctx, cancel := db.bound(ctx)
	defer cancel()
	token := rand.Text()
	now = now.UTC().Truncate(time.Millisecond)
	until := now.Add(lease).Truncate(time.Millisecond)
	const update = `WITH due AS (
			SELECT x.id FROM webhook_endpoints x
			WHERE x.enabled AND x.retry_at <= $1 AND (x.claimed_until IS NULL OR x.claimed_until <= $1)
				AND EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = x.id)
			ORDER BY x.retry_at, x.id LIMIT $2
			FOR UPDATE SKIP LOCKED)
		UPDATE webhook_endpoints e SET claim_token = $3, claimed_until = $4
		FROM due WHERE e.id = due.id
		RETURNING ` + endpointColumns
	var out []webhook.Claim
	err := db.retry(ctx, func() error {
		rows, err := db.pool.Query(ctx, update, now, limit, token, until)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (webhook.Claim, error) {
			e, err := scanEndpoint(r)
			return webhook.Claim{Endpoint: e, Token: token, Until: until}, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: claim webhook endpoints: %w", translate(ctx, err))
	}
	return out, nil
}

// WebhookDeliveries returns the claimed endpoint's oldest outbox rows.
func (db *DB) WebhookDeliveries(ctx context.Context, c webhook.Claim, limit int) ([]webhook.Delivery, error) {
	ctx, cancel := db.bound(ctx)
	defer cancel()
	const sel = `SELECT id, event_id, event_type, body, created_at, attempts FROM webhook_deliveries
		WHERE endpoint_id = $1 ORDER BY id LIMIT $2`
	var out []webhook.Delivery
	err := db.retry(ctx, func() error {
		rows, err := db.pool.Query(ctx, sel, c.ID, limit)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (webhook.Delivery, error) {
			var d webhook.Delivery
			var body string
			err := r.Scan(&d.ID, &d.EventID, &d.Type, &body, &d.CreatedAt, &d.Attempts)
			d.Body, d.CreatedAt = []byte(body), d.CreatedAt.UTC()
			return d, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: webhook deliveries: %w", translate(ctx, err))
	}
	return out, nil
}

// RecordWebhookAttempt records one attempt in one transaction (see webhook.Store).
func (db *DB) RecordWebhookAttempt(ctx context.Context, c webhook.Claim, d webhook.Delivery, r webhook.Result, keep int) error {
	ctx, cancel := db.bound(ctx)
	defer cancel()
	at := r.At.UTC().Truncate(time.Millisecond)
	err := pgx.BeginFunc(ctx, db.pool, func(t pgx.Tx) error {
		var sql string
		var args []any
		if r.OK {
			sql = `UPDATE webhook_endpoints SET failures = 0, failing_since = NULL, retry_at = 'epoch', last_success_at = $1
				WHERE id = $2 AND claim_token = $3`
			args = []any{at, c.ID, c.Token}
		} else {
			sql = `UPDATE webhook_endpoints SET failures = failures + 1,
					failing_since = coalesce(failing_since, $1), last_error = $2, retry_at = $3,
					enabled = CASE WHEN $4 THEN FALSE ELSE enabled END,
					disabled_at = CASE WHEN $4 THEN $1 ELSE disabled_at END,
					disabled_reason = CASE WHEN $4 THEN $5 ELSE disabled_reason END
				WHERE id = $6 AND claim_token = $7`
			args = []any{at, r.Error, epochIfZero(r.RetryAt), r.Disable, r.Reason, c.ID, c.Token}
		}
		tag, err := t.Exec(ctx, sql, args...)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return webhook.ErrLeaseLost
		}
		if r.OK {
			_, err = t.Exec(ctx, `DELETE FROM webhook_deliveries WHERE id = $1`, d.ID)
		} else {
			_, err = t.Exec(ctx, `UPDATE webhook_deliveries SET attempts = attempts + 1 WHERE id = $1`, d.ID)
		}
		if err != nil {
			return err
		}
		const log = `INSERT INTO webhook_attempts (endpoint_id, event_id, event_type, at, status_code, error, duration_ms, ok)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
		if _, err := t.Exec(ctx, log, c.ID, d.EventID, string(d.Type), at, r.StatusCode, r.Error,
			r.Duration.Milliseconds(), r.OK); err != nil {
			return err
		}
		const trim = `DELETE FROM webhook_attempts WHERE endpoint_id = $1 AND id <= (
			SELECT id FROM webhook_attempts WHERE endpoint_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)`
		_, err = t.Exec(ctx, trim, c.ID, keep)
		return err
	})
	if errors.Is(err, webhook.ErrLeaseLost) {
		return err
	}
	if err != nil {
		return fmt.Errorf("postgres: record webhook attempt: %w", translate(ctx, err))
	}
	return nil
}

// ReleaseWebhook ends the claim's lease.
func (db *DB) ReleaseWebhook(ctx context.Context, c webhook.Claim) error {
	n, err := db.exec(ctx, `UPDATE webhook_endpoints SET claim_token = NULL, claimed_until = NULL
		WHERE id = $1 AND claim_token = $2`, c.ID, c.Token)
	if err != nil {
		return fmt.Errorf("postgres: release webhook endpoint: %w", err)
	}
	if n == 0 {
		return webhook.ErrLeaseLost
	}
	return nil
}

package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"smartwait/internal/queue"
	"smartwait/internal/webhook"
)

var _ webhook.Store = (*DB)(nil)

// The webhook outbox (migration 00009): one row per event and subscribed
// endpoint, written by the queue's transaction with one INSERT … SELECT, which
// writes nothing when no endpoint wants the event.
var insertWebhookEvent = prepared(`INSERT INTO webhook_deliveries
		(endpoint_id, event_id, event_type, ticket_id, body, created_at)
	SELECT id, ?1, ?2, ?3, CASE WHEN personal THEN ?4 ELSE ?5 END, ?6
	FROM webhook_endpoints
	WHERE enabled AND instr(events, ',' || ?2 || ',') > 0`)

var anyWebhookEndpoint = prepared(`SELECT EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled)`)

// AddWebhookEvent writes e to the webhook outbox of every enabled endpoint
// subscribed to its type.
func (t *tx) AddWebhookEvent(ctx context.Context, e queue.WebhookEvent) (int, error) {
	res, err := t.stmt(ctx, insertWebhookEvent).ExecContext(t.run(ctx), e.ID, string(e.Type), e.TicketID,
		string(e.Personal), string(e.Public), e.Time.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("sqlite: add webhook event: %w", translate(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: add webhook event: %w", translate(err))
	}
	return int(n), nil
}

// HasWebhookEndpoints reports whether an endpoint is enabled (see queue.Tx),
// asked once per transaction: the writer is this file's only one, so the
// transaction's snapshot holds until it ends.
func (t *tx) HasWebhookEndpoints(ctx context.Context) (bool, error) {
	if !t.asked {
		if err := t.stmt(ctx, anyWebhookEndpoint).QueryRowContext(t.run(ctx)).Scan(&t.hooks); err != nil {
			return false, fmt.Errorf("sqlite: webhook endpoints: %w", translate(err))
		}
		t.asked = true
	}
	return t.hooks, nil
}

// RecordDelivery records the provider's final report on a sent message (see
// queue.Tx).
func (t *tx) RecordDelivery(ctx context.Context, providerID string, status queue.MessageStatus, detail string) (queue.Message, bool, error) {
	if providerID == "" {
		return queue.Message{}, false, nil
	}
	const sel = `SELECT ` + messageColumns + ` FROM messages
		WHERE provider_id = ? AND status IN ('sent', 'delivered', 'undelivered', 'failed')`
	m, err := scanMessage(t.tx.QueryRowContext(t.run(ctx), sel, providerID))
	if errors.Is(err, sql.ErrNoRows) {
		return queue.Message{}, false, nil
	}
	if err != nil {
		return queue.Message{}, false, fmt.Errorf("sqlite: record delivery: %w", translate(err))
	}
	changed := m.Status != status
	const update = `UPDATE messages SET status = ?1, last_error = CASE WHEN ?2 = '' THEN last_error ELSE ?2 END
		WHERE id = ?3`
	if _, err := t.tx.ExecContext(t.run(ctx), update, status, detail, m.ID); err != nil {
		return queue.Message{}, false, fmt.Errorf("sqlite: record delivery: %w", translate(err))
	}
	m.Status = status
	if detail != "" {
		m.LastError = detail
	}
	return m, changed, nil
}

// endpointColumns is the column list endpoint queries select, in scanEndpoint
// order; pending counts the endpoint's outbox rows.
const endpointColumns = `id, url, description, events, personal, secret, enabled, created_at, updated_at,
	disabled_at, disabled_reason, failing_since, failures, retry_at, last_error, last_success_at,
	(SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = webhook_endpoints.id)`

func scanEndpoint(s scanner) (webhook.Endpoint, error) {
	var e webhook.Endpoint
	var events string
	var created, updated, retry int64
	var disabled, failing, success sql.NullInt64
	err := s.Scan(&e.ID, &e.URL, &e.Description, &events, &e.Personal, &e.Secret, &e.Enabled, &created, &updated,
		&disabled, &e.DisabledReason, &failing, &e.Failures, &retry, &e.LastError, &success, &e.Pending)
	if err != nil {
		return webhook.Endpoint{}, err
	}
	e.Events = splitEvents(events)
	e.CreatedAt, e.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	e.DisabledAt, e.FailingSince, e.LastSuccess = fromMS(disabled), fromMS(failing), fromMS(success)
	if retry > 0 {
		e.RetryAt = time.UnixMilli(retry).UTC()
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

// CreateWebhook stores e unless limit endpoints exist (webhook.ErrTooMany).
func (db *DB) CreateWebhook(ctx context.Context, e webhook.Endpoint, limit int) error {
	const insert = `INSERT INTO webhook_endpoints (id, url, description, events, personal, secret, enabled,
			created_at, updated_at)
		SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?
		WHERE (SELECT count(*) FROM webhook_endpoints) < ?`
	res, err := db.w.ExecContext(ctx, insert, e.ID, e.URL, e.Description, joinEvents(e.Events), e.Personal, e.Secret,
		e.Enabled, e.CreatedAt.UnixMilli(), e.UpdatedAt.UnixMilli(), limit)
	if err != nil {
		return fmt.Errorf("sqlite: create webhook endpoint: %w", translate(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: create webhook endpoint: %w", translate(err))
	} else if n == 0 {
		return webhook.ErrTooMany
	}
	return nil
}

// Webhooks returns every endpoint, oldest first.
func (db *DB) Webhooks(ctx context.Context) ([]webhook.Endpoint, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: webhook endpoints: %w", translate(err))
	}
	defer rows.Close()
	var out []webhook.Endpoint
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: webhook endpoints: %w", translate(err))
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: webhook endpoints: %w", translate(err))
	}
	return out, nil
}

// Webhook returns one endpoint; queue.ErrNotFound when unknown.
func (db *DB) Webhook(ctx context.Context, id string) (webhook.Endpoint, error) {
	e, err := scanEndpoint(db.r.QueryRowContext(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return webhook.Endpoint{}, fmt.Errorf("sqlite: webhook endpoint %q: %w", id, queue.ErrNotFound)
	}
	if err != nil {
		return webhook.Endpoint{}, fmt.Errorf("sqlite: webhook endpoint: %w", translate(err))
	}
	return e, nil
}

// SaveWebhook stores e's settings and failure state.
func (db *DB) SaveWebhook(ctx context.Context, e webhook.Endpoint) error {
	const update = `UPDATE webhook_endpoints SET url = ?, description = ?, events = ?, personal = ?, enabled = ?,
			updated_at = ?, disabled_at = ?, disabled_reason = ?, failing_since = ?, failures = ?, retry_at = ?
		WHERE id = ?`
	res, err := db.w.ExecContext(ctx, update, e.URL, e.Description, joinEvents(e.Events), e.Personal, e.Enabled,
		e.UpdatedAt.UnixMilli(), ms(e.DisabledAt), e.DisabledReason, ms(e.FailingSince), e.Failures, retryMS(e.RetryAt), e.ID)
	return db.oneRow(res, err, "save webhook endpoint", e.ID)
}

// DeleteWebhook removes the endpoint, its outbox rows and its log.
func (db *DB) DeleteWebhook(ctx context.Context, id string) error {
	res, err := db.w.ExecContext(ctx, `DELETE FROM webhook_endpoints WHERE id = ?`, id)
	return db.oneRow(res, err, "delete webhook endpoint", id)
}

func (db *DB) oneRow(res sql.Result, err error, what, id string) error {
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, translate(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, translate(err))
	}
	if n == 0 {
		return fmt.Errorf("sqlite: %s %q: %w", what, id, queue.ErrNotFound)
	}
	return nil
}

func retryMS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// WebhookAttempts returns the endpoint's delivery log, newest first.
func (db *DB) WebhookAttempts(ctx context.Context, endpointID string) ([]webhook.Attempt, error) {
	const sel = `SELECT event_id, event_type, at, status_code, error, duration_ms, ok
		FROM webhook_attempts WHERE endpoint_id = ? ORDER BY id DESC`
	rows, err := db.r.QueryContext(ctx, sel, endpointID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: webhook attempts: %w", translate(err))
	}
	defer rows.Close()
	var out []webhook.Attempt
	for rows.Next() {
		var a webhook.Attempt
		var at, dur int64
		if err := rows.Scan(&a.EventID, &a.Type, &at, &a.StatusCode, &a.Error, &dur, &a.OK); err != nil {
			return nil, fmt.Errorf("sqlite: webhook attempts: %w", translate(err))
		}
		a.At, a.Duration = time.UnixMilli(at).UTC(), time.Duration(dur)*time.Millisecond
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: webhook attempts: %w", translate(err))
	}
	return out, nil
}

// ClaimWebhooks leases enabled endpoints with due outbox rows (see
// webhook.Store): one UPDATE … RETURNING on the single write connection.
func (db *DB) ClaimWebhooks(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]webhook.Claim, error) {
	token := rand.Text()
	until := now.Add(lease).UnixMilli()
	const update = `UPDATE webhook_endpoints SET claim_token = ?1, claimed_until = ?2
		WHERE id IN (
			SELECT e.id FROM webhook_endpoints e
			WHERE e.enabled AND e.retry_at <= ?3 AND (e.claimed_until IS NULL OR e.claimed_until <= ?3)
				AND EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = e.id)
			ORDER BY e.retry_at, e.id LIMIT ?4)
		RETURNING ` + endpointColumns
	rows, err := db.w.QueryContext(ctx, update, token, until, now.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim webhook endpoints: %w", translate(err))
	}
	defer rows.Close()
	var out []webhook.Claim
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: claim webhook endpoints: %w", translate(err))
		}
		out = append(out, webhook.Claim{Endpoint: e, Token: token, Until: time.UnixMilli(until).UTC()})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: claim webhook endpoints: %w", translate(err))
	}
	return out, nil
}

// WebhookDeliveries returns the claimed endpoint's oldest outbox rows.
func (db *DB) WebhookDeliveries(ctx context.Context, c webhook.Claim, limit int) ([]webhook.Delivery, error) {
	const sel = `SELECT id, event_id, event_type, body, created_at, attempts FROM webhook_deliveries
		WHERE endpoint_id = ? ORDER BY id LIMIT ?`
	rows, err := db.r.QueryContext(ctx, sel, c.ID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: webhook deliveries: %w", translate(err))
	}
	defer rows.Close()
	var out []webhook.Delivery
	for rows.Next() {
		var d webhook.Delivery
		var body string
		var created int64
		if err := rows.Scan(&d.ID, &d.EventID, &d.Type, &body, &created, &d.Attempts); err != nil {
			return nil, fmt.Errorf("sqlite: webhook deliveries: %w", translate(err))
		}
		d.Body, d.CreatedAt = []byte(body), time.UnixMilli(created).UTC()
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: webhook deliveries: %w", translate(err))
	}
	return out, nil
}

// RecordWebhookAttempt records one attempt in one transaction (see webhook.Store).
func (db *DB) RecordWebhookAttempt(ctx context.Context, c webhook.Claim, d webhook.Delivery, r webhook.Result, keep int) error {
	t, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: record webhook attempt: %w", translate(err))
	}
	defer t.Rollback() // a no-op after Commit
	var res sql.Result
	if r.OK {
		res, err = t.ExecContext(ctx, `UPDATE webhook_endpoints SET failures = 0, failing_since = NULL, retry_at = 0,
				last_success_at = ?1
			WHERE id = ?2 AND claim_token = ?3`, r.At.UnixMilli(), c.ID, c.Token)
	} else {
		res, err = t.ExecContext(ctx, `UPDATE webhook_endpoints SET failures = failures + 1,
				failing_since = coalesce(failing_since, ?1), last_error = ?2, retry_at = ?3,
				enabled = CASE WHEN ?4 THEN 0 ELSE enabled END,
				disabled_at = CASE WHEN ?4 THEN ?1 ELSE disabled_at END,
				disabled_reason = CASE WHEN ?4 THEN ?5 ELSE disabled_reason END
			WHERE id = ?6 AND claim_token = ?7`,
			r.At.UnixMilli(), r.Error, r.RetryAt.UnixMilli(), r.Disable, r.Reason, c.ID, c.Token)
	}
	if err != nil {
		return fmt.Errorf("sqlite: record webhook attempt: %w", translate(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: record webhook attempt: %w", translate(err))
	} else if n == 0 {
		return webhook.ErrLeaseLost
	}
	if r.OK {
		_, err = t.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE id = ?`, d.ID)
	} else {
		_, err = t.ExecContext(ctx, `UPDATE webhook_deliveries SET attempts = attempts + 1 WHERE id = ?`, d.ID)
	}
	if err != nil {
		return fmt.Errorf("sqlite: record webhook attempt: %w", translate(err))
	}
	const log = `INSERT INTO webhook_attempts (endpoint_id, event_id, event_type, at, status_code, error, duration_ms, ok)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	if _, err := t.ExecContext(ctx, log, c.ID, d.EventID, string(d.Type), r.At.UnixMilli(), r.StatusCode, r.Error,
		r.Duration.Milliseconds(), r.OK); err != nil {
		return fmt.Errorf("sqlite: record webhook attempt: %w", translate(err))
	}
	const trim = `DELETE FROM webhook_attempts WHERE endpoint_id = ?1 AND id <= (
		SELECT id FROM webhook_attempts WHERE endpoint_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)`
	if _, err := t.ExecContext(ctx, trim, c.ID, keep); err != nil {
		return fmt.Errorf("sqlite: record webhook attempt: %w", translate(err))
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("sqlite: record webhook attempt: %w", translate(err))
	}
	return nil
}

// ReleaseWebhook ends the claim's lease.
func (db *DB) ReleaseWebhook(ctx context.Context, c webhook.Claim) error {
	res, err := db.w.ExecContext(ctx, `UPDATE webhook_endpoints SET claim_token = NULL, claimed_until = NULL
		WHERE id = ? AND claim_token = ?`, c.ID, c.Token)
	if err != nil {
		return fmt.Errorf("sqlite: release webhook endpoint: %w", translate(err))
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return webhook.ErrLeaseLost
	}
	return nil
}

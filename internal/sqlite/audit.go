package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"smartwait/internal/audit"
)

var _ audit.Store = (*DB)(nil)

// AppendAudit stores e (cleaned) and sets e.ID. It is its own small write
// transaction: an entry is never part of the action's own transaction, so a
// failing trail cannot undo a staff action (the web layer logs the failure).
func (db *DB) AppendAudit(ctx context.Context, e *audit.Entry) error {
	c := e.Clean()
	if c.At.IsZero() {
		c.At = db.now()
	}
	c.At = c.At.UTC().Truncate(time.Millisecond)
	err := db.w.QueryRowContext(ctx, `INSERT INTO audit_log (at, actor, ip, action, target_kind, target_id,
			ticket_number, detail, result, request_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		c.At.UnixMilli(), c.Actor, c.IP, string(c.Action), c.Target.Kind, c.Target.ID, c.Target.Number,
		c.Detail, c.Result, c.RequestID).Scan(&c.ID)
	if err != nil {
		return fmt.Errorf("sqlite: append audit: %w", translate(err))
	}
	*e = c
	return nil
}

// AuditEntries returns the entries f selects, newest first.
func (db *DB) AuditEntries(ctx context.Context, f audit.Filter) ([]audit.Entry, error) {
	var where []string
	var args []any
	add := func(cond string, arg any) {
		where = append(where, cond)
		args = append(args, arg)
	}
	if f.Actor != "" {
		add("actor = ?", f.Actor)
	}
	if f.Action != "" {
		add("action = ?", string(f.Action))
	}
	if !f.From.IsZero() {
		add("at >= ?", f.From.UnixMilli())
	}
	if !f.Until.IsZero() {
		add("at < ?", f.Until.UnixMilli())
	}
	if f.Before > 0 {
		add("id < ?", f.Before)
	}
	q := `SELECT id, at, actor, ip, action, target_kind, target_id, ticket_number, detail, result, request_id FROM audit_log`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id DESC LIMIT ?"
	args = append(args, max(f.Limit, 1))
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: audit entries: %w", translate(err))
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		var e audit.Entry
		var at int64
		var action string
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.IP, &action, &e.Target.Kind, &e.Target.ID, &e.Target.Number,
			&e.Detail, &e.Result, &e.RequestID); err != nil {
			return nil, fmt.Errorf("sqlite: audit entries: %w", translate(err))
		}
		e.At, e.Action = time.UnixMilli(at).UTC(), audit.Action(action)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: audit entries: %w", translate(err))
	}
	return out, nil
}

// ScrubAudit clears the IP of entries older than before, and the username a
// failed login tried.
func (db *DB) ScrubAudit(ctx context.Context, before time.Time) (int, error) {
	res, err := db.w.ExecContext(ctx, `UPDATE audit_log SET ip = '',
			actor = CASE WHEN action = 'login' AND result <> 'ok' THEN '' ELSE actor END
		WHERE at < ? AND (ip <> '' OR (action = 'login' AND result <> 'ok' AND actor <> ''))`, before.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("sqlite: scrub audit: %w", translate(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: scrub audit: %w", translate(err))
	}
	return int(n), nil
}

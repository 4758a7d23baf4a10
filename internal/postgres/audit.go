package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"smartwait/internal/audit"
)

var _ audit.Store = (*DB)(nil)

// AppendAudit stores e (cleaned) and sets e.ID. It is its own statement: an
// entry is never part of the action's own transaction, so a failing trail
// cannot undo a staff action (the web layer logs the failure).
func (db *DB) AppendAudit(ctx context.Context, e *audit.Entry) error {
	c := e.Clean()
	if c.At.IsZero() {
		c.At = db.now()
	}
	c.At = c.At.UTC().Truncate(time.Millisecond)
	ctx, cancel := db.bound(ctx)
	defer cancel()
	err := db.pool.QueryRow(ctx, `INSERT INTO audit_log (at, actor, ip, action, target_kind, target_id,
			ticket_number, detail, result, request_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		c.At, c.Actor, c.IP, string(c.Action), c.Target.Kind, c.Target.ID, c.Target.Number,
		c.Detail, c.Result, c.RequestID).Scan(&c.ID)
	if err != nil {
		return fmt.Errorf("postgres: append audit: %w", translate(ctx, err))
	}
	*e = c
	return nil
}

// AuditEntries returns the entries f selects, newest first.
func (db *DB) AuditEntries(ctx context.Context, f audit.Filter) ([]audit.Entry, error) {
	var where []string
	var args []any
	add := func(cond string, arg any) {
		args = append(args, arg)
		where = append(where, cond+" $"+strconv.Itoa(len(args)))
	}
	if f.Actor != "" {
		add("actor =", f.Actor)
	}
	if f.Action != "" {
		add("action =", string(f.Action))
	}
	if !f.From.IsZero() {
		add("at >=", f.From.UTC())
	}
	if !f.Until.IsZero() {
		add("at <", f.Until.UTC())
	}
	if f.Before > 0 {
		add("id <", f.Before)
	}
	q := `SELECT id, at, actor, ip, action, target_kind, target_id, ticket_number, detail, result, request_id FROM audit_log`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, max(f.Limit, 1))
	q += " ORDER BY id DESC LIMIT $" + strconv.Itoa(len(args))
	ctx, cancel := db.bound(ctx)
	defer cancel()
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: audit entries: %w", translate(ctx, err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (audit.Entry, error) {
		var e audit.Entry
		var action string
		err := row.Scan(&e.ID, &e.At, &e.Actor, &e.IP, &action, &e.Target.Kind, &e.Target.ID, &e.Target.Number,
			&e.Detail, &e.Result, &e.RequestID)
		e.At, e.Action = e.At.UTC(), audit.Action(action)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: audit entries: %w", translate(ctx, err))
	}
	return out, nil
}

// ScrubAudit clears the IP of entries older than before, and the username a
// failed login tried.
func (db *DB) ScrubAudit(ctx context.Context, before time.Time) (int, error) {
	ctx, cancel := db.bound(ctx)
	defer cancel()
	tag, err := db.pool.Exec(ctx, `UPDATE audit_log SET ip = '',
			actor = CASE WHEN action = 'login' AND result <> 'ok' THEN '' ELSE actor END
		WHERE at < $1 AND (ip <> '' OR (action = 'login' AND result <> 'ok' AND actor <> ''))`, before.UTC())
	if err != nil {
		return 0, fmt.Errorf("postgres: scrub audit: %w", translate(ctx, err))
	}
	return int(tag.RowsAffected()), nil
}

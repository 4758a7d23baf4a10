package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"smartwait/internal/privacy"
)

var _ privacy.Store = (*DB)(nil)

// personalData is every statement that anonymises a copy of a ticket's
// personal data, run in one transaction with ?1 a JSON array of the ticket
// ids and ?2 the erasure time (unix ms). It is the one list to extend when a
// table starts holding a ticket's name, phone or texts — the webhook outbox's
// payloads, for one: add its UPDATE here (and in internal/postgres/erase.go).
// privacytest reads every column of every table after an erasure, so a table
// left out fails it.
var personalData = []struct{ table, sql string }{
	// Texts keep kind, status and times; a text still pending is cancelled,
	// as there is no longer anyone to send it to.
	{"messages", `UPDATE messages SET to_phone = '', body = '', last_error = '',
			status = CASE WHEN status = 'pending' THEN 'cancelled' ELSE status END
		WHERE ticket_id IN (SELECT value FROM json_each(?1))
			AND (to_phone <> '' OR body <> '' OR last_error <> '' OR status = 'pending')`},
	// Webhook events not yet delivered may hold the name and phone (an
	// endpoint marked for personal data): they are dropped, not sent late.
	{"webhook_deliveries", `DELETE FROM webhook_deliveries WHERE ticket_id IN (SELECT value FROM json_each(?1))`},
	// Tickets keep number, line, status and times (statistics, estimates).
	{"tickets", `UPDATE tickets SET name = '', phone = '', appointment_time = '', erased_at = ?2
		WHERE id IN (SELECT value FROM json_each(?1))`},
}

// eraseTicketlessTexts anonymises the answers to texts from numbers without a
// ticket (two-way SMS: a STATUS or HELP from a stranger) created before ?1:
// they age like a finished visit's texts.
const eraseTicketlessTexts = `UPDATE messages SET to_phone = '', body = '', last_error = '',
		status = CASE WHEN status = 'pending' THEN 'cancelled' ELSE status END
	WHERE ticket_id = '' AND created_at < ?1 AND (to_phone <> '' OR body <> '')`

// eraseTickets runs personalData for ids in t.
func eraseTickets(ctx context.Context, t *sql.Tx, ids []string, at time.Time) (privacy.Erased, error) {
	var out privacy.Erased
	if len(ids) == 0 {
		return out, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return out, err
	}
	for _, p := range personalData {
		res, err := t.ExecContext(ctx, p.sql, string(list), at.UnixMilli())
		if err != nil {
			return out, fmt.Errorf("erase %s: %w", p.table, translate(err))
		}
		n, err := res.RowsAffected()
		if err != nil {
			return out, fmt.Errorf("erase %s: %w", p.table, translate(err))
		}
		switch p.table {
		case "tickets":
			out.Tickets += int(n)
		case "messages":
			out.Messages += int(n)
		}
	}
	return out, nil
}

// write runs fn in one write transaction on the writer connection.
func (db *DB) write(ctx context.Context, what string, fn func(t *sql.Tx) error) error {
	t, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: %s: begin: %w", what, translate(err))
	}
	defer t.Rollback()
	if err := fn(t); err != nil {
		return err
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("sqlite: %s: commit: %w", what, translate(err))
	}
	return nil
}

// checkpoint copies the write-ahead log into the database file and empties
// it, after an erasure: the log still holds the pages as they were before,
// names and numbers included, until it is reused. It is best effort — a
// reader holding an old snapshot makes it stop short, and the log's frames
// are then overwritten as it is reused — so its error is not returned.
func (db *DB) checkpoint(ctx context.Context) {
	_, _ = db.walCheckpoint(ctx, db.w, "TRUNCATE")
}

// EraseFinished erases up to limit tickets finished before before, oldest
// first, with their texts.
func (db *DB) EraseFinished(ctx context.Context, before, at time.Time, limit int) (privacy.Erased, error) {
	var out privacy.Erased
	err := db.write(ctx, "erase finished", func(t *sql.Tx) error {
		ids, err := queryStrings(ctx, t, `SELECT id FROM tickets
			WHERE erased_at IS NULL AND completed_at IS NOT NULL AND completed_at < ?
				AND status IN ('completed', 'no_show', 'cancelled')
			ORDER BY completed_at LIMIT ?`, before.UnixMilli(), max(limit, 1))
		if err != nil {
			return fmt.Errorf("sqlite: erase finished: %w", err)
		}
		if out, err = eraseTickets(ctx, t, ids, at); err != nil {
			return fmt.Errorf("sqlite: erase finished: %w", err)
		}
		res, err := t.ExecContext(ctx, eraseTicketlessTexts, before.UnixMilli())
		if err != nil {
			return fmt.Errorf("sqlite: erase finished: %w", translate(err))
		}
		if n, err := res.RowsAffected(); err == nil {
			out.Messages += int(n)
		}
		return nil
	})
	if err != nil {
		return privacy.Erased{}, err
	}
	if out.Tickets > 0 || out.Messages > 0 {
		db.checkpoint(ctx)
	}
	return out, nil
}

// ErasePhone erases every ticket and text of phone, or refuses with an
// *privacy.ActiveError when one of its tickets is active. The texts sent to
// the number are found by a scan of the outbox (no index: this is a rare
// admin action, and an index would cost every text's insert).
func (db *DB) ErasePhone(ctx context.Context, phone string, at time.Time) (privacy.Erased, error) {
	var out privacy.Erased
	err := db.write(ctx, "erase phone", func(t *sql.Tx) error {
		rows, err := t.QueryContext(ctx, `SELECT id, number, status FROM tickets WHERE phone = ? ORDER BY check_in_time`, phone)
		if err != nil {
			return fmt.Errorf("sqlite: erase phone: %w", translate(err))
		}
		defer rows.Close()
		var ids []string
		active := &privacy.ActiveError{}
		for rows.Next() {
			var id, number, status string
			if err := rows.Scan(&id, &number, &status); err != nil {
				return fmt.Errorf("sqlite: erase phone: %w", translate(err))
			}
			ids = append(ids, id)
			if status == "waiting" || status == "called" {
				active.Numbers = append(active.Numbers, number)
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("sqlite: erase phone: %w", translate(err))
		}
		rows.Close()
		if len(active.Numbers) > 0 {
			return active
		}
		if out, err = eraseTickets(ctx, t, ids, at); err != nil {
			return fmt.Errorf("sqlite: erase phone: %w", err)
		}
		res, err := t.ExecContext(ctx, `UPDATE messages SET to_phone = '', body = '', last_error = '',
				status = CASE WHEN status = 'pending' THEN 'cancelled' ELSE status END
			WHERE to_phone = ?`, phone)
		if err != nil {
			return fmt.Errorf("sqlite: erase phone: %w", translate(err))
		}
		if n, err := res.RowsAffected(); err == nil {
			out.Messages += int(n)
		}
		return nil
	})
	if err != nil {
		return privacy.Erased{}, err
	}
	db.checkpoint(ctx)
	return out, nil
}

// queryStrings runs a query of one text column and collects it.
func queryStrings(ctx context.Context, t *sql.Tx, q string, args ...any) ([]string, error) {
	rows, err := t.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, translate(err)
		}
		out = append(out, s)
	}
	return out, translate(rows.Err())
}

package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"smartwait/internal/privacy"
)

var _ privacy.Store = (*DB)(nil)

// personalData is every statement that anonymises a copy of a ticket's
// personal data, run in one transaction with $1 the ticket ids (text[]) and,
// where at is set, $2 the erasure time. It is the one list to extend when a table starts
// holding a ticket's name, phone or texts — the webhook outbox's payloads,
// for one: add its UPDATE here (and in internal/sqlite/erase.go).
// privacytest reads every column of every table after an erasure, so a
// table left out fails it.
var personalData = []struct {
	table, sql string
	at         bool // takes $2
}{
	// Texts keep kind, status and times; a text still pending is cancelled,
	// as there is no longer anyone to send it to.
	{"messages", `UPDATE messages SET to_phone = '', body = '', last_error = '',
			status = CASE WHEN status = 'pending' THEN 'cancelled' ELSE status END
		WHERE ticket_id = ANY($1::text[])
			AND (to_phone <> '' OR body <> '' OR last_error <> '' OR status = 'pending')`, false},
	// Webhook events not yet delivered may hold the name and phone (an
	// endpoint marked for personal data): they are dropped, not sent late.
	{"webhook_deliveries", `DELETE FROM webhook_deliveries WHERE ticket_id = ANY($1::text[])`, false},
	// Tickets keep number, line, status and times (statistics, estimates).
	{"tickets", `UPDATE tickets SET name = '', phone = '', appointment_time = '', erased_at = $2
		WHERE id = ANY($1::text[])`, true},
}

// eraseTicketlessTexts anonymises the answers to texts from numbers without a
// ticket (two-way SMS: a STATUS or HELP from a stranger) created before $1:
// they age like a finished visit's texts.
const eraseTicketlessTexts = `UPDATE messages SET to_phone = '', body = '', last_error = '',
		status = CASE WHEN status = 'pending' THEN 'cancelled' ELSE status END
	WHERE ticket_id = '' AND created_at < $1 AND (to_phone <> '' OR body <> '')`

// eraseTickets runs personalData for ids in t.
func eraseTickets(ctx context.Context, t pgx.Tx, ids []string, at time.Time) (privacy.Erased, error) {
	var out privacy.Erased
	if len(ids) == 0 {
		return out, nil
	}
	for _, p := range personalData {
		args := []any{ids}
		if p.at {
			args = append(args, at.UTC().Truncate(time.Millisecond))
		}
		tag, err := t.Exec(ctx, p.sql, args...)
		if err != nil {
			return out, fmt.Errorf("erase %s: %w", p.table, translate(ctx, err))
		}
		switch p.table {
		case "tickets":
			out.Tickets += int(tag.RowsAffected())
		case "messages":
			out.Messages += int(tag.RowsAffected())
		}
	}
	return out, nil
}

// write runs fn in one read-committed transaction.
func (db *DB) write(ctx context.Context, what string, fn func(t pgx.Tx) error) error {
	ctx, cancel := db.bound(ctx)
	defer cancel()
	t, err := db.begin(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return err
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		t.Rollback(rctx)
	}()
	if err := fn(t); err != nil {
		return err
	}
	if err := t.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: %s: commit: %w", what, translate(ctx, err))
	}
	return nil
}

// EraseFinished erases up to limit tickets finished before before, oldest
// first, with their texts. FOR UPDATE SKIP LOCKED: two instances running
// the job at once take different tickets instead of waiting for each other.
func (db *DB) EraseFinished(ctx context.Context, before, at time.Time, limit int) (privacy.Erased, error) {
	var out privacy.Erased
	err := db.write(ctx, "erase finished", func(t pgx.Tx) error {
		rows, err := t.Query(ctx, `SELECT id FROM tickets
			WHERE erased_at IS NULL AND completed_at IS NOT NULL AND completed_at < $1
				AND status IN ('completed', 'no_show', 'cancelled')
			ORDER BY completed_at LIMIT $2 FOR UPDATE SKIP LOCKED`, before.UTC(), max(limit, 1))
		if err != nil {
			return fmt.Errorf("postgres: erase finished: %w", translate(ctx, err))
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("postgres: erase finished: %w", translate(ctx, err))
		}
		if out, err = eraseTickets(ctx, t, ids, at); err != nil {
			return fmt.Errorf("postgres: erase finished: %w", err)
		}
		tag, err := t.Exec(ctx, eraseTicketlessTexts, before.UTC())
		if err != nil {
			return fmt.Errorf("postgres: erase finished: %w", translate(ctx, err))
		}
		out.Messages += int(tag.RowsAffected())
		return nil
	})
	if err != nil {
		return privacy.Erased{}, err
	}
	return out, nil
}

// ErasePhone erases every ticket and text of phone, or refuses with an
// *privacy.ActiveError when one of its tickets is active. The tickets are
// locked while it decides, so a visit cannot end or start being erased
// twice under it. The texts sent to the number are found by a scan of the
// outbox (no index: a rare admin action; an index would cost every text's
// insert).
func (db *DB) ErasePhone(ctx context.Context, phone string, at time.Time) (privacy.Erased, error) {
	var out privacy.Erased
	err := db.write(ctx, "erase phone", func(t pgx.Tx) error {
		rows, err := t.Query(ctx, `SELECT id, number, status FROM tickets WHERE phone = $1 ORDER BY check_in_time FOR UPDATE`, phone)
		if err != nil {
			return fmt.Errorf("postgres: erase phone: %w", translate(ctx, err))
		}
		type found struct{ id, number, status string }
		list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (found, error) {
			var f found
			return f, row.Scan(&f.id, &f.number, &f.status)
		})
		if err != nil {
			return fmt.Errorf("postgres: erase phone: %w", translate(ctx, err))
		}
		var ids []string
		active := &privacy.ActiveError{}
		for _, f := range list {
			ids = append(ids, f.id)
			if f.status == "waiting" || f.status == "called" {
				active.Numbers = append(active.Numbers, f.number)
			}
		}
		if len(active.Numbers) > 0 {
			return active
		}
		if out, err = eraseTickets(ctx, t, ids, at); err != nil {
			return fmt.Errorf("postgres: erase phone: %w", err)
		}
		tag, err := t.Exec(ctx, `UPDATE messages SET to_phone = '', body = '', last_error = '',
				status = CASE WHEN status = 'pending' THEN 'cancelled' ELSE status END
			WHERE to_phone = $1`, phone)
		if err != nil {
			return fmt.Errorf("postgres: erase phone: %w", translate(ctx, err))
		}
		out.Messages += int(tag.RowsAffected())
		return nil
	})
	if err != nil {
		return privacy.Erased{}, err
	}
	return out, nil
}

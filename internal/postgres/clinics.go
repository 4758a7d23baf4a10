package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"smartwait/internal/queue"
)

// clinicSelect is the clinic's columns (table alias c), in clinicRow.dest order.
const clinicSelect = `c.id, c.slug, c.name, c.timezone, COALESCE(c.sms_from, ''), c.hours, c.created_at`

// clinicRow receives clinicSelect's columns.
type clinicRow struct {
	c       queue.Clinic
	hours   string
	created time.Time
}

func (r *clinicRow) dest() []any {
	return []any{&r.c.ID, &r.c.Slug, &r.c.Name, &r.c.TimeZone, &r.c.SMSFrom, &r.hours, &r.created}
}

func (r *clinicRow) clinic() (queue.Clinic, error) {
	h, err := queue.ParseHours(r.hours)
	if err != nil {
		return queue.Clinic{}, fmt.Errorf("clinic %q: stored %w", r.c.Slug, err)
	}
	r.c.Hours, r.c.CreatedAt = h, r.created.UTC()
	return r.c, nil
}

// clinicID is the id a line or room is stored with: 0 means the default clinic.
func clinicID(id int64) int64 {
	if id == 0 {
		return queue.DefaultClinicID
	}
	return id
}

// nullString stores "" as NULL (clinics.sms_from).
func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Clinics returns every clinic by ID.
func (t *tx) Clinics(ctx context.Context) ([]queue.Clinic, error) {
	rows, err := t.tx.Query(ctx, `SELECT `+clinicSelect+` FROM clinics c ORDER BY c.id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: clinics: %w", translate(ctx, err))
	}
	defer rows.Close()
	var out []queue.Clinic
	for rows.Next() {
		var r clinicRow
		if err := rows.Scan(r.dest()...); err != nil {
			return nil, fmt.Errorf("postgres: clinics: %w", translate(ctx, err))
		}
		c, err := r.clinic()
		if err != nil {
			return nil, fmt.Errorf("postgres: clinics: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: clinics: %w", translate(ctx, err))
	}
	return out, nil
}

// Clinic returns the clinic with the slug, or an error wrapping queue.ErrNotFound.
func (t *tx) Clinic(ctx context.Context, slug string) (queue.Clinic, error) {
	var r clinicRow
	err := t.tx.QueryRow(ctx, `SELECT `+clinicSelect+` FROM clinics c WHERE c.slug = $1`, slug).Scan(r.dest()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return queue.Clinic{}, fmt.Errorf("postgres: clinic %q: %w", slug, queue.ErrNotFound)
	}
	if err != nil {
		return queue.Clinic{}, fmt.Errorf("postgres: clinic %q: %w", slug, translate(ctx, err))
	}
	return r.clinic()
}

// CreateClinic stores c and sets c.ID, or returns an error wrapping
// queue.ErrDuplicate when the slug is taken (no row written, the transaction
// still usable).
func (t *tx) CreateClinic(ctx context.Context, c *queue.Clinic) error {
	const insert = `INSERT INTO clinics (slug, name, timezone, sms_from, hours, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id`
	err := t.tx.QueryRow(ctx, insert, c.Slug, c.Name, c.TimeZone, nullString(c.SMSFrom), c.Hours.String(),
		c.CreatedAt).Scan(&c.ID)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: create clinic %q: slug taken: %w", c.Slug, queue.ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("postgres: create clinic %q: %w", c.Slug, translate(ctx, err))
	}
	return nil
}

// SaveClinic stores c's fields but CreatedAt: queue.ErrNotFound for an
// unknown id, queue.ErrDuplicate when the slug is another clinic's. As
// SaveQueue, the update skips the row on a clash it can see.
func (t *tx) SaveClinic(ctx context.Context, c queue.Clinic) error {
	const update = `UPDATE clinics SET slug = $2, name = $3, timezone = $4, sms_from = $5, hours = $6
		WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM clinics WHERE slug = $2 AND id <> $1)`
	tag, err := t.tx.Exec(ctx, update, c.ID, c.Slug, c.Name, c.TimeZone, nullString(c.SMSFrom), c.Hours.String())
	if err != nil {
		return fmt.Errorf("postgres: save clinic %q: %w", c.Slug, translate(ctx, err))
	}
	if tag.RowsAffected() > 0 {
		return nil
	}
	var exists bool
	if err := t.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM clinics WHERE id = $1)`, c.ID).Scan(&exists); err != nil {
		return fmt.Errorf("postgres: save clinic %q: %w", c.Slug, translate(ctx, err))
	}
	if !exists {
		return fmt.Errorf("postgres: save clinic %d: %w", c.ID, queue.ErrNotFound)
	}
	return fmt.Errorf("postgres: save clinic: slug %q taken: %w", c.Slug, queue.ErrDuplicate)
}

// DeleteClinic removes the clinic with its rooms and lines (their tickets
// stay, as history), or returns an error wrapping queue.ErrNotFound.
func (t *tx) DeleteClinic(ctx context.Context, id int64) error {
	for _, q := range []string{`DELETE FROM rooms WHERE clinic_id = $1`, `DELETE FROM queues WHERE clinic_id = $1`} {
		if _, err := t.tx.Exec(ctx, q, id); err != nil {
			return fmt.Errorf("postgres: delete clinic %d: %w", id, translate(ctx, err))
		}
	}
	tag, err := t.tx.Exec(ctx, `DELETE FROM clinics WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("postgres: delete clinic %d: %w", id, translate(ctx, err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: delete clinic %d: %w", id, queue.ErrNotFound)
	}
	return nil
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"smartwait/internal/queue"
)

// clinicSelect is the clinic's columns (table alias c), in clinicRow.dest order.
const clinicSelect = `c.id, c.slug, c.name, c.timezone, COALESCE(c.sms_from, ''), c.hours, c.created_at`

// clinicRow receives clinicSelect's columns.
type clinicRow struct {
	c       queue.Clinic
	hours   string
	created int64 // unix ms
}

func (r *clinicRow) dest() []any {
	return []any{&r.c.ID, &r.c.Slug, &r.c.Name, &r.c.TimeZone, &r.c.SMSFrom, &r.hours, &r.created}
}

func (r *clinicRow) clinic() (queue.Clinic, error) {
	h, err := queue.ParseHours(r.hours)
	if err != nil {
		return queue.Clinic{}, fmt.Errorf("clinic %q: stored %w", r.c.Slug, err)
	}
	r.c.Hours, r.c.CreatedAt = h, time.UnixMilli(r.created).UTC()
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
func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

var (
	selectClinics = prepared(`SELECT ` + clinicSelect + ` FROM clinics c ORDER BY c.id`)
	selectClinic  = prepared(`SELECT ` + clinicSelect + ` FROM clinics c WHERE c.slug = ?`)
)

// Clinics returns every clinic by ID.
func (t *tx) Clinics(ctx context.Context) ([]queue.Clinic, error) {
	rows, err := t.stmt(ctx, selectClinics).QueryContext(t.run(ctx))
	if err != nil {
		return nil, fmt.Errorf("sqlite: clinics: %w", translate(err))
	}
	defer rows.Close()
	var out []queue.Clinic
	for rows.Next() {
		var r clinicRow
		if err := rows.Scan(r.dest()...); err != nil {
			return nil, fmt.Errorf("sqlite: clinics: %w", translate(err))
		}
		c, err := r.clinic()
		if err != nil {
			return nil, fmt.Errorf("sqlite: clinics: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: clinics: %w", translate(err))
	}
	return out, nil
}

// Clinic returns the clinic with the slug, or an error wrapping queue.ErrNotFound.
func (t *tx) Clinic(ctx context.Context, slug string) (queue.Clinic, error) {
	var r clinicRow
	err := t.stmt(ctx, selectClinic).QueryRowContext(t.run(ctx), slug).Scan(r.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return queue.Clinic{}, fmt.Errorf("sqlite: clinic %q: %w", slug, queue.ErrNotFound)
	}
	if err != nil {
		return queue.Clinic{}, fmt.Errorf("sqlite: clinic %q: %w", slug, translate(err))
	}
	return r.clinic()
}

var insertClinic = prepared(`INSERT INTO clinics (slug, name, timezone, sms_from, hours, created_at)
	VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`)

// CreateClinic stores c and sets c.ID, or returns an error wrapping
// queue.ErrDuplicate when the slug is taken.
func (t *tx) CreateClinic(ctx context.Context, c *queue.Clinic) error {
	err := t.stmt(ctx, insertClinic).QueryRowContext(t.run(ctx), c.Slug, c.Name, c.TimeZone, nullString(c.SMSFrom),
		c.Hours.String(), c.CreatedAt.UnixMilli()).Scan(&c.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlite: create clinic %q: slug taken: %w", c.Slug, queue.ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("sqlite: create clinic %q: %w", c.Slug, translate(err))
	}
	return nil
}

var (
	// saveClinic skips the row when another clinic has the slug; clinicExists
	// then tells an unknown id from that clash.
	saveClinic = prepared(`UPDATE clinics SET slug = ?2, name = ?3, timezone = ?4, sms_from = ?5, hours = ?6
	WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM clinics WHERE slug = ?2 AND id <> ?1)`)
	clinicExists = prepared(`SELECT EXISTS (SELECT 1 FROM clinics WHERE id = ?)`)
)

// SaveClinic stores c's fields but CreatedAt: queue.ErrNotFound for an
// unknown id, queue.ErrDuplicate when the slug is another clinic's.
func (t *tx) SaveClinic(ctx context.Context, c queue.Clinic) error {
	res, err := t.stmt(ctx, saveClinic).ExecContext(t.run(ctx), c.ID, c.Slug, c.Name, c.TimeZone,
		nullString(c.SMSFrom), c.Hours.String())
	if err != nil {
		return fmt.Errorf("sqlite: save clinic %q: %w", c.Slug, translate(err))
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return translate(err)
	}
	var exists bool
	if err := t.stmt(ctx, clinicExists).QueryRowContext(t.run(ctx), c.ID).Scan(&exists); err != nil {
		return fmt.Errorf("sqlite: save clinic %q: %w", c.Slug, translate(err))
	}
	if !exists {
		return fmt.Errorf("sqlite: save clinic %d: %w", c.ID, queue.ErrNotFound)
	}
	return fmt.Errorf("sqlite: save clinic: slug %q taken: %w", c.Slug, queue.ErrDuplicate)
}

var (
	deleteClinicRooms = prepared(`DELETE FROM rooms WHERE clinic_id = ?`)
	deleteClinicLines = prepared(`DELETE FROM queues WHERE clinic_id = ?`)
	deleteClinic      = prepared(`DELETE FROM clinics WHERE id = ?`)
)

// DeleteClinic removes the clinic with its rooms and lines (their tickets
// stay, as history), or returns an error wrapping queue.ErrNotFound.
func (t *tx) DeleteClinic(ctx context.Context, id int64) error {
	for _, st := range []*stmt{deleteClinicRooms, deleteClinicLines} {
		if _, err := t.stmt(ctx, st).ExecContext(t.run(ctx), id); err != nil {
			return fmt.Errorf("sqlite: delete clinic %d: %w", id, translate(err))
		}
	}
	res, err := t.stmt(ctx, deleteClinic).ExecContext(t.run(ctx), id)
	if err != nil {
		return fmt.Errorf("sqlite: delete clinic %d: %w", id, translate(err))
	}
	return mustAffect(res, fmt.Sprintf("delete clinic %d", id), queue.ErrNotFound)
}

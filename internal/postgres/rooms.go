package postgres

import (
	"context"
	"fmt"

	"smartwait/internal/queue"
)

// A room's lines are kept in one column, in queue.JoinSlugs' text form: a
// room is always read and written whole.

// Rooms returns every room by Position then Name (bytewise, as on SQLite,
// whatever the database's collation).
func (t *tx) Rooms(ctx context.Context) ([]queue.Room, error) {
	const query = `SELECT name, lines, open, position, clinic_id FROM rooms ORDER BY position, name COLLATE "C"`
	rows, err := t.tx.Query(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("postgres: rooms: %w", translate(ctx, err))
	}
	defer rows.Close()
	var out []queue.Room
	for rows.Next() {
		var r queue.Room
		var lines string
		if err := rows.Scan(&r.Name, &lines, &r.Open, &r.Position, &r.ClinicID); err != nil {
			return nil, fmt.Errorf("postgres: rooms: %w", translate(ctx, err))
		}
		r.Lines = queue.SplitSlugs(lines)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: rooms: %w", translate(ctx, err))
	}
	return out, nil
}

// CreateRoom stores a new room, or returns an error wrapping queue.ErrDuplicate
// when the name is taken (no row written, the transaction still usable).
func (t *tx) CreateRoom(ctx context.Context, r queue.Room) error {
	const insert = `INSERT INTO rooms (name, lines, open, position, clinic_id) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT DO NOTHING`
	tag, err := t.tx.Exec(ctx, insert, r.Name, queue.JoinSlugs(r.Lines), r.Open, r.Position, clinicID(r.ClinicID))
	if err != nil {
		return fmt.Errorf("postgres: create room %q: %w", r.Name, translate(ctx, err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: create room %q: name taken: %w", r.Name, queue.ErrDuplicate)
	}
	return nil
}

// SaveRoom replaces the room called name by r, renaming it when r.Name differs:
// queue.ErrNotFound for an unknown name, queue.ErrDuplicate when r.Name is
// another room's. As SaveQueue, the update skips the row on a clash it can see;
// the primary key catches one with a transaction not yet committed.
func (t *tx) SaveRoom(ctx context.Context, name string, r queue.Room) error {
	const update = `UPDATE rooms SET name = $2, lines = $3, open = $4, position = $5
		WHERE name = $1 AND NOT EXISTS (SELECT 1 FROM rooms WHERE name = $2 AND name <> $1)`
	tag, err := t.tx.Exec(ctx, update, name, r.Name, queue.JoinSlugs(r.Lines), r.Open, r.Position)
	if err != nil {
		return fmt.Errorf("postgres: save room %q: %w", name, translate(ctx, err))
	}
	if tag.RowsAffected() > 0 {
		return nil
	}
	var exists bool
	if err := t.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM rooms WHERE name = $1)`, name).Scan(&exists); err != nil {
		return fmt.Errorf("postgres: save room %q: %w", name, translate(ctx, err))
	}
	if !exists {
		return fmt.Errorf("postgres: save room %q: %w", name, queue.ErrNotFound)
	}
	return fmt.Errorf("postgres: save room %q: name %q taken: %w", name, r.Name, queue.ErrDuplicate)
}

// DeleteRoom removes the room, or returns an error wrapping queue.ErrNotFound.
func (t *tx) DeleteRoom(ctx context.Context, name string) error {
	tag, err := t.tx.Exec(ctx, `DELETE FROM rooms WHERE name = $1`, name)
	if err != nil {
		return fmt.Errorf("postgres: delete room %q: %w", name, translate(ctx, err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: delete room %q: %w", name, queue.ErrNotFound)
	}
	return nil
}

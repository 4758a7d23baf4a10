package sqlite

import (
	"context"
	"fmt"

	"smartwait/internal/queue"
)

// A room's lines are kept in one column, in queue.JoinSlugs' text form: a
// room is always read and written whole.

var selectRooms = prepared(`SELECT name, lines, open, position, clinic_id FROM rooms ORDER BY position, name`)

// Rooms returns every room by Position then Name.
func (t *tx) Rooms(ctx context.Context) ([]queue.Room, error) {
	rows, err := t.stmt(ctx, selectRooms).QueryContext(t.run(ctx))
	if err != nil {
		return nil, fmt.Errorf("sqlite: rooms: %w", translate(err))
	}
	defer rows.Close()
	var out []queue.Room
	for rows.Next() {
		var r queue.Room
		var lines string
		if err := rows.Scan(&r.Name, &lines, &r.Open, &r.Position, &r.ClinicID); err != nil {
			return nil, fmt.Errorf("sqlite: rooms: %w", translate(err))
		}
		r.Lines = queue.SplitSlugs(lines)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: rooms: %w", translate(err))
	}
	return out, nil
}

var insertRoom = prepared(`INSERT INTO rooms (name, lines, open, position, clinic_id) VALUES (?, ?, ?, ?, ?)
	ON CONFLICT DO NOTHING`)

// CreateRoom stores a new room, or returns an error wrapping queue.ErrDuplicate
// when the name is taken.
func (t *tx) CreateRoom(ctx context.Context, r queue.Room) error {
	res, err := t.stmt(ctx, insertRoom).ExecContext(t.run(ctx), r.Name, queue.JoinSlugs(r.Lines), r.Open, r.Position, clinicID(r.ClinicID))
	if err != nil {
		return fmt.Errorf("sqlite: create room %q: %w", r.Name, translate(err))
	}
	return mustAffect(res, fmt.Sprintf("create room %q: name taken", r.Name), queue.ErrDuplicate)
}

var (
	// saveRoom skips the row when r.Name is another room's; roomExists then
	// tells an unknown name from that clash.
	saveRoom = prepared(`UPDATE rooms SET name = ?2, lines = ?3, open = ?4, position = ?5
	WHERE name = ?1 AND NOT EXISTS (SELECT 1 FROM rooms WHERE name = ?2 AND name <> ?1)`)
	roomExists = prepared(`SELECT EXISTS (SELECT 1 FROM rooms WHERE name = ?)`)
)

// SaveRoom replaces the room called name by r, renaming it when r.Name differs:
// queue.ErrNotFound for an unknown name, queue.ErrDuplicate when r.Name is
// another room's.
func (t *tx) SaveRoom(ctx context.Context, name string, r queue.Room) error {
	res, err := t.stmt(ctx, saveRoom).ExecContext(t.run(ctx), name, r.Name, queue.JoinSlugs(r.Lines), r.Open, r.Position)
	if err != nil {
		return fmt.Errorf("sqlite: save room %q: %w", name, translate(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: save room %q: %w", name, translate(err))
	}
	if n > 0 {
		return nil
	}
	var exists bool
	if err := t.stmt(ctx, roomExists).QueryRowContext(t.run(ctx), name).Scan(&exists); err != nil {
		return fmt.Errorf("sqlite: save room %q: %w", name, translate(err))
	}
	if !exists {
		return fmt.Errorf("sqlite: save room %q: %w", name, queue.ErrNotFound)
	}
	return fmt.Errorf("sqlite: save room %q: name %q taken: %w", name, r.Name, queue.ErrDuplicate)
}

var deleteRoom = prepared(`DELETE FROM rooms WHERE name = ?`)

// DeleteRoom removes the room, or returns an error wrapping queue.ErrNotFound.
func (t *tx) DeleteRoom(ctx context.Context, name string) error {
	res, err := t.stmt(ctx, deleteRoom).ExecContext(t.run(ctx), name)
	if err != nil {
		return fmt.Errorf("sqlite: delete room %q: %w", name, translate(err))
	}
	return mustAffect(res, fmt.Sprintf("delete room %q", name), queue.ErrNotFound)
}

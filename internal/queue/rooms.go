package queue

import (
	"context"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"
)

// RoomPatch changes some fields of a room; nil fields stay as they are.
type RoomPatch struct {
	Name     *string
	Lines    *[]string
	Open     *bool
	Position *int
}

// OnlyOpen reports whether the patch changes nothing but Open — what any staff
// member may do; the rest is the admin's.
func (p RoomPatch) OnlyOpen() bool {
	return p.Name == nil && p.Lines == nil && p.Position == nil
}

// Rooms returns every room, by position.
func (s *Service) Rooms(ctx context.Context) ([]Room, error) {
	var out []Room
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		out, err = tx.Rooms(ctx)
		return err
	})
	return out, storeError(err)
}

// CreateRoom adds a room (open unless r says otherwise — the zero Room is
// closed, so callers set Open).
func (s *Service) CreateRoom(ctx context.Context, r Room) (Room, error) {
	err := s.changeRooms(ctx, func(tx Tx, rooms []Room, lines []Queue) error {
		if err := validRoom(&r, lines); err != nil {
			return err
		}
		for _, o := range rooms {
			if o.Name == r.Name {
				return validationError("name", "there is already a room %q", r.Name)
			}
			r.Position = max(r.Position, o.Position+1)
		}
		return tx.CreateRoom(ctx, r)
	})
	return r, err
}

// UpdateRoom changes a room: rename, the lines it serves, open or closed.
func (s *Service) UpdateRoom(ctx context.Context, name string, p RoomPatch) (Room, error) {
	var out Room
	err := s.changeRooms(ctx, func(tx Tx, rooms []Room, lines []Queue) error {
		i := slices.IndexFunc(rooms, func(r Room) bool { return r.Name == name })
		if i < 0 {
			return &Error{Code: CodeLineNotFound, Message: "There is no room " + name}
		}
		r := rooms[i]
		if p.Name != nil {
			r.Name = *p.Name
		}
		if p.Lines != nil {
			r.Lines = *p.Lines
		}
		if p.Open != nil {
			r.Open = *p.Open
		}
		if p.Position != nil {
			r.Position = *p.Position
		}
		if err := validRoom(&r, lines); err != nil {
			return err
		}
		for _, o := range rooms {
			if o.Name == r.Name && o.Name != name {
				return validationError("name", "there is already a room %q", r.Name)
			}
		}
		out = r
		return tx.SaveRoom(ctx, name, r)
	})
	return out, err
}

// DeleteRoom removes a room.
func (s *Service) DeleteRoom(ctx context.Context, name string) error {
	return s.changeRooms(ctx, func(tx Tx, rooms []Room, _ []Queue) error {
		if !slices.ContainsFunc(rooms, func(r Room) bool { return r.Name == name }) {
			return &Error{Code: CodeLineNotFound, Message: "There is no room " + name}
		}
		return tx.DeleteRoom(ctx, name)
	})
}

// validRoom trims the room's name and checks it and its lines.
func validRoom(r *Room, lines []Queue) error {
	r.Name = strings.TrimSpace(r.Name)
	if r.Name == "" || len(r.Name) > MaxRoomName || !utf8.ValidString(r.Name) || hasControl(r.Name) {
		return validationError("name", "name must be 1-%d bytes without control or text-direction characters", MaxRoomName)
	}
	seen := map[string]bool{}
	for _, l := range r.Lines {
		if seen[l] {
			return validationError("lines", "line %q is listed twice", l)
		}
		seen[l] = true
		i := slices.IndexFunc(lines, func(q Queue) bool { return q.ID == l })
		if i < 0 {
			return validationError("lines", "there is no line %q", l)
		}
		// A room is in one clinic's building: it serves that clinic's lines only.
		if lines[i].ClinicID() != ClinicIDOf(r.ClinicID) {
			return validationError("lines", "line %q belongs to another clinic", l)
		}
	}
	if r.Lines == nil {
		r.Lines = []string{}
	}
	return nil
}

// changeRooms runs change on the rooms, then recounts the rooms serving each
// line and the open ones among them, which the estimates divide by. Every line
// whose counts moved gets them in a queue operation of its own, right after the
// rooms' commit, which lays it out again: its patients hear their new estimate
// at once, and no read quotes it before the event is published.
func (s *Service) changeRooms(ctx context.Context, change func(tx Tx, rooms []Room, lines []Queue) error) error {
	var moved []string
	err := s.Store.Update(ctx, func(tx Tx) error {
		moved = nil
		rooms, err := tx.Rooms(ctx)
		if err != nil {
			return err
		}
		lines, err := tx.Lines(ctx)
		if err != nil {
			return err
		}
		if err := change(tx, rooms, lines); err != nil {
			return err
		}
		if rooms, err = tx.Rooms(ctx); err != nil {
			return err
		}
		for _, q := range lines {
			if serving, open := roomCounts(rooms, q.ID); serving == q.ServingRooms && open == q.OpenRooms {
				continue
			}
			moved = append(moved, q.ID)
		}
		return nil
	})
	if err != nil {
		return storeError(err)
	}
	for _, id := range moved {
		_, err := s.relayout(ctx, id, func(ctx context.Context, tx Tx, q *Queue) error {
			rooms, err := tx.Rooms(ctx)
			if err != nil {
				return err
			}
			q.ServingRooms, q.OpenRooms = roomCounts(rooms, q.ID)
			return tx.SaveQueue(ctx, *q)
		})
		var de *Error
		if err != nil && !(errors.As(err, &de) && de.Code == CodeValidation) { // a line deleted meanwhile
			return err
		}
	}
	return nil
}

// roomCounts counts the rooms that serve line and the open ones among them.
func roomCounts(rooms []Room, line string) (serving, open int) {
	for _, r := range rooms {
		if r.Serves(line) {
			serving++
			if r.Open {
				open++
			}
		}
	}
	return serving, open
}

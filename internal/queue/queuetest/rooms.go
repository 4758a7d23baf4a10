package queuetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"smartwait/internal/queue"
)

// rooms returns Rooms from a View.
func rooms(tb testing.TB, s queue.Store) []queue.Room {
	tb.Helper()
	var out []queue.Room
	view(tb, s, func(ctx context.Context, tx queue.Tx) error {
		var err error
		out, err = tx.Rooms(ctx)
		return err
	})
	return out
}

// sameRooms reports the first difference between got and want, or "". No lines
// may come back as nil or empty.
func sameRooms(got, want []queue.Room) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d rooms %+v, want %d %+v", len(got), got, len(want), want)
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Name != w.Name || g.Open != w.Open || g.Position != w.Position || !slices.Equal(g.Lines, w.Lines) {
			return fmt.Sprintf("room %d = %+v, want %+v", i, g, w)
		}
	}
	return ""
}

// Rooms lists every room by Position, then by name compared bytewise, with its
// lines in their order; a name taken is ErrDuplicate; DeleteRoom of an unknown
// name is ErrNotFound.
func testRooms(t *testing.T, s queue.Store) {
	if got := rooms(t, s); len(got) != 0 {
		t.Fatalf("Rooms of a fresh store = %+v, want none", got)
	}
	created := []queue.Room{
		{Name: "Room 2", Lines: []string{"walk-in", queue.DefaultQueueID, "lab-2"}, Open: true, Position: 1},
		{Name: "Room 10", Lines: []string{"lab-2"}, Open: false, Position: 1},
		{Name: "Desk", Open: true}, // no lines yet
		{Name: "room 1", Lines: []string{queue.DefaultQueueID}, Position: 1},
		{Name: "Sala de rayos X — 2º", Lines: []string{"xray"}, Open: true, Position: 7},
	}
	for _, r := range created {
		update(t, s, func(ctx context.Context, tx queue.Tx) error { return tx.CreateRoom(ctx, r) })
	}
	want := []queue.Room{created[2], created[1], created[0], created[3], created[4]}
	if diff := sameRooms(rooms(t, s), want); diff != "" {
		t.Errorf("Rooms: %s", diff)
	}
	dup := queue.Room{Name: "Desk", Lines: []string{"lab-2"}, Position: 9}
	if err := updateErr(s, func(ctx context.Context, tx queue.Tx) error { return tx.CreateRoom(ctx, dup) }); !errors.Is(err, queue.ErrDuplicate) {
		t.Errorf("CreateRoom with a name taken = %v, want ErrDuplicate", err)
	}
	update(t, s, func(ctx context.Context, tx queue.Tx) error { return tx.DeleteRoom(ctx, "Room 10") })
	for _, name := range []string{"Room 10", "Nowhere"} {
		if err := updateErr(s, func(ctx context.Context, tx queue.Tx) error { return tx.DeleteRoom(ctx, name) }); !errors.Is(err, queue.ErrNotFound) {
			t.Errorf("DeleteRoom(%s) = %v, want ErrNotFound", name, err)
		}
	}
	want = []queue.Room{created[2], created[0], created[3], created[4]}
	if diff := sameRooms(rooms(t, s), want); diff != "" {
		t.Errorf("Rooms after a refused create and a delete: %s", diff)
	}
}

// SaveRoom replaces a room, renaming it when the new name differs; an unknown
// name is ErrNotFound, another room's name ErrDuplicate.
func testSaveRoom(t *testing.T, s queue.Store) {
	desk := queue.Room{Name: "Desk", Lines: []string{queue.DefaultQueueID}, Open: true}
	room := queue.Room{Name: "Room 1", Lines: []string{"lab"}, Position: 2}
	for _, r := range []queue.Room{desk, room} {
		update(t, s, func(ctx context.Context, tx queue.Tx) error { return tx.CreateRoom(ctx, r) })
	}
	steps := []struct {
		name    string
		old     string
		r       queue.Room
		wantErr error
		want    []queue.Room
	}{
		{"in place", "Room 1", queue.Room{Name: "Room 1", Lines: []string{"lab", queue.DefaultQueueID}, Open: true, Position: 2}, nil,
			[]queue.Room{desk, {Name: "Room 1", Lines: []string{"lab", queue.DefaultQueueID}, Open: true, Position: 2}}},
		{"rename and move", "Room 1", queue.Room{Name: "Consulta 3", Lines: nil, Open: false, Position: 0}, nil,
			[]queue.Room{{Name: "Consulta 3"}, desk}},
		{"old name gone", "Room 1", queue.Room{Name: "Room 1"}, queue.ErrNotFound,
			[]queue.Room{{Name: "Consulta 3"}, desk}},
		{"onto another room's name", "Consulta 3", queue.Room{Name: "Desk", Lines: []string{"lab"}}, queue.ErrDuplicate,
			[]queue.Room{{Name: "Consulta 3"}, desk}},
		{"unknown", "Nowhere", queue.Room{Name: "Nowhere", Open: true}, queue.ErrNotFound,
			[]queue.Room{{Name: "Consulta 3"}, desk}},
	}
	for _, st := range steps {
		err := updateErr(s, func(ctx context.Context, tx queue.Tx) error { return tx.SaveRoom(ctx, st.old, st.r) })
		if (st.wantErr == nil && err != nil) || (st.wantErr != nil && !errors.Is(err, st.wantErr)) {
			t.Errorf("%s: SaveRoom(%q) = %v, want %v", st.name, st.old, err, st.wantErr)
		}
		if diff := sameRooms(rooms(t, s), st.want); diff != "" {
			t.Errorf("%s: Rooms after SaveRoom: %s", st.name, diff)
		}
	}
}

package events

import (
	"slices"
	"strings"
	"testing"
)

// TestClinicBatchRooms: a second clinic's change goes to that clinic's shared
// rooms, its line's and patients' rooms, and its shard — never to the default
// clinic's rooms; the default clinic's go where they always went.
func TestClinicBatchRooms(t *testing.T) {
	for name, c := range goldenChanges() {
		t.Run(name, func(t *testing.T) {
			b := Batch(c)
			if want := Shard(c.ClinicSlug); b.Shard != want {
				t.Errorf("shard %q, want %q", b.Shard, want)
			}
			if b.Stream != c.QueueID {
				t.Errorf("stream %q, want the line %q (the replay buffer is per line)", b.Stream, c.QueueID)
			}
			for _, m := range b.Messages {
				switch {
				case strings.HasPrefix(m.Room, patientRoomPrefix), m.Room == DisplayRoom(c.QueueID):
				case c.ClinicSlug == "" && slices.Contains([]string{RoomStaff, RoomPatients, RoomDisplay}, m.Room):
				case c.ClinicSlug != "" && strings.HasSuffix(m.Room, "@"+c.ClinicSlug):
				default:
					t.Errorf("message %s to room %q, not a room of clinic %q", m.Event, m.Room, c.ClinicSlug)
				}
			}
		})
	}
}

func TestClinicRoomsAndShards(t *testing.T) {
	if got := ClinicRoom(RoomStaff, ""); got != "staff" {
		t.Errorf("default clinic's staff room %q", got)
	}
	if got := ClinicRoom(RoomPatients, "north"); got != "patients@north" {
		t.Errorf("north's patients room %q", got)
	}
	if Shard("") != DefaultShard || Shard("north") != "north" || DefaultShard == "" {
		t.Errorf("shards: default %q, north %q", Shard(""), Shard("north"))
	}
	for room, want := range map[string]bool{
		"staff": true, "display": true, "patients": true, "staff@north": true, "display@a-1": true,
		"patients@north": true, "display_lab": true, "staff@": false, "staff@North": false, "staff@a@b": false,
		"nurses@north": false, "staff_x": false,
	} {
		if ValidRoom(room) != want {
			t.Errorf("ValidRoom(%q) = %v, want %v", room, !want, want)
		}
	}
	rooms, shards := DisplayRooms("north", nil, nil)
	if !slices.Equal(rooms, []string{"display@north"}) || !slices.Equal(shards, []string{"north"}) {
		t.Errorf("north's display: rooms %v shards %v", rooms, shards)
	}
	rooms, shards = DisplayRooms("", []string{"lab", "xray", "gone"}, map[string]string{"lab": "", "xray": "north"})
	if !slices.Equal(rooms, []string{"display_lab", "display_xray", "display_gone"}) || !slices.Equal(shards, []string{DefaultShard, "north"}) {
		t.Errorf("lines' display: rooms %v shards %v", rooms, shards)
	}
}

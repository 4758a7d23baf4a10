package events

import (
	"strings"

	"smartwait/internal/queue"
	"smartwait/internal/realtime"
)

// The rooms every deployment has. A patient's own room is PatientRoom(id).
const (
	RoomPatients = "patients" // queue-level facts for every patient: never a patient id
	RoomStaff    = "staff"    // everything, for authenticated staff
	RoomDisplay  = "display"  // the waiting-room display: same facts as RoomPatients
)

// patientRoomPrefix starts every patient's own room.
const patientRoomPrefix = "patient_"

// displayRoomPrefix starts the room of a display that follows one line.
const displayRoomPrefix = "display_"

// DisplayRoom returns the room of the displays that follow one line:
// "display_<line>". RoomDisplay gets every line's.
func DisplayRoom(line string) string { return displayRoomPrefix + line }

// Shard returns the broker shard (realtime.Batch.Shard) of a line's events:
// the line itself, for now. When lines belong to clinics it becomes the
// line's clinic — the one place to change, with the callers of Hub.Follow.
func Shard(line string) string { return line }

// PatientRoom returns the room of one patient: "patient_<id>".
func PatientRoom(patientID string) string { return patientRoomPrefix + patientID }

// ValidRoom reports whether room is one a message can be addressed to: a
// shared room, or the room of a well-formed patient id.
func ValidRoom(room string) bool {
	switch room {
	case RoomPatients, RoomStaff, RoomDisplay:
		return true
	}
	if line, found := strings.CutPrefix(room, displayRoomPrefix); found {
		return queue.ValidSlug(line)
	}
	id, found := strings.CutPrefix(room, patientRoomPrefix)
	return found && queue.ValidID(id)
}

// Server → client event names (docs/events.md), the answers to a client's room
// requests, and the admin's test_message.
const (
	NewPatient     = "new_patient"
	QueueUpdate    = "queue_update"
	QueueRefresh   = "queue_refresh"
	PositionUpdate = "position_update"
	PatientCalled  = "patient_called"
	GetReady       = "get_ready"
	TestMessage    = "test_message"
	RoomJoined     = "room-joined"
	RoomLeft       = "room-left"
	Error          = "error"
)

// Client → server events (docs/events.md).
const (
	JoinPatientRoom  = "join-patient-room"
	JoinPatientsRoom = "join-patients-room"
	JoinStaffRoom    = "join-staff-room"
	JoinDisplayRoom  = "join-display-room"
	LeaveRoom        = "leave-room"
)

// updateType is the queue_update type of a change.
func updateType(k queue.ChangeKind) string {
	switch k {
	case queue.ChangeCheckedIn:
		return "position_change"
	case queue.ChangeCalled, queue.ChangeRecalled:
		return "patient_called"
	case queue.ChangeCompleted:
		return "patient_completed"
	case queue.ChangeNoShow:
		return "patient_no_show"
	case queue.ChangeCancelled:
		return "patient_cancelled"
	case queue.ChangeTransferred:
		return "patient_transferred"
	case queue.ChangeReordered:
		return "position_change"
	case queue.ChangeLineUpdated:
		return "line_updated"
	case queue.ChangeArrived:
		return "patient_arrived"
	}
	return ""
}

// DisplayRooms returns the rooms a display joins to follow lines (valid
// slugs; none: every line) and the broker shards their events come from.
func DisplayRooms(lines []string) (rooms, shards []string) {
	if len(lines) == 0 {
		return []string{RoomDisplay}, []string{realtime.AllShards}
	}
	for _, l := range lines {
		rooms = append(rooms, DisplayRoom(l))
		shards = append(shards, Shard(l))
	}
	return rooms, shards
}

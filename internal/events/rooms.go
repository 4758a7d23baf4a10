package events

import (
	"slices"
	"strings"

	"smartwait/internal/queue"
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

// A clinic's shared rooms. The default clinic (clinic "", as
// queue.Queue.ClinicSlug names it) keeps today's names — RoomStaff,
// RoomDisplay, RoomPatients — so a one-clinic deployment's clients see no
// change; another clinic's carry its slug after clinicSep: "staff@north".
// Line rooms (display_<line>) and patient rooms need no clinic: line slugs
// and patient ids are unique in the deployment.
const clinicSep = "@"

// ClinicRoom returns clinic's copy of the shared room (RoomStaff, RoomDisplay
// or RoomPatients): room itself for the default clinic (""), else
// "<room>@<clinic>".
func ClinicRoom(room, clinic string) string {
	if clinic == "" {
		return room
	}
	return room + clinicSep + clinic
}

// DefaultShard is the broker shard of the default clinic's events. It must
// not be "" (a batch with no shard goes to every instance); it is the
// default clinic's slug in a new deployment. Should the default clinic be
// renamed and another clinic take the slug "main", the two share a Redis
// channel: each instance then receives both clinics' batches, which costs
// traffic but delivers nothing wrong (the rooms tell them apart).
const DefaultShard = "main"

// Shard returns the broker shard (realtime.Batch.Shard) of a clinic's events
// (clinic as queue.Queue.ClinicSlug names it: "" for the default clinic):
// the clinic's slug, or DefaultShard. Every room carries the events of one
// clinic only, so a subscriber follows the shard of the clinic it joined.
func Shard(clinic string) string {
	if clinic == "" {
		return DefaultShard
	}
	return clinic
}

// PatientRoom returns the room of one patient: "patient_<id>".
func PatientRoom(patientID string) string { return patientRoomPrefix + patientID }

// ValidRoom reports whether room is one a message can be addressed to: a
// shared room (of the default clinic, or "<room>@<clinic slug>"), a line's
// display room, or the room of a well-formed patient id.
func ValidRoom(room string) bool {
	base, clinic, named := strings.Cut(room, clinicSep)
	switch base {
	case RoomPatients, RoomStaff, RoomDisplay:
		return !named || queue.ValidSlug(clinic)
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

// DisplayRooms returns the rooms a display joins and the broker shards their
// events come from. With no lines it is clinic's display room (every line of
// the clinic). With lines (valid slugs) it is each line's room, and the
// shards of their clinics: clinics maps a line to its clinic
// (queue.Service.LineClinics); a line missing from it (there is no such line
// yet) adds no shard.
func DisplayRooms(clinic string, lines []string, clinics map[string]string) (rooms, shards []string) {
	if len(lines) == 0 {
		return []string{ClinicRoom(RoomDisplay, clinic)}, []string{Shard(clinic)}
	}
	for _, l := range lines {
		rooms = append(rooms, DisplayRoom(l))
		if c, ok := clinics[l]; ok && !slices.Contains(shards, Shard(c)) {
			shards = append(shards, Shard(c))
		}
	}
	return rooms, shards
}

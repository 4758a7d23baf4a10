package events

import (
	"time"

	"smartwait/internal/queue"
	"smartwait/internal/realtime"
)

// The snapshots a subscriber gets when it cannot resume from the replay ring:
// the audience's current state as the same events a live change would send.
// Each is one message whose id is the bare version ("17", or "<queue>:17"):
// "everything up to this version", so resuming from it replays only later
// batches.

// PatientSnapshot is a patient's position_update for the state st, read at now.
// It is built by the same function as the live position_update, so a patient
// gets the same fields (estimatedWaitLow/High included) either way.
func PatientSnapshot(st queue.PatientStatus, now time.Time) realtime.Message {
	return snapshotMessage(PatientRoom(st.ID), PositionUpdate, st.QueueID, st.Version,
		positionUpdate(st.Entry, st.QueueLength, now, st.Version))
}

// StaffSnapshot is the staff's queue_refresh of the whole active queue
// (queue.Service.Queue's entries and version), read at now.
func StaffSnapshot(queueID string, entries []queue.Entry, version int64, now time.Time) realtime.Message {
	return snapshotMessage(RoomStaff, QueueRefresh, queueID, version, queueRefresh(entries, now, version, queueID))
}

// DisplaySnapshot is the display's queue_update of type "snapshot": how many
// wait and the ticket most recently called, and nothing that names a patient.
func DisplaySnapshot(queueID string, entries []queue.Entry, version int64, now time.Time) realtime.Message {
	pub := PublicUpdate{Type: "snapshot", Timestamp: Time(now), Version: version, Line: queueID}
	var last time.Time
	for _, e := range entries {
		switch e.Status {
		case queue.StatusWaiting:
			pub.QueueLength++
		case queue.StatusCalled:
			if !e.CalledAt.Before(last) {
				last, pub.NowServing = e.CalledAt, e.Number
			}
		}
	}
	return snapshotMessage(RoomDisplay, QueueUpdate, queueID, version, pub)
}

// snapshotMessage is a message whose id ("<version>") means "everything up to
// this version", so resuming from it replays only later batches.
func snapshotMessage(room, event, stream string, version int64, data any) realtime.Message {
	b := realtime.Batch{Stream: stream, Version: version}
	b.Add(room, event, data)
	m := b.Messages[0]
	m.ID = realtime.FormatID(stream, version, 0)
	m.Stream, m.Version = stream, version
	return m
}

// LineSnapshot builds one line's snapshot from its active queue: StaffSnapshot,
// DisplaySnapshot or PatientsSnapshot.
type LineSnapshot func(queueID string, entries []queue.Entry, version int64, now time.Time) realtime.Message

// LineSnapshots is build's snapshot of each line of queues (as
// queue.Service.Queues reads them: the lines of one clinic, or the lines a
// display names), in their order, addressed to clinic's copy of the room
// build addresses (ClinicRoom; clinic "" is the default clinic): what SSE and
// Socket.IO send a subscriber of a room that carries several lines.
func LineSnapshots(clinic string, queues []queue.LineQueue, build LineSnapshot, now time.Time) []realtime.Message {
	out := make([]realtime.Message, 0, len(queues))
	for _, q := range queues {
		m := build(q.Line, q.Entries, q.Version, now)
		m.Room = ClinicRoom(m.Room, clinic)
		out = append(out, m)
	}
	return out
}

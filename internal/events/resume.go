package events

import (
	"time"

	"smartwait/internal/queue"
	"smartwait/internal/realtime"
)

// JoinedResumed is the answer to a join that carried since: room-joined
// {room, resumed}.
func JoinedResumed(room string, resumed bool) RoomAnswer {
	return RoomAnswer{Room: room, Resumed: &resumed}
}

// PatientsSnapshot is the patients room's queue_update of type "snapshot" for
// one line: the display's snapshot (queue-level facts only, never a patient's
// id), addressed to the patients room, for a Socket.IO client that joins it
// and cannot resume.
func PatientsSnapshot(queueID string, entries []queue.Entry, version int64, now time.Time) realtime.Message {
	m := DisplaySnapshot(queueID, entries, version, now)
	m.Room = RoomPatients
	return m
}

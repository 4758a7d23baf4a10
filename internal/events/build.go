package events

import (
	"time"

	"smartwait/internal/queue"
	"smartwait/internal/realtime"
)

// Batch builds the events of one committed change, in the order clients
// receive them: staff first, then each patient's own room, then the patients
// room and the display. The personal events go before the broadcast so that,
// with thousands of sockets in the patients room, a patient's position_update
// is not queued behind everyone's queue_update. Every payload's timestamp is
// the change's time and its version the queue's version after it, so every
// instance builds the same batch.
func Batch(c queue.Change) realtime.Batch {
	b := realtime.Batch{Stream: c.QueueID, Version: c.Version}
	b.Messages = make([]realtime.Message, 0, len(c.Moved)+len(c.Ready)+8)
	at, t := Time(c.At), c.Ticket
	typ := updateType(c.Kind)

	if c.Kind == queue.ChangeCheckedIn {
		b.Add(RoomStaff, NewPatient, NewPatientEvent{
			Type: NewPatient, Timestamp: at, Version: c.Version,
			Patient: NewPatientView{
				ID: t.ID, Name: t.Name, Phone: t.Phone, Position: t.Position,
				EstimatedWait: t.EstimatedWait, CheckInTime: Time(t.CheckInTime),
				TicketNumber: t.Number, AppointmentTime: t.AppointmentTime,
			},
		})
	}
	su := StaffUpdate{
		Type: typ, PatientID: t.ID, TicketNumber: t.Number, Status: string(t.Status),
		Room: t.Room, Recall: c.Kind == queue.ChangeRecalled,
		QueueLength: c.Waiting, NowServing: c.NowServing, Timestamp: at, Version: c.Version,
	}
	if c.Kind == queue.ChangeCheckedIn {
		su.NewPosition, su.EstimatedWait = &t.Position, &t.EstimatedWait
	}
	b.Add(RoomStaff, QueueUpdate, su)
	if c.Entries != nil && (c.Kind == queue.ChangeCompleted || c.Kind == queue.ChangeNoShow || c.Kind == queue.ChangeCancelled) {
		b.Add(RoomStaff, QueueRefresh, queueRefresh(c.Entries, c.At, c.Version))
	}

	if c.Kind == queue.ChangeCalled || c.Kind == queue.ChangeRecalled {
		b.Add(PatientRoom(t.ID), PatientCalled, PatientCalledEvent{
			Type: PatientCalled, Message: queue.CalledMessage(t.Ticket), Room: t.Room,
			TicketNumber: t.Number, Timestamp: at, Version: c.Version,
		})
	}
	// A ticket that left the queue is no longer in Moved, but its status changed.
	if !t.Status.Active() {
		b.Add(PatientRoom(t.ID), PositionUpdate, positionUpdate(t, c.Waiting, c.At, c.Version))
	}
	// Each payload has a buffer of its own: one buffer for all of them was
	// measured slower (a large object per call-next, zeroed and scavenged).
	for _, e := range c.Moved {
		pu := positionUpdate(e, c.Waiting, c.At, c.Version)
		b.AddJSON(PatientRoom(e.ID), PositionUpdate, pu.AppendJSON(make([]byte, 0, positionUpdateSize)))
	}
	for _, e := range c.Ready {
		b.Add(PatientRoom(e.ID), GetReady, GetReadyEvent{
			Type: GetReady, Message: queue.GetReadyMessage(e), Position: e.Position,
			EstimatedWait: e.EstimatedWait, EstimatedWaitLow: e.EstimatedWaitLow, EstimatedWaitHigh: e.EstimatedWaitHigh,
			TicketNumber: e.Number, Timestamp: at, Version: c.Version,
		})
	}
	pub := PublicUpdate{Type: typ, QueueLength: c.Waiting, NowServing: c.NowServing, Timestamp: at, Version: c.Version}
	b.Add(RoomPatients, QueueUpdate, pub)
	b.Add(RoomDisplay, QueueUpdate, pub)
	return b
}

// positionUpdateSize is about the length of a position_update's JSON.
const positionUpdateSize = 300

// positionUpdate is the one builder of position_update, for live events and
// snapshots alike, so the two cannot drift apart.
func positionUpdate(e queue.Entry, queueLength int, at time.Time, version int64) PositionUpdateEvent {
	return PositionUpdateEvent{
		Type: PositionUpdate, PatientID: e.ID, Position: e.Position,
		EstimatedWait: e.EstimatedWait, EstimatedWaitLow: e.EstimatedWaitLow, EstimatedWaitHigh: e.EstimatedWaitHigh,
		Status: string(e.Status), TicketNumber: e.Number,
		QueueLength: queueLength, Timestamp: Time(at), Version: version,
	}
}

// queueRefresh is the one builder of queue_refresh (live and snapshot).
func queueRefresh(entries []queue.Entry, at time.Time, version int64) QueueRefreshEvent {
	return QueueRefreshEvent{Type: QueueRefresh, Data: NewQueueEntries(entries, at), Timestamp: Time(at), Version: version}
}

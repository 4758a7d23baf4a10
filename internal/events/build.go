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
	// The batch's shard is its line's clinic: an instance receives it when
	// its clients follow that clinic. The replay buffer stays per line
	// (Stream). The shared rooms are the clinic's (ClinicRoom): the default
	// clinic's are today's "staff", "patients" and "display".
	b := realtime.Batch{Shard: Shard(c.ClinicSlug), Stream: c.QueueID, Version: c.Version}
	line := c.QueueID
	staff := ClinicRoom(RoomStaff, c.ClinicSlug)
	b.Messages = make([]realtime.Message, 0, len(c.Moved)+len(c.Ready)+8)
	at, t := Time(c.At), c.Ticket
	typ := updateType(c.Kind)

	if c.Kind == queue.ChangeCheckedIn {
		b.Add(staff, NewPatient, NewPatientEvent{
			Type: NewPatient, Timestamp: at, Version: c.Version, Line: line, TransferredFrom: c.From,
			Patient: NewPatientView{
				ID: t.ID, Name: t.Name, Phone: t.Phone, Position: t.Position,
				EstimatedWait: t.EstimatedWait, CheckInTime: Time(t.CheckInTime),
				TicketNumber: t.Number, AppointmentTime: t.AppointmentTime,
				Urgent: t.Urgent, DueAt: Time(t.DueAt),
			},
		})
	}
	su := StaffUpdate{
		Type: typ, PatientID: t.ID, TicketNumber: t.Number, Status: string(t.Status),
		Room: t.Room, Recall: c.Kind == queue.ChangeRecalled,
		QueueLength: c.Waiting, NowServing: c.NowServing, Timestamp: at, Version: c.Version, Line: line,
	}
	if c.Kind == queue.ChangeCheckedIn {
		su.NewPosition, su.EstimatedWait = &t.Position, &t.EstimatedWait
	}
	if c.Kind == queue.ChangeLineUpdated {
		// A line's new settings or rooms concern no one patient: the staff get
		// the queue-level update (and the line's queue_refresh below).
		b.Add(staff, QueueUpdate, PublicUpdate{Type: typ, QueueLength: c.Waiting, NowServing: c.NowServing, Timestamp: at, Version: c.Version, Line: line})
	} else {
		b.Add(staff, QueueUpdate, su)
	}
	// A change that moves others (but a call, where everyone moves up one) sends
	// the staff the whole line again: a check-in that lands among the waiting (a
	// booked patient), a reorder, a transfer, a line's new settings.
	if c.Entries != nil && c.Kind != queue.ChangeCalled {
		b.Add(staff, QueueRefresh, queueRefresh(c.Entries, c.At, c.Version, line))
	}

	if c.Kind == queue.ChangeCalled || c.Kind == queue.ChangeRecalled {
		b.Add(PatientRoom(t.ID), PatientCalled, PatientCalledEvent{
			Type: PatientCalled, Message: queue.CalledMessage(t.Ticket), Room: t.Room,
			TicketNumber: t.Number, Timestamp: at, Version: c.Version, Line: line,
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
			TicketNumber: e.Number, Timestamp: at, Version: c.Version, Line: line,
		})
	}
	pub := PublicUpdate{Type: typ, QueueLength: c.Waiting, NowServing: c.NowServing, Timestamp: at, Version: c.Version, Line: line}
	b.AddJSON(ClinicRoom(RoomPatients, c.ClinicSlug), QueueUpdate, pub.AppendJSON(make([]byte, 0, 160)))
	// The display rooms' payload is the same for both of them.
	disp := DisplayUpdate{PublicUpdate: pub, TypicalWait: c.TypicalWait}
	switch c.Kind {
	case queue.ChangeCalled, queue.ChangeRecalled:
		disp.TicketNumber, disp.Room = t.Number, t.Room
	case queue.ChangeCompleted, queue.ChangeNoShow, queue.ChangeCancelled, queue.ChangeTransferred:
		disp.TicketNumber = t.Number
	}
	raw := disp.AppendJSON(make([]byte, 0, 200))
	b.AddJSON(ClinicRoom(RoomDisplay, c.ClinicSlug), QueueUpdate, raw)
	b.AddJSON(DisplayRoom(line), QueueUpdate, raw)
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
		QueueLength: queueLength, Timestamp: Time(at), Version: version, Line: e.QueueID,
	}
}

// queueRefresh is the one builder of queue_refresh (live and snapshot).
func queueRefresh(entries []queue.Entry, at time.Time, version int64, line string) QueueRefreshEvent {
	return QueueRefreshEvent{Type: QueueRefresh, Data: NewQueueEntries(entries, at), Timestamp: Time(at), Version: version, Line: line}
}

package web

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"smartwait/internal/queue"
	"smartwait/internal/realtime"
)

// The real-time events of docs/events.md, built from each committed queue.Change.
// Staff get everything; the patients room and the display get queue-level facts
// only (never a patient id, name or phone); each patient's own room gets that
// patient's position, call and get-ready notices.

// Events publishes the contract's real-time events for every committed change. It
// implements queue.Publisher: Publish builds one realtime.Batch per Change and
// hands it to the broker, never blocking and never failing the operation.
type Events struct {
	Broker realtime.Broker
	Log    *slog.Logger // nil: slog.Default()
}

var _ queue.Publisher = (*Events)(nil)

// Publish implements queue.Publisher.
func (ev *Events) Publish(c queue.Change) {
	log := ev.Log
	if log == nil {
		log = slog.Default()
	}
	start := time.Now()
	b := ChangeBatch(c)
	built := time.Since(start)
	if err := ev.Broker.Publish(b); err != nil {
		// Clients notice the version gap and fetch state again.
		log.Warn("realtime: publish failed", "queue", c.QueueID, "version", c.Version, "err", err)
		return
	}
	log.Debug("realtime: published", "queue", c.QueueID, "version", c.Version, "messages", len(b.Messages),
		"build", built, "publish", time.Since(start)-built)
}

// Event names (docs/events.md; schemas in api/events/), and the test_message of the admin test endpoint.
const (
	EventNewPatient     = "new_patient"
	EventQueueUpdate    = "queue_update"
	EventQueueRefresh   = "queue_refresh"
	EventPositionUpdate = "position_update"
	EventPatientCalled  = "patient_called"
	EventGetReady       = "get_ready"
	EventTestMessage    = "test_message"
)

// The queue_update types, by change.
var updateTypes = map[queue.ChangeKind]string{
	queue.ChangeCheckedIn: "position_change",
	queue.ChangeCalled:    "patient_called",
	queue.ChangeRecalled:  "patient_called",
	queue.ChangeCompleted: "patient_completed",
	queue.ChangeNoShow:    "patient_no_show",
	queue.ChangeCancelled: "patient_cancelled",
}

// newPatientEvent is new_patient, for staff.
type newPatientEvent struct {
	Type      string         `json:"type"`
	Patient   newPatientView `json:"patient"`
	Timestamp jsonTime       `json:"timestamp"`
	Version   int64          `json:"version"`
}

type newPatientView struct {
	ID              string   `json:"id"`
	Name            string   `json:"name"`
	Phone           string   `json:"phone"`
	Position        int      `json:"position"`
	EstimatedWait   int      `json:"estimatedWait"`
	CheckInTime     jsonTime `json:"checkInTime"`
	TicketNumber    string   `json:"ticketNumber"`
	AppointmentTime string   `json:"appointmentTime"`
}

// staffUpdate is queue_update for staff: it names the patient.
type staffUpdate struct {
	Type          string   `json:"type"`
	PatientID     string   `json:"patientId"`
	NewPosition   *int     `json:"newPosition,omitempty"`
	EstimatedWait *int     `json:"estimatedWait,omitempty"`
	TicketNumber  string   `json:"ticketNumber"`
	Status        string   `json:"status"`
	Room          string   `json:"room,omitempty"`
	Recall        bool     `json:"recall,omitempty"`
	QueueLength   int      `json:"queueLength"`
	NowServing    string   `json:"nowServing,omitempty"`
	Timestamp     jsonTime `json:"timestamp"`
	Version       int64    `json:"version"`
}

// PublicUpdate is queue_update for the patients room and the display: queue-level
// facts only. It is the whole payload; nothing that names a patient may be added.
type PublicUpdate struct {
	Type        string   `json:"type"`
	QueueLength int      `json:"queueLength"`          // waiting tickets
	NowServing  string   `json:"nowServing,omitempty"` // ticket number of the latest call
	Timestamp   jsonTime `json:"timestamp"`
	Version     int64    `json:"version"`
}

// queueRefresh is queue_refresh, for staff.
type queueRefresh struct {
	Type      string       `json:"type"`
	Data      []QueueEntry `json:"data"`
	Timestamp jsonTime     `json:"timestamp"`
	Version   int64        `json:"version"`
}

// PositionUpdate is position_update, for one patient's room. EstimatedWaitLow and
// EstimatedWaitHigh (additions) are the range the wait will likely fall in.
type PositionUpdate struct {
	Type              string   `json:"type"`
	PatientID         string   `json:"patientId"`
	Position          int      `json:"position"`
	EstimatedWait     int      `json:"estimatedWait"`
	EstimatedWaitLow  int      `json:"estimatedWaitLow"`
	EstimatedWaitHigh int      `json:"estimatedWaitHigh"`
	Status            string   `json:"status"`
	TicketNumber      string   `json:"ticketNumber"`
	QueueLength       int      `json:"queueLength"`
	Timestamp         jsonTime `json:"timestamp"`
	Version           int64    `json:"version"`
}

// patientCalled is patient_called, for the called patient's room.
type patientCalled struct {
	Type         string   `json:"type"`
	Message      string   `json:"message"`
	Room         string   `json:"room,omitempty"`
	TicketNumber string   `json:"ticketNumber"`
	Timestamp    jsonTime `json:"timestamp"`
	Version      int64    `json:"version"`
}

// getReady is get_ready, for a patient's room.
type getReady struct {
	Type              string   `json:"type"`
	Message           string   `json:"message"`
	Position          int      `json:"position"`
	EstimatedWait     int      `json:"estimatedWait"`
	EstimatedWaitLow  int      `json:"estimatedWaitLow"`
	EstimatedWaitHigh int      `json:"estimatedWaitHigh"`
	TicketNumber      string   `json:"ticketNumber"`
	Timestamp         jsonTime `json:"timestamp"`
	Version           int64    `json:"version"`
}

// ChangeBatch builds the events of one committed change, in the order clients
// receive them: staff first, then each patient's own room, then the patients
// room and the display. The personal events go before the broadcast so that,
// with thousands of sockets in the patients room, a patient's position_update
// is not queued behind everyone's queue_update. Every payload's timestamp is the change's time and its
// version the queue's version after it, so every instance builds the same batch.
func ChangeBatch(c queue.Change) realtime.Batch {
	b := realtime.Batch{Stream: c.QueueID, Version: c.Version}
	at, t := jsonTime(c.At), c.Ticket
	typ := updateTypes[c.Kind]

	if c.Kind == queue.ChangeCheckedIn {
		b.Add(realtime.RoomStaff, EventNewPatient, newPatientEvent{
			Type: EventNewPatient, Timestamp: at, Version: c.Version,
			Patient: newPatientView{
				ID: t.ID, Name: t.Name, Phone: t.Phone, Position: t.Position,
				EstimatedWait: t.EstimatedWait, CheckInTime: jsonTime(t.CheckInTime),
				TicketNumber: t.Number, AppointmentTime: t.AppointmentTime,
			},
		})
	}
	su := staffUpdate{
		Type: typ, PatientID: t.ID, TicketNumber: t.Number, Status: string(t.Status),
		Room: t.Room, Recall: c.Kind == queue.ChangeRecalled,
		QueueLength: c.Waiting, NowServing: c.NowServing, Timestamp: at, Version: c.Version,
	}
	if c.Kind == queue.ChangeCheckedIn {
		su.NewPosition, su.EstimatedWait = &t.Position, &t.EstimatedWait
	}
	b.Add(realtime.RoomStaff, EventQueueUpdate, su)
	if c.Entries != nil && (c.Kind == queue.ChangeCompleted || c.Kind == queue.ChangeNoShow || c.Kind == queue.ChangeCancelled) {
		entries := make([]QueueEntry, len(c.Entries))
		for i, e := range c.Entries {
			entries[i] = NewQueueEntry(e, c.At)
		}
		b.Add(realtime.RoomStaff, EventQueueRefresh, queueRefresh{
			Type: EventQueueRefresh, Data: entries, Timestamp: at, Version: c.Version})
	}

	if c.Kind == queue.ChangeCalled || c.Kind == queue.ChangeRecalled {
		b.Add(realtime.PatientRoom(t.ID), EventPatientCalled, patientCalled{
			Type: EventPatientCalled, Message: calledMessage(t.Ticket), Room: t.Room,
			TicketNumber: t.Number, Timestamp: at, Version: c.Version,
		})
	}
	position := func(e queue.Entry) {
		b.Add(realtime.PatientRoom(e.ID), EventPositionUpdate, PositionUpdate{
			Type: EventPositionUpdate, PatientID: e.ID, Position: e.Position,
			EstimatedWait: e.EstimatedWait, EstimatedWaitLow: e.EstimatedWaitLow, EstimatedWaitHigh: e.EstimatedWaitHigh,
			Status: string(e.Status), TicketNumber: e.Number,
			QueueLength: c.Waiting, Timestamp: at, Version: c.Version,
		})
	}
	// A ticket that left the queue is no longer in Moved, but its status changed.
	if !t.Status.Active() {
		position(t)
	}
	for _, e := range c.Moved {
		position(e)
	}
	for _, e := range c.Ready {
		b.Add(realtime.PatientRoom(e.ID), EventGetReady, getReady{
			Type: EventGetReady, Message: getReadyMessage(e), Position: e.Position,
			EstimatedWait: e.EstimatedWait, EstimatedWaitLow: e.EstimatedWaitLow, EstimatedWaitHigh: e.EstimatedWaitHigh,
			TicketNumber: e.Number, Timestamp: at, Version: c.Version,
		})
	}
	pub := PublicUpdate{Type: typ, QueueLength: c.Waiting, NowServing: c.NowServing, Timestamp: at, Version: c.Version}
	b.Add(realtime.RoomPatients, EventQueueUpdate, pub)
	b.Add(realtime.RoomDisplay, EventQueueUpdate, pub)
	return b
}

func calledMessage(t queue.Ticket) string {
	return fmt.Sprintf("It's your turn! Ticket %s, please come to %s now.", t.Number, where(t.Room))
}

func getReadyMessage(e queue.Entry) string {
	return fmt.Sprintf("Please get ready: you're number %d in line (ticket %s), about %d min. Please come back to the waiting room.",
		e.Position, e.Number, e.EstimatedWait)
}

// where names the room a patient is called to, as the SMS does.
func where(room string) string {
	room = strings.TrimSpace(room)
	if room == "" {
		return "the front desk"
	}
	if r := strings.ToLower(room); strings.HasPrefix(r, "room") || strings.HasPrefix(r, "desk") {
		return room
	}
	return "room " + room
}

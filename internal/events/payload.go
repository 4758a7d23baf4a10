package events

import (
	"time"

	"smartwait/internal/queue"
)

// The payloads of docs/events.md (schemas in api/events/). Field names are the contract's; the extra
// fields (version everywhere, ticketNumber, queueLength, appointmentTime,
// status/room/recall in staff updates, estimatedWaitLow/High) are additions
// clients may ignore.

// Time marshals as RFC 3339 UTC with milliseconds (the contract's timestamp
// format, TimeFormat), and a zero time as null.
type Time time.Time

// TimeFormat is the contract's timestamp format.
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

// MarshalJSON implements json.Marshaler.
func (t Time) MarshalJSON() ([]byte, error) {
	tt := time.Time(t)
	if tt.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + tt.UTC().Format(TimeFormat) + `"`), nil
}

// IsZero lets `omitzero` leave out unset optional timestamps.
func (t Time) IsZero() bool { return time.Time(t).IsZero() }

// NewPatientEvent is new_patient, for staff.
type NewPatientEvent struct {
	Type      string         `json:"type"`
	Patient   NewPatientView `json:"patient"`
	Timestamp Time           `json:"timestamp"`
	Version   int64          `json:"version"`
	Line      string         `json:"line"`
	// TransferredFrom names the line a transferred patient left.
	TransferredFrom string `json:"transferredFrom,omitempty"`
}

// NewPatientView is the patient inside new_patient.
type NewPatientView struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	Phone           string `json:"phone"`
	Position        int    `json:"position"`
	EstimatedWait   int    `json:"estimatedWait"`
	CheckInTime     Time   `json:"checkInTime"`
	TicketNumber    string `json:"ticketNumber"`
	AppointmentTime string `json:"appointmentTime"`
	Urgent          bool   `json:"urgent,omitempty"`
	DueAt           Time   `json:"dueAt,omitzero"`
}

// StaffUpdate is queue_update for staff: it names the patient.
type StaffUpdate struct {
	Type          string `json:"type"`
	PatientID     string `json:"patientId"`
	NewPosition   *int   `json:"newPosition,omitempty"`
	EstimatedWait *int   `json:"estimatedWait,omitempty"`
	TicketNumber  string `json:"ticketNumber"`
	Status        string `json:"status"`
	Room          string `json:"room,omitempty"`
	Recall        bool   `json:"recall,omitempty"`
	QueueLength   int    `json:"queueLength"`
	NowServing    string `json:"nowServing,omitempty"`
	Timestamp     Time   `json:"timestamp"`
	Version       int64  `json:"version"`
	Line          string `json:"line"`
}

// PublicUpdate is queue_update for the patients room and the display: queue-level
// facts only. It is the whole payload; nothing that names a patient may be added.
type PublicUpdate struct {
	Type        string `json:"type"`
	QueueLength int    `json:"queueLength"`          // waiting tickets
	NowServing  string `json:"nowServing,omitempty"` // ticket number of the latest call
	Timestamp   Time   `json:"timestamp"`
	Version     int64  `json:"version"` // the line's version: each line counts its own
	Line        string `json:"line"`
}

// DisplayUpdate is queue_update for the display rooms: the public update plus
// what the waiting-room TV shows of the change, so that it applies the event
// instead of re-reading GET /api/display — the ticket number the change is
// about when it is called or leaves the line, the room it is called to, and
// the line's typical wait for a new arrival. Ticket numbers and rooms are on
// the TV anyway; never a patient id, name or phone.
type DisplayUpdate struct {
	PublicUpdate
	TicketNumber string `json:"ticketNumber,omitempty"`
	Room         string `json:"room,omitempty"`
	TypicalWait  int    `json:"typicalWait"`
}

// QueueRefreshEvent is queue_refresh, for staff: the whole active queue.
type QueueRefreshEvent struct {
	Type      string       `json:"type"`
	Data      []QueueEntry `json:"data"`
	Timestamp Time         `json:"timestamp"`
	Version   int64        `json:"version"`
	Line      string       `json:"line"` // Data is this line's whole active queue
}

// PositionUpdateEvent is position_update, for one patient's room.
// EstimatedWaitLow and EstimatedWaitHigh (additions) are the range the wait
// will likely fall in.
type PositionUpdateEvent struct {
	Type              string `json:"type"`
	PatientID         string `json:"patientId"`
	Position          int    `json:"position"`
	EstimatedWait     int    `json:"estimatedWait"`
	EstimatedWaitLow  int    `json:"estimatedWaitLow"`
	EstimatedWaitHigh int    `json:"estimatedWaitHigh"`
	Status            string `json:"status"`
	TicketNumber      string `json:"ticketNumber"`
	QueueLength       int    `json:"queueLength"`
	Timestamp         Time   `json:"timestamp"`
	Version           int64  `json:"version"`
	Line              string `json:"line"`
}

// PatientCalledEvent is patient_called, for the called patient's room.
type PatientCalledEvent struct {
	Type         string `json:"type"`
	Message      string `json:"message"`
	Room         string `json:"room,omitempty"`
	TicketNumber string `json:"ticketNumber"`
	Timestamp    Time   `json:"timestamp"`
	Version      int64  `json:"version"`
	Line         string `json:"line"`
}

// GetReadyEvent is get_ready, for a patient's room.
type GetReadyEvent struct {
	Type              string `json:"type"`
	Message           string `json:"message"`
	Position          int    `json:"position"`
	EstimatedWait     int    `json:"estimatedWait"`
	EstimatedWaitLow  int    `json:"estimatedWaitLow"`
	EstimatedWaitHigh int    `json:"estimatedWaitHigh"`
	TicketNumber      string `json:"ticketNumber"`
	Timestamp         Time   `json:"timestamp"`
	Version           int64  `json:"version"`
	Line              string `json:"line"`
}

// TestMessageEvent is test_message, the seed's real-time test feature.
type TestMessageEvent struct {
	Type      string `json:"type"`
	Message   string `json:"message"`
	Room      string `json:"room"`
	Timestamp Time   `json:"timestamp"`
}

// RoomAnswer is the payload of room-joined and room-left.
type RoomAnswer struct {
	Room string `json:"room"`
	// Resumed answers a join that carried since: true when every line the
	// room carries was replayed from the versions named, false when a
	// snapshot was sent for some. Absent for a join without since.
	Resumed *bool `json:"resumed,omitempty"`
}

// ErrorAnswer is the payload of the error event a refused room request gets.
type ErrorAnswer struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// QueueEntry is the staff's view of one active ticket (docs/api.md; QueueEntry in api/openapi.yaml): the rows
// of GET /api/staff/queue and of queue_refresh.
type QueueEntry struct {
	ID                   string      `json:"id"`
	PatientID            string      `json:"patientId"`
	Patient              PatientView `json:"patient"`
	TicketNumber         string      `json:"ticketNumber"`
	Position             int         `json:"position"`
	Status               string      `json:"status"`
	CheckInTime          Time        `json:"checkInTime"`
	AppointmentTime      string      `json:"appointmentTime"`
	EstimatedWaitMinutes int         `json:"estimatedWaitMinutes"`
	CalledAt             Time        `json:"calledAt"`
	CompletedAt          Time        `json:"completedAt"`
	WaitingMinutes       int         `json:"waitingMinutes"`
	Room                 string      `json:"room,omitempty"`
	Line                 string      `json:"line"`
	Urgent               bool        `json:"urgent,omitempty"`
	DueAt                Time        `json:"dueAt,omitzero"`
	Language             string      `json:"language,omitempty"` // the patient's language, for the desk
	ArrivedAt            Time        `json:"arrivedAt,omitzero"` // when the patient texted HERE
}

// PatientView is the patient inside a QueueEntry; ID is the patient id and Phone
// is E.164.
type PatientView struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Phone     string `json:"phone"`
	CreatedAt Time   `json:"createdAt"`
}

// NewQueueEntry presents e as the contract's QueueEntry at time now.
// WaitingMinutes counts from check-in until now, or until the call once called.
func NewQueueEntry(e queue.Entry, now time.Time) QueueEntry {
	until := now
	if !e.CalledAt.IsZero() {
		until = e.CalledAt
	}
	return QueueEntry{
		ID: e.ID, PatientID: e.ID,
		Patient:      PatientView{ID: e.ID, Name: e.Name, Phone: e.Phone, CreatedAt: Time(e.CheckInTime)},
		TicketNumber: e.Number, Position: e.Position, Status: string(e.Status),
		CheckInTime: Time(e.CheckInTime), AppointmentTime: e.AppointmentTime,
		EstimatedWaitMinutes: e.EstimatedWait,
		CalledAt:             Time(e.CalledAt), CompletedAt: Time(e.CompletedAt),
		WaitingMinutes: max(0, int(until.Sub(e.CheckInTime)/time.Minute)),
		Room:           e.Room,
		Line:           e.QueueID, Urgent: e.Urgent, DueAt: Time(e.DueAt), Language: e.Language, ArrivedAt: Time(e.ArrivedAt),
	}
}

// NewQueueEntries presents a whole active queue at time now.
func NewQueueEntries(entries []queue.Entry, now time.Time) []QueueEntry {
	out := make([]QueueEntry, len(entries))
	for i, e := range entries {
		out[i] = NewQueueEntry(e, now)
	}
	return out
}

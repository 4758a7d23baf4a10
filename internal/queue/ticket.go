package queue

import (
	"crypto/rand"
	"fmt"
	"time"
)

// Status is where a ticket stands in its visit.
type Status string

// The statuses of a ticket. Only StatusWaiting and StatusCalled are active.
const (
	StatusWaiting   Status = "waiting"
	StatusCalled    Status = "called"
	StatusCompleted Status = "completed"
	StatusNoShow    Status = "no_show"
	StatusCancelled Status = "cancelled"
)

// Active reports whether a ticket in this status is still in the queue.
func (s Status) Active() bool { return s == StatusWaiting || s == StatusCalled }

// DefaultQueueID is the id of the queue every deployment starts with.
const DefaultQueueID = "default"

// Queue is one line of patients (docs/lines.md); ID is the line's slug. Version
// grows by one with every committed mutation of the queue, so clients can detect
// missed events. ServiceTime is the learned per-visit service time (0 until the
// queue has enough completed visits). The rest are the line's settings, which
// Tx.UpdateQueue leaves alone and Tx.SaveQueue writes.
type Queue struct {
	ID          string
	Name        string
	Prefix      string // ticket number prefix, "A" for the default queue
	Version     int64
	ServiceTime time.Duration

	Open     bool // taking patients; a closed line refuses remote check-ins
	Public   bool // patients may pick it at check-in; else staff-only (e.g. after triage)
	Position int  // display order among the lines
	// VisitPrior is the visit length assumed before the line has history; 0: the
	// deployment's (SMARTWAIT_SERVICE_MINUTES).
	VisitPrior time.Duration
	// GetReady is the position at which a ticket becomes ready; 0: the
	// deployment's (SMARTWAIT_GET_READY_POSITION).
	GetReady int
	// Appointments makes the line order booked patients by their appointment
	// (docs/lines.md): one who checks in no later than Grace after it is due at
	// it. Off, every patient is due at check-in and appointment times are notes —
	// the default line of an upgraded clinic keeps first come, first served.
	Appointments bool
	// Grace is how late after their appointment a booked patient may arrive and
	// still be due at the appointment time.
	Grace time.Duration
	Hours Hours // opening hours in the clinic's time zone; unset: always
	// ServingRooms counts the rooms that serve the line and OpenRooms the open
	// ones among them; the Service keeps both up to date whenever a room changes,
	// so that an estimate needs no read of the rooms.
	ServingRooms, OpenRooms int
	// Clinic is the clinic the line belongs to. Stores write only Clinic.ID (0:
	// DefaultClinicID) and fill in the whole clinic when they read the line,
	// except for the default clinic, which reads as the zero Clinic but its
	// Slug: its name, time zone and sender are the deployment's settings
	// (SMARTWAIT_CLINIC_NAME, SMARTWAIT_TIMEZONE, TWILIO_FROM_NUMBER), as before
	// clinics; its slug is what the API names it by ("main"). Room names and
	// URLs use ClinicSlug, which is "" for the default clinic.
	Clinic Clinic
}

// Ticket is one stay of one patient in a queue. The ticket's ID is the patient id:
// a random UUIDv4 that works as the patient's key (see docs/api.md, Words).
type Ticket struct {
	ID              string // patientId
	QueueID         string
	Seq             int64  // order key within the queue (OrderKey): urgent, due time, check-in
	Number          string // human ticket number for the day, "A-001"
	Day             string // clinic-local date of check-in, "2026-11-28"
	Name            string
	Phone           string // E.164
	AppointmentTime string
	Status          Status
	Room            string // where a called patient should go
	CheckInTime     time.Time
	CalledAt        time.Time // zero until called
	CompletedAt     time.Time // zero until it left the active states
	QuotedWait      int       // minutes quoted at check-in, for estimate accuracy stats
	ReadyAt         time.Time // when the get-ready notice was caused; zero if not yet
	Urgent          bool      // staff marked the ticket urgent: it goes before the line's normal tickets
	// DueAt is when the ticket is due: the appointment time for a booked patient
	// who came in time, else the check-in (or transfer) time. With Urgent it
	// decides the order within the line (docs/lines.md).
	DueAt time.Time
	// Language is the language the patient checked in with ("es"): their texts
	// and the messages of their events are written in it. Empty on tickets from
	// before languages, which read as the deployment's default.
	Language string
	// ArrivedAt is when the patient texted HERE (docs/sms.md); zero until then.
	ArrivedAt time.Time
	// Delays is how often the patient texted LATE this visit (at most
	// MaxDelays): each put their due time later.
	Delays int
}

// TicketNumber formats the daily ticket number n with the queue prefix: "A-007".
func TicketNumber(prefix string, n int) string { return fmt.Sprintf("%s-%03d", prefix, n) }

// NewID returns a random UUIDv4 string.
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("queue: crypto/rand failed: " + err.Error()) // never happens on supported platforms
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// ValidID reports whether id has the shape of a UUID; anything else cannot name a
// patient and is answered as not found without touching storage.
func ValidID(id string) bool {
	if len(id) != 36 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
	}
	return true
}

// Finished is how a ticket left its line, as the estimator learns from it: its
// final status and how long it held a room, Held = CompletedAt − CalledAt (0
// when it was never called: cancelled while waiting, or completed from the
// list).
type Finished struct {
	Status Status
	Held   time.Duration
	// Room is the room it was called to ("" if none) and At when it finished:
	// which rooms are working now.
	Room string
	At   time.Time
	// CheckIn is when it checked in; WalkIn whether it was due then (not
	// booked for later) and Urgent whether it was marked urgent: the walk-ins
	// that overtake an early booked patient, the urgent patients who overtake
	// everyone.
	CheckIn time.Time
	WalkIn  bool
	Urgent  bool
}

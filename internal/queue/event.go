package queue

import "time"

// ChangeKind names the operation a Change records.
type ChangeKind string

// The operations that change a queue.
const (
	ChangeCheckedIn ChangeKind = "checked_in"
	ChangeCalled    ChangeKind = "called"
	ChangeRecalled  ChangeKind = "recalled"
	ChangeCompleted ChangeKind = "completed"
	ChangeNoShow    ChangeKind = "no_show"
	ChangeCancelled ChangeKind = "cancelled"
	// ChangeArrived: the patient texted HERE; nothing moves (inbound.go).
	ChangeArrived ChangeKind = "arrived"
	// ChangeTransferred: a ticket left this line for another (Change.Ticket is
	// the ticket in its new line); the other line gets a ChangeCheckedIn.
	ChangeTransferred ChangeKind = "transferred"
	// ChangeReordered: staff marked a ticket urgent (or not) or moved it.
	ChangeReordered ChangeKind = "reordered"
	// ChangeLineUpdated: the line's settings or its open rooms changed, and
	// with them the estimates.
	ChangeLineUpdated ChangeKind = "line_updated"
)

// Change is everything one committed mutation did to a queue, handed to the
// Publisher after the commit. The real-time transports turn it into the contract's
// events for each audience; it carries patient ids and names, so it must never be
// forwarded whole to a patient or the display.
type Change struct {
	Kind    ChangeKind
	QueueID string
	Version int64 // the queue's version after this change
	At      time.Time

	// Ticket is the ticket the operation acted on, after the change, with its
	// position and estimate (position 0 unless it is waiting).
	Ticket Entry
	// Moved lists every active ticket whose position, estimate or status changed,
	// in queue order, Ticket included when it is still active. It may share
	// its entries with Entries: neither is modified once the Change is made.
	Moved []Entry
	// Ready lists the tickets that became ready (docs/sms.md) with this change.
	Ready []Entry
	// Entries is the whole active queue after the change (called first, then
	// waiting), for the staff's queue_refresh. Nil for ChangeCheckedIn and
	// ChangeRecalled, which move nobody: a check-in joins at the end.
	Entries []Entry
	// Waiting and Called count the active tickets after the change.
	Waiting, Called int
	// NowServing is the ticket number of the most recently called ticket that is
	// still called, or "" when nobody is being served.
	NowServing string
	// TypicalWait is the line's wait for a new arrival after the change
	// (Service.TypicalWait), what the waiting-room display shows.
	TypicalWait int
	// From is the line a transferred ticket came from (ChangeCheckedIn of a
	// transfer), "" for a check-in.
	From string
	// Also holds the Changes the same operation made to other lines (a transfer
	// changes the line it leaves), published just before this one.
	Also []Change
	// Webhooks counts the webhook deliveries the change wrote to the outbox
	// (one per endpoint that wants its event): the webhook dispatcher is
	// woken after the commit only when there are some.
	Webhooks int
	// Texts counts the texts the change wrote to the SMS outbox due at once:
	// the SMS dispatcher is woken after the commit only when there are some.
	Texts int
	// ClinicSlug is the slug of the line's clinic as the real-time rooms name
	// it (Queue.ClinicSlug): "" for the default clinic, whose rooms keep
	// their unprefixed names (docs/events.md, "Clinics").
	ClinicSlug string
}

// Entry is a ticket as the queue sees it: with its derived position (1..N among
// waiting tickets, 0 when not waiting) and its estimated wait in minutes, with the
// range the wait will likely fall in (EstimatedWaitLow ≤ EstimatedWait ≤
// EstimatedWaitHigh; all 0 when not waiting).
type Entry struct {
	Ticket
	Position          int
	EstimatedWait     int
	EstimatedWaitLow  int
	EstimatedWaitHigh int
}

// Publisher receives each committed Change, in commit order per queue. Publish
// must not block and must not fail the operation: a transport that cannot keep up
// drops its own subscribers.
type Publisher interface {
	Publish(c Change)
}

// ConfirmationHold decides, as a check-in writes its confirmation text at now,
// whether the text must wait (notify.Dispatcher, over its confirmation texts a
// minute): until is when it may go out, and reason, kept with it, says why.
type ConfirmationHold interface {
	HoldConfirmation(now time.Time) (until time.Time, reason string, held bool)
}

// PublisherFunc adapts a function to Publisher.
type PublisherFunc func(Change)

// Publish calls f(c).
func (f PublisherFunc) Publish(c Change) { f(c) }

// PatientStatus is what a patient sees of their own ticket.
type PatientStatus struct {
	Entry
	QueueLength int // waiting tickets in the queue
	Version     int64
	// Clinic is the slug of the line's clinic (Queue.Clinic.Slug, "main" for
	// a new deployment's default clinic), what the API shows; "" when the
	// line has since been removed.
	Clinic string
	// Rooms is the slug the clinic's rooms and shard carry
	// (Queue.ClinicSlug): "" for the default clinic, whose rooms keep their
	// unprefixed names.
	Rooms string
}

package queue

import (
	"context"
	"errors"
	"time"
)

// Store is the storage the Service needs. Implementations (internal/sqlite,
// internal/postgres) offer transactional primitives only: they never decide rules,
// permissions or publish events. They pass queuetest.RunStoreTests.
type Store interface {
	// Update runs fn in one read-write transaction and commits it if fn returns
	// nil. Transactions that mutate the same queue never interleave: on SQLite the
	// transaction starts with BEGIN IMMEDIATE, on PostgreSQL LockQueue takes a row
	// lock. A driver error that means the database cannot be reached is returned
	// wrapped around ErrUnavailable.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in a read-only transaction that sees one consistent snapshot.
	View(ctx context.Context, fn func(Tx) error) error
	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
}

// Tx is one storage transaction. Methods that look up a single row return an error
// wrapping ErrNotFound when there is none.
type Tx interface {
	// LockQueue returns the queue and, inside Update, locks it against other
	// mutating transactions until this one ends. It creates the default queue on
	// first use.
	LockQueue(ctx context.Context, queueID string) (Queue, error)
	// Queue returns the queue without locking it. Stores seed the default queue
	// (id DefaultQueueID, prefix "A") when they create their schema, so reads find
	// it before the first mutation.
	Queue(ctx context.Context, queueID string) (Queue, error)
	// UpdateQueue stores q.Version and q.ServiceTime.
	UpdateQueue(ctx context.Context, q Queue) error
	// Lines returns every queue (line), by Position then ID.
	Lines(ctx context.Context) ([]Queue, error)
	// CreateQueue stores a new queue with all its fields. It returns an error
	// wrapping ErrDuplicate when the id or the prefix is taken.
	CreateQueue(ctx context.Context, q Queue) error
	// SaveQueue stores the settings of an existing queue: every field but ID,
	// Version and ServiceTime. It returns an error wrapping ErrNotFound for an
	// unknown id and ErrDuplicate when the prefix is another queue's.
	SaveQueue(ctx context.Context, q Queue) error
	// DeleteQueue removes the queue row (its tickets stay, as history). It
	// returns an error wrapping ErrNotFound for an unknown id.
	DeleteQueue(ctx context.Context, queueID string) error

	// Clinics returns every clinic, by ID (the default clinic first).
	Clinics(ctx context.Context) ([]Clinic, error)
	// Clinic returns the clinic with the given slug, or an error wrapping
	// ErrNotFound.
	Clinic(ctx context.Context, slug string) (Clinic, error)
	// CreateClinic stores a new clinic and sets c.ID; ErrDuplicate when the
	// slug is taken.
	CreateClinic(ctx context.Context, c *Clinic) error
	// SaveClinic stores every field of clinic c.ID but CreatedAt (a new slug
	// renames it; its lines and rooms follow, they refer to the id):
	// ErrNotFound for an unknown id, ErrDuplicate when the slug is another's.
	SaveClinic(ctx context.Context, c Clinic) error
	// DeleteClinic removes the clinic with its lines and rooms (their tickets
	// stay, as history): ErrNotFound for an unknown id.
	DeleteClinic(ctx context.Context, id int64) error

	// Rooms returns every room, by Position then Name.
	Rooms(ctx context.Context) ([]Room, error)
	// CreateRoom stores a new room; ErrDuplicate when the name is taken.
	CreateRoom(ctx context.Context, r Room) error
	// SaveRoom replaces the room named name by r (which may rename it):
	// ErrNotFound for an unknown name, ErrDuplicate when r.Name is another room's.
	SaveRoom(ctx context.Context, name string, r Room) error
	// DeleteRoom removes a room; ErrNotFound for an unknown name.
	DeleteRoom(ctx context.Context, name string) error
	// NextTicketNumber returns 1, 2, 3… for successive calls with the same queue and day.
	NextTicketNumber(ctx context.Context, queueID, day string) (int, error)

	// InsertTicket stores a new ticket. t.Seq is the order key wanted (OrderKey):
	// the store keeps it if no ticket of the queue has it, else uses the next
	// free value above, and sets t.Seq to the key it stored. It returns an error
	// wrapping ErrDuplicate when an active ticket in the same queue has the same
	// non-empty phone (tickets without a phone never clash).
	InsertTicket(ctx context.Context, t *Ticket) error
	// UpdateTicket stores the mutable fields of t: Status, Room, CalledAt,
	// CompletedAt, ReadyAt and QuotedWait.
	UpdateTicket(ctx context.Context, t Ticket) error
	// MoveTicket stores t's place — QueueID, Seq (chosen as InsertTicket does,
	// the ticket's own current key counting as free), Urgent, DueAt — and its
	// mutable fields, and sets t.Seq to the key stored: a transfer to another
	// queue, an urgent mark or a move within the queue. ErrNotFound for an
	// unknown id; ErrDuplicate as InsertTicket in the target queue.
	MoveTicket(ctx context.Context, t *Ticket) error
	// Ticket returns the ticket with the given id (the patient id).
	Ticket(ctx context.Context, id string) (Ticket, error)
	// ActiveTickets returns the queue's active tickets: called ones first (by
	// CalledAt, then Seq), then waiting ones by Seq.
	ActiveTickets(ctx context.Context, queueID string) ([]Ticket, error)
	// WaitingTickets returns up to limit waiting tickets in Seq order (limit <= 0: all).
	WaitingTickets(ctx context.Context, queueID string, limit int) ([]Ticket, error)
	// CountWaitingBefore counts the waiting tickets of the queue with Seq < seq.
	// It stays fast with thousands waiting whether keys are dense or sparse.
	CountWaitingBefore(ctx context.Context, queueID string, seq int64) (int, error)
	// CountActive counts the queue's waiting and called tickets.
	CountActive(ctx context.Context, queueID string) (waiting, called int, err error)
	// TicketsSince returns the queue's tickets that checked in at or after since,
	// in Seq order, whatever their status (for the day's statistics).
	TicketsSince(ctx context.Context, queueID string, since time.Time) ([]Ticket, error)
	// RecentFinished returns how up to limit of the queue's most recently
	// finished tickets (completed, no-show or cancelled) finished, newest first,
	// for the estimator: completed visits, and the tickets ahead that never
	// became one.
	RecentFinished(ctx context.Context, queueID string, limit int) ([]Finished, error)
	// RecentCheckIns returns the CheckInTime of up to limit tickets with the given
	// phone that checked in at or after since, newest first, in every queue and
	// whatever their status (the per-phone check-in limit). Inside Update it also
	// serializes with the other Update transactions that call it for the same phone,
	// until this one ends, so that a count followed by InsertTicket is exact under
	// concurrency, across queues and instances.
	RecentCheckIns(ctx context.Context, phone string, since time.Time, limit int) ([]time.Time, error)

	// OptOut records that phone texted STOP at at (docs/sms.md): no text of any
	// kind goes to it from then on, and its texts still pending are cancelled.
	OptOut(ctx context.Context, phone string, at time.Time) error
	// OptIn forgets phone's opt-out (it texted START).
	OptIn(ctx context.Context, phone string) error
	// OptedOut returns when phone opted out, or the zero time.
	OptedOut(ctx context.Context, phone string) (time.Time, error)
	// LastTold is the ToldUntil of the newest text to ticketID that told a
	// wait, or the zero time when none did.
	LastTold(ctx context.Context, ticketID string) (time.Time, error)
	// TextedSince reports whether a text of kind went to phone at or after since.
	TextedSince(ctx context.Context, phone string, kind MessageKind, since time.Time) (bool, error)
	// ActiveTicketByPhone returns the newest waiting or called ticket of phone,
	// in any line, or an error wrapping ErrNotFound.
	ActiveTicketByPhone(ctx context.Context, phone string) (Ticket, error)
	// AddMessage writes m to the SMS outbox and sets m.ID. A message whose
	// DedupeKey is already in the outbox is not added again (no error; m.ID = 0).
	AddMessage(ctx context.Context, m *Message) error
	// CancelMessages marks the still-pending messages of the ticket with the given
	// kind (every kind when kind is "") as cancelled and returns how many it
	// cancelled. Messages already being sent or sent are left alone.
	CancelMessages(ctx context.Context, ticketID string, kind MessageKind) (int, error)
	// RecordDelivery records the SMS provider's final report on the sent message
	// it knows as providerID: its status becomes status and a non-empty detail
	// its LastError. It returns the message after the update and whether its
	// status changed (a repeated report changes nothing); a zero Message when no
	// sent message has that provider id.
	RecordDelivery(ctx context.Context, providerID string, status MessageStatus, detail string) (Message, bool, error)

	// AddWebhookEvent writes e to the webhook outbox: one delivery for every
	// enabled endpoint subscribed to e.Type, with e.Personal as the body for
	// the endpoints marked to receive personal data and e.Public for the others.
	// It writes nothing when no endpoint wants the event, and returns how many
	// deliveries it wrote: the dispatcher is woken only when there are some.
	AddWebhookEvent(ctx context.Context, e WebhookEvent) (int, error)
	// HasWebhookEndpoints reports whether any webhook endpoint is enabled, so
	// that a change no endpoint can want costs no event body (building one
	// was 3 % of a check-in's CPU). It may answer true when none is: the
	// event is then written to no endpoint by AddWebhookEvent. Endpoints are
	// never written inside a queue transaction, so a store may remember the
	// answer for the transaction.
	HasWebhookEndpoints(ctx context.Context) (bool, error)

	// Savepoint runs fn inside a savepoint of this transaction: when fn returns
	// an error every write fn made is undone, the writes before it stay, the
	// transaction remains usable, and fn's error is returned. If the savepoint
	// cannot be taken or undone the error says so and the caller must give up
	// the whole transaction. (The Service commits several queue operations in
	// one transaction, each in a savepoint: one failing never undoes another.)
	// Such an error wraps ErrSavepointFault and the store's cause (the
	// database unavailable, say), but not fn's error, which it names only in
	// its text: once fn's writes may still be in the transaction, fn's answer
	// (a duplicate phone, say) is no longer what the caller is told.
	Savepoint(ctx context.Context, fn func() error) error
}

// ErrSavepointFault is wrapped by a Tx.Savepoint error that leaves the
// transaction in doubt: the savepoint could not be taken, undone or released,
// so fn's writes may still be in it, and only rolling all of it back is safe.
var ErrSavepointFault = errors.New("savepoint fault: the transaction is in doubt")

// MessageKind says why an SMS is sent.
type MessageKind string

// The kinds of SMS (docs/sms.md).
const (
	MessageConfirmation MessageKind = "confirmation"
	MessageGetReady     MessageKind = "get_ready"
	MessageCalled       MessageKind = "called"
	MessageFollowUp     MessageKind = "follow_up"
	// MessageReply answers a text the patient sent (inbound.go).
	MessageReply MessageKind = "reply"
	// MessageDelay tells a waiting patient their wait grew (delay.go).
	MessageDelay MessageKind = "delay"
)

// MessageStatus is where an SMS stands in the outbox.
type MessageStatus string

// The statuses of an outbox message.
const (
	MessagePending     MessageStatus = "pending"
	MessageSent        MessageStatus = "sent"
	MessageDelivered   MessageStatus = "delivered"
	MessageUndelivered MessageStatus = "undelivered"
	MessageFailed      MessageStatus = "failed"
	MessageCancelled   MessageStatus = "cancelled"
)

// Message is one SMS in the outbox. It is written in the same transaction as the
// queue change that causes it and sent later by the dispatcher (internal/notify).
type Message struct {
	ID       int64
	TicketID string // the patient id
	Kind     MessageKind
	To       string // E.164
	// From is the sender: the clinic's number (Clinic.SMSFrom, E.164) or a
	// messaging service ("MG…"); "" — stored as NULL — the deployment's
	// (TWILIO_PHONE_NUMBER). The SMS sender sends each message from its own.
	From       string
	Body       string
	DedupeKey  string // one cause, one message: "<ticket>:<kind>[:<n>]"
	Status     MessageStatus
	Attempts   int
	LastError  string
	ProviderID string
	CreatedAt  time.Time
	DueAt      time.Time // not sent before this time (the follow-up is scheduled)
	SentAt     time.Time
	// ToldUntil is when this text told the patient they would be seen (a
	// confirmation, a get-ready, an answer with their wait, a delay alert);
	// zero for a text that tells no wait. Delay alerts compare against the
	// latest one (delay.go).
	ToldUntil time.Time
}

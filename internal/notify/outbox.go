package notify

import (
	"context"
	"errors"
	"time"

	"smartwait/internal/queue"
)

// Outbox is the dispatcher's view of the SMS outbox that queue.Tx.AddMessage
// writes. internal/sqlite and internal/postgres implement it; both pass
// outboxtest.RunOutboxTests. Times are passed in (never read from the database's
// clock) so that every instance and every test agrees on "now".
//
// A claimed message stays in status pending, leased by one claim token until its
// lease ends. Every Mark method takes that token and fails with ErrLeaseLost when
// the message is no longer leased by it (its lease expired and another dispatcher
// claimed it, or it was cancelled), so a slow dispatcher can never overwrite a
// newer outcome.
type Outbox interface {
	// Claim leases up to limit messages that are pending, due at or before now and
	// not leased (or whose lease ended at or before now) until now+lease, adds one
	// to their Attempts, and returns them oldest due first. Concurrent Claims, from
	// this or any other process, never return the same message while its lease
	// holds.
	Claim(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Claim, error)
	// MarkSent records that the provider accepted the message: status sent,
	// providerID and SentAt = at, lease cleared. A sent message is never claimed
	// again.
	MarkSent(ctx context.Context, c Claim, providerID string, at time.Time) error
	// MarkSentAll is MarkSent for several messages in one write. It returns one
	// result per message, in order: nil when marked, ErrLeaseLost when the
	// message is no longer leased by its token (the others are marked all the
	// same); err is for the write itself, and then nothing was marked. The
	// dispatcher gathers the texts its workers sent meanwhile into one call, so
	// a burst of check-ins costs the outbox a write per burst, not per text.
	MarkSentAll(ctx context.Context, sent []Sent) (results []error, err error)
	// MarkRetry records a temporary failure: the message stays pending with
	// LastError = lastErr, becomes due again at next, and its lease is cleared.
	MarkRetry(ctx context.Context, c Claim, lastErr string, next time.Time) error
	// MarkFailed records a permanent failure (or the last retry): status failed,
	// LastError = lastErr, lease cleared. It is never claimed again.
	MarkFailed(ctx context.Context, c Claim, lastErr string, at time.Time) error
	// Release gives a claimed message back unsent (the dispatcher is stopping before
	// it tried): the lease is cleared and the attempt Claim counted is taken back.
	Release(ctx context.Context, c Claim) error
	// Postpone gives a claimed message back unsent, to be sent at next (the
	// dispatcher holds it back): the lease is cleared, the attempt Claim counted is
	// taken back, it becomes due at next, and LastError = reason says why it waits.
	Postpone(ctx context.Context, c Claim, reason string, next time.Time) error
	// PostponeAll is Postpone for several claims in one write, each due at its
	// own Until: those still leased by their token are postponed, the others
	// (their lease lost) left alone, and it returns how many it postponed. A
	// dispatcher over its confirmation limit holds a whole claimed batch with
	// it, so that a burst of check-ins costs the outbox one write, not one per
	// text.
	PostponeAll(ctx context.Context, held []Held, reason string) (int, error)
	// RecoverExpired clears the leases that ended at or before now on pending
	// messages, so they are due again at once, and returns how many it cleared. Claim
	// already takes such messages; a dispatcher calls this at start to report what
	// a previous process left in flight.
	RecoverExpired(ctx context.Context, now time.Time) (int, error)
	// RecordDelivery records the provider's final report for the message it knows
	// as providerID: status is queue.MessageDelivered, MessageUndelivered or
	// MessageFailed, and detail (the provider's error code, "" when none) goes into
	// LastError. It returns false when no sent message has that provider id.
	RecordDelivery(ctx context.Context, providerID string, status queue.MessageStatus, detail string) (bool, error)
	// CountMessages counts the messages in the given status; pending counts those
	// still to be sent, due or scheduled.
	CountMessages(ctx context.Context, status queue.MessageStatus) (int, error)
	// Messages returns the messages of the ticket (of every ticket when ticketID
	// is ""), newest first, at most 500: the staff's SMS log.
	Messages(ctx context.Context, ticketID string) ([]queue.Message, error)
}

// Claim is a message leased to one dispatcher until Until. Token identifies the
// lease.
type Claim struct {
	queue.Message
	Token string
	Until time.Time
}

// Sent is a claimed message the provider accepted: the provider's id for it
// and when (MarkSentAll).
type Sent struct {
	Claim
	ProviderID string
	At         time.Time
}

// Held is a claimed message given back unsent, due again at Until
// (PostponeAll).
type Held struct {
	Claim
	Until time.Time
}

// ErrLeaseLost is returned by the Mark methods and Release when the message is no
// longer leased by the claim's token.
var ErrLeaseLost = errors.New("outbox lease lost")

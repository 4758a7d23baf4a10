package webhook

import (
	"context"
	"errors"
	"time"

	"smartwait/internal/queue"
)

// Store is the storage of endpoints, their outbox and their delivery logs.
// Methods that look up one endpoint fail with an error wrapping
// queue.ErrNotFound when there is none. Times are passed in, never read from
// the database's clock, so that every instance agrees on "now".
//
// The outbox is leased per endpoint, not per row: the holder of an endpoint's
// lease is the only dispatcher that sends to it, oldest delivery first, which
// is what keeps an endpoint's events in order across dispatchers and
// instances. Every method that records an outcome takes the claim and fails
// with ErrLeaseLost when the endpoint is no longer leased by it.
type Store interface {
	// CreateWebhook stores e unless limit endpoints exist already (then
	// ErrTooMany); the count and the insert are atomic.
	CreateWebhook(ctx context.Context, e Endpoint, limit int) error
	// Webhooks returns every endpoint, oldest first, each with Pending set.
	Webhooks(ctx context.Context) ([]Endpoint, error)
	// Webhook returns one endpoint with Pending set.
	Webhook(ctx context.Context, id string) (Endpoint, error)
	// SaveWebhook stores e's URL, Description, Events, Personal, Enabled,
	// UpdatedAt and its failure state (DisabledAt, DisabledReason,
	// FailingSince, Failures, RetryAt).
	SaveWebhook(ctx context.Context, e Endpoint) error
	// DeleteWebhook removes the endpoint, its outbox rows and its log.
	DeleteWebhook(ctx context.Context, id string) error
	// WebhookAttempts returns the endpoint's delivery log, newest first.
	WebhookAttempts(ctx context.Context, endpointID string) ([]Attempt, error)

	// ClaimWebhooks leases to a new token, until now+lease, up to limit
	// enabled endpoints that have outbox rows, whose RetryAt is at or before
	// now and that no unexpired lease holds. Concurrent calls, in this or any
	// process, never return the same endpoint while its lease holds.
	ClaimWebhooks(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Claim, error)
	// WebhookDeliveries returns up to limit of the claimed endpoint's outbox rows,
	// oldest first.
	WebhookDeliveries(ctx context.Context, c Claim, limit int) ([]Delivery, error)
	// RecordWebhookAttempt records one attempt at delivering d, in one transaction:
	// it appends r to the endpoint's log (keeping its newest keep entries);
	// on success it removes d from the outbox and clears the endpoint's
	// failures; on failure it counts one more, sets FailingSince if unset,
	// LastError and RetryAt, and when r.Disable disables the endpoint with
	// DisabledAt = r.At and DisabledReason.
	RecordWebhookAttempt(ctx context.Context, c Claim, d Delivery, r Result, keep int) error
	// ReleaseWebhook ends the claim's lease.
	ReleaseWebhook(ctx context.Context, c Claim) error
}

// Claim is an endpoint leased to one dispatcher until Until.
type Claim struct {
	Endpoint
	Token string
	Until time.Time
}

// Delivery is one outbox row: one event for one endpoint.
type Delivery struct {
	ID        int64
	EventID   string
	Type      queue.WebhookEventType
	Body      []byte
	CreatedAt time.Time
	Attempts  int // attempts made before this one
}

// Result is the outcome of one attempt.
type Result struct {
	At         time.Time
	Duration   time.Duration
	StatusCode int    // 0 when no response came
	Error      string // "" on success
	OK         bool
	RetryAt    time.Time // failure: not before
	Disable    bool      // failure: the endpoint has failed for too long
	Reason     string    // with Disable: why, for the admin page
}

// Attempt is one entry of an endpoint's delivery log.
type Attempt struct {
	EventID    string
	Type       queue.WebhookEventType
	At         time.Time
	StatusCode int
	Error      string
	Duration   time.Duration
	OK         bool
}

// Errors of the Store.
var (
	// ErrLeaseLost: the endpoint is no longer leased by the claim's token.
	ErrLeaseLost = errors.New("webhook endpoint lease lost")
	// ErrTooMany: CreateWebhook found the limit reached.
	ErrTooMany = errors.New("too many webhook endpoints")
)

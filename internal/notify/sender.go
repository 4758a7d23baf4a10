package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"smartwait/internal/queue"
)

// Sender hands one message to an SMS provider. Send returns the provider's id for
// the message once the provider has accepted it. A failure is temporary (retried)
// unless it is a *SendError with Permanent set: network errors, timeouts and
// provider overload are worth retrying, an invalid number is not.
// Implementations must be safe for concurrent use.
type Sender interface {
	Send(ctx context.Context, m queue.Message) (providerID string, err error)
}

// SenderFunc adapts a function to Sender.
type SenderFunc func(ctx context.Context, m queue.Message) (string, error)

// Send calls f(ctx, m).
func (f SenderFunc) Send(ctx context.Context, m queue.Message) (string, error) { return f(ctx, m) }

// SendError is a classified send failure.
type SendError struct {
	Err        error
	Permanent  bool          // retrying cannot help: mark the message failed at once
	Code       string        // the provider's error code, "" if none
	RetryAfter time.Duration // the provider asked to wait at least this long (HTTP 429)
}

func (e *SendError) Error() string {
	kind := "temporary"
	if e.Permanent {
		kind = "permanent"
	}
	if e.Code != "" {
		return fmt.Sprintf("%s failure (code %s): %v", kind, e.Code, e.Err)
	}
	return fmt.Sprintf("%s failure: %v", kind, e.Err)
}

func (e *SendError) Unwrap() error { return e.Err }

// Permanent wraps err as a failure that must not be retried.
func Permanent(err error) error { return &SendError{Err: err, Permanent: true} }

// IsPermanent reports whether err is, or wraps, a permanent *SendError.
func IsPermanent(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Permanent
}

func retryAfter(err error) time.Duration {
	var se *SendError
	if errors.As(err, &se) {
		return se.RetryAfter
	}
	return 0
}

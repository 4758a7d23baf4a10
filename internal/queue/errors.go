package queue

import (
	"errors"
	"fmt"
	"time"
)

// Error codes of the domain. The web layer maps each to an HTTP status in one place;
// the strings are the contract's "code" values.
const (
	CodeValidation      = "VALIDATION_ERROR"
	CodeDuplicate       = "DUPLICATE_CHECKIN"
	CodePatientNotFound = "PATIENT_NOT_FOUND"
	CodeNotActive       = "NOT_ACTIVE"
	CodeNotCalled       = "NOT_CALLED"
	CodeNoneWaiting     = "NO_PATIENTS_WAITING"
	CodeUnavailable     = "DATABASE_UNAVAILABLE"
	CodeRateLimited     = "RATE_LIMITED"
)

// Error is a domain error: a contract code plus a message that is safe to show to
// the client. Anything that is not an *Error is an internal error.
type Error struct {
	Code    string
	Message string
	Details any // optional, e.g. the field that failed validation
	// RetryAfter, when not zero, is how long the client should wait before trying
	// again (CodeRateLimited); the web layer sends it as Retry-After.
	RetryAfter time.Duration
}

func (e *Error) Error() string { return e.Message }

// ErrorCode returns the contract code (the web layer's mapping key).
func (e *Error) ErrorCode() string { return e.Code }

// Field is the field a validation error names, "" for any other error.
func (e *Error) Field() string {
	m, _ := e.Details.(map[string]string)
	return m["field"]
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Storage sentinels: stores wrap these so the Service can recognise them.
var (
	ErrNotFound    = errors.New("not found")
	ErrDuplicate   = errors.New("duplicate active ticket")
	ErrUnavailable = errors.New("database unavailable")
	// ErrRetry: the database aborted the transaction to break a deadlock or a
	// serialization conflict; running it again may succeed.
	ErrRetry = errors.New("transaction aborted by the database, retry")
)

// validationError builds the contract's validation error for one field.
func validationError(field, format string, args ...any) *Error {
	return &Error{
		Code:    CodeValidation,
		Message: "Validation error: " + fmt.Sprintf(format, args...),
		Details: map[string]string{"field": field},
	}
}

// PatientNotFound is the answer for an unknown ticket, and for a ticket of a
// clinic the caller may not act at, which must not be told apart from one.
func PatientNotFound() *Error {
	return Errorf(CodePatientNotFound, "Patient not found")
}

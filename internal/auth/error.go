package auth

import "fmt"

// Error codes of the auth service: the contract's "code" values, mapped to HTTP
// statuses by the web layer.
const (
	CodeValidation         = "VALIDATION_ERROR"    // 400: bad username, password or role
	CodeInvalidCredentials = "INVALID_CREDENTIALS" // 401: wrong username or password
	CodeUnauthorized       = "UNAUTHORIZED"        // 401: missing, malformed or unknown token
	CodeInvalidToken       = "INVALID_TOKEN"       // 401: the session expired
	CodeForbidden          = "FORBIDDEN"           // 403: the role may not do this
	CodeUserExists         = "USER_EXISTS"         // 409
	CodeUserNotFound       = "USER_NOT_FOUND"      // 404
	CodeLastAdmin          = "LAST_ADMIN"          // 409: removing it would leave no admin
)

// Error is an auth failure: a contract code and a message safe to show to the
// client. Store failures are returned as ordinary (wrapped) errors instead.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// ErrorCode returns the contract code (the web layer's mapping key).
func (e *Error) ErrorCode() string { return e.Code }

func errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

func validation(format string, args ...any) *Error {
	return errorf(CodeValidation, "Validation error: "+format, args...)
}

func invalidCredentials() *Error {
	return errorf(CodeInvalidCredentials, "Invalid username or password")
}

func unauthorized() *Error {
	return errorf(CodeUnauthorized, "Authentication required")
}

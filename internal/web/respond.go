package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"smartwait/internal/events"
	"smartwait/internal/privacy"
	"smartwait/internal/queue"
	"smartwait/internal/webhook"
)

// envelope is the contract's success body: {"success": true, "data": …,
// "message"?: …, "count"?: …}.
type envelope struct {
	Success bool   `json:"success"`
	Data    any    `json:"data"`
	Message string `json:"message,omitempty"`
	Count   *int   `json:"count,omitempty"`
	// Next is where a paged list goes on: the before of its next page
	// (GET /api/staff/audit); absent on the last page.
	Next *int64 `json:"next,omitempty"`
}

// errorBody is the contract's error body.
type errorBody struct {
	Success bool      `json:"success"`
	Error   errorInfo `json:"error"`
}

type errorInfo struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Details any    `json:"details,omitempty"`
}

// writeJSON writes v with the given status. API responses are never cached: a
// patient's status carries their id, and staff data is private.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client may have gone; nothing to do
}

// ok writes a 200 success envelope.
func ok(w http.ResponseWriter, data any, message string) {
	writeJSON(w, http.StatusOK, envelope{Success: true, Data: data, Message: message})
}

// list writes a 200 success envelope with count beside data.
func list[T any](w http.ResponseWriter, data []T) {
	if data == nil {
		data = []T{}
	}
	n := len(data)
	writeJSON(w, http.StatusOK, envelope{Success: true, Data: data, Count: &n})
}

// listOf answers the list of xs, each shown by view.
func listOf[T, V any](w http.ResponseWriter, xs []T, view func(T) V) {
	out := make([]V, len(xs))
	for i, x := range xs {
		out[i] = view(x)
	}
	list(w, out)
}

// apiError is an error of the HTTP layer itself (routing, decoding, limits).
type apiError struct {
	code    string
	message string
	details any
}

func (e *apiError) Error() string     { return e.message }
func (e *apiError) ErrorCode() string { return e.code }

// Codes of the HTTP layer (the domain and auth codes come from their packages).
const (
	codeNotFound         = "NOT_FOUND"
	codeMethodNotAllowed = "METHOD_NOT_ALLOWED"
	codeInvalidJSON      = "INVALID_JSON"
	codeTooLarge         = "PAYLOAD_TOO_LARGE"
	codeUnsupportedMedia = "UNSUPPORTED_MEDIA_TYPE"
	codeRateLimited      = "RATE_LIMITED"
	codeCrossOrigin      = "CROSS_ORIGIN"
	codeInternal         = "INTERNAL_ERROR"
)

// statusOf maps every contract error code to its HTTP status. A code not listed
// here is treated as an internal error.
var statusOf = map[string]int{
	queue.CodeValidation:      http.StatusBadRequest,
	codeInvalidJSON:           http.StatusBadRequest,
	"INVALID_CREDENTIALS":     http.StatusUnauthorized,
	"UNAUTHORIZED":            http.StatusUnauthorized,
	"INVALID_TOKEN":           http.StatusUnauthorized,
	"FORBIDDEN":               http.StatusForbidden,
	codeCrossOrigin:           http.StatusForbidden,
	codeInvalidSignature:      http.StatusForbidden,
	codeNotFound:              http.StatusNotFound,
	queue.CodePatientNotFound: http.StatusNotFound,
	queue.CodeNoneWaiting:     http.StatusNotFound,
	"USER_NOT_FOUND":          http.StatusNotFound,
	webhook.CodeNotFound:      http.StatusNotFound,
	queue.CodeLineNotFound:    http.StatusNotFound,
	codeMethodNotAllowed:      http.StatusMethodNotAllowed,
	codeRequestTimeout:        http.StatusRequestTimeout,
	queue.CodeDuplicate:       http.StatusConflict,
	queue.CodeNotActive:       http.StatusConflict,
	queue.CodeNotCalled:       http.StatusConflict,
	queue.CodeLineClosed:      http.StatusConflict,
	queue.CodeLineFull:        http.StatusConflict,
	queue.CodeLineNotEmpty:    http.StatusConflict,
	queue.CodeClinicNotEmpty:  http.StatusConflict,
	queue.CodeClinicNotFound:  http.StatusNotFound,
	queue.CodeNotWaiting:      http.StatusConflict,
	queue.CodeCannotMove:      http.StatusConflict,
	queue.CodeRoomClosed:      http.StatusConflict,
	"USER_EXISTS":             http.StatusConflict,
	"LAST_ADMIN":              http.StatusConflict,
	webhook.CodeTooMany:       http.StatusConflict,
	privacy.CodeActive:        http.StatusConflict,
	codeTooLarge:              http.StatusRequestEntityTooLarge,
	codeUnsupportedMedia:      http.StatusUnsupportedMediaType,
	codeRateLimited:           http.StatusTooManyRequests,
	queue.CodeUnavailable:     http.StatusServiceUnavailable,
}

// coded is implemented by every error that carries a contract code: *queue.Error,
// *auth.Error and *apiError.
type coded interface {
	error
	ErrorCode() string
}

// classify maps err to a status and the error object sent to the client. Errors
// without a known code are internal: their text never reaches the client.
func classify(err error) (int, errorInfo) {
	var c coded
	if errors.As(err, &c) {
		if st, known := statusOf[c.ErrorCode()]; known {
			info := errorInfo{Code: c.ErrorCode(), Message: c.Error()}
			var qe *queue.Error
			if errors.As(err, &qe) && qe.Details != nil {
				info.Details = qe.Details
			}
			var ae *apiError
			if errors.As(err, &ae) && ae.details != nil {
				info.Details = ae.details
			}
			return st, info
		}
	}
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return http.StatusRequestEntityTooLarge, errorInfo{Code: codeTooLarge, Message: "Request body must be at most 64 KiB"}
	case errors.Is(err, queue.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, errorInfo{Code: queue.CodeUnavailable, Message: "The database is unavailable, please try again shortly"}
	}
	return http.StatusInternalServerError, errorInfo{Code: codeInternal, Message: "An internal error occurred"}
}

// fail writes err as the contract's error envelope. Internal errors are logged
// with the request id (the client sees only that id, to quote to an operator).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, info := classify(err)
	noteCode(r, info.Code)
	setRetryAfter(w, err)
	if status >= 500 {
		level := s.log.Error
		if errors.Is(err, context.Canceled) {
			level = s.log.Debug // the client went away; not a server fault
		}
		level("request failed", "request_id", requestIDFrom(r.Context()), "route", routeOf(r), "code", info.Code, "error", err.Error())
		if info.Code == codeInternal {
			info.Details = map[string]string{"requestId": requestIDFrom(r.Context())}
		}
	}
	writeJSON(w, status, errorBody{Error: info})
}

// setRetryAfter sends a domain error's RetryAfter (the per-phone check-in limit)
// as the Retry-After header, in whole seconds rounded up.
func setRetryAfter(w http.ResponseWriter, err error) {
	var qe *queue.Error
	if errors.As(err, &qe) && qe.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.FormatInt(int64((qe.RetryAfter+time.Second-1)/time.Second), 10))
	}
}

// jsonTime marshals as RFC 3339 UTC with milliseconds, and a zero time as null:
// the contract's one timestamp format, shared with the real-time events.
type jsonTime = events.Time

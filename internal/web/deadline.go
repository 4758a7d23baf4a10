package web

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// Defaults of Config.BodyTimeout and Config.RequestTimeout.
const (
	DefaultBodyTimeout    = 30 * time.Second
	DefaultRequestTimeout = 10 * time.Second
)

// codeRequestTimeout answers a request body that did not arrive in time (408).
const codeRequestTimeout = "REQUEST_TIMEOUT"

// bodyDeadline puts a read deadline of BodyTimeout on the connection of every
// request that has a body, before anything can answer it, so that a client
// trickling a body cannot hold the connection and a goroutine for ever: not
// while deadlines reads it, and not while the server drains an unread body after
// an early answer (a CORS preflight, 413). deadlines clears it once the body is in.
//
// Connection and context deadlines are wall-clock by nature, so they use
// time.Now rather than Deps.Now.
func (s *Server) bodyDeadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hasBody(r) {
			// Test recorders do not support deadlines; a real connection always does.
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.bodyTimeout))
		}
		next.ServeHTTP(w, r)
	})
}

// hasBody reports whether r comes with a body: ContentLength 0 means none, -1 a
// chunked one of unknown length.
func hasBody(r *http.Request) bool { return r.Body != nil && r.ContentLength != 0 }

// deadlines bounds every request in two steps. First its body (at most 64 KiB,
// limitBody) is read whole under the read deadline bodyDeadline set: too slow
// is 408 REQUEST_TIMEOUT and the connection is closed. Then the handler runs
// under a context deadline of RequestTimeout, counted from the end of the body,
// so that a handler waiting for the database (for example on a write lock
// another process holds) gives up and answers 503 DATABASE_UNAVAILABLE. The
// Server-Sent Event streams (/api/events/) live for hours and get no context
// deadline; Socket.IO does not pass through this middleware.
func (s *Server) deadlines(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := readBody(w, r); err != nil {
			// The mux has not seen the request: name its route for the access log.
			if _, pattern := s.mux.Handler(r); pattern != "" {
				r.Pattern = pattern
			}
			// The rest of the body is unread: the connection cannot carry another request.
			w.Header().Set("Connection", "close")
			s.fail(w, r, err)
			return
		}
		if isStream(r) {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), s.requestTimeout)
		defer cancel()
		inner := r.WithContext(ctx)
		// The mux records the matched pattern on the request it is given; the
		// access log, outside, holds r.
		defer func() { r.Pattern = inner.Pattern }()
		next.ServeHTTP(w, inner)
	})
}

// isStream reports whether r asks for a long-lived Server-Sent Event stream.
func isStream(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/events/") }

// readBody reads r's body into memory and puts it back for the handler, then
// clears the read deadline. Bodies are at most 64 KiB and every handler reads
// them whole, so this costs no memory the handler would not have spent.
func readBody(w http.ResponseWriter, r *http.Request) error {
	if !hasBody(r) {
		return nil
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		// The deadline stays set: the server's drain of the rest of the body
		// fails at once, and the connection is closed.
		var tooLarge *http.MaxBytesError
		var netErr net.Error
		switch {
		case errors.As(err, &tooLarge):
			return &apiError{code: codeTooLarge, message: "Request body must be at most 64 KiB"}
		case errors.As(err, &netErr) && netErr.Timeout():
			return &apiError{code: codeRequestTimeout, message: "The request body did not arrive in time"}
		}
		return &apiError{code: codeInvalidJSON, message: "Could not read the request body"}
	}
	// Clear it, or the server's background read (which notices a client going
	// away) would time out later and cancel the request's context.
	_ = http.NewResponseController(w).SetReadDeadline(time.Time{})
	r.Body = io.NopCloser(bytes.NewReader(raw))
	return nil
}

package web

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxBody is the contract's request body limit.
const maxBody = 64 << 10

// chain wraps h in the middleware, the first listed outermost.
func chain(h http.Handler, mws ...func(http.Handler) http.Handler) http.Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}

type ctxKey int

const (
	requestIDKey ctxKey = iota
	staffKey
)

// requestID gives every request an id, taken from a sane X-Request-ID header (a
// load balancer's) or made up, and echoes it in the response.
func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if !saneRequestID(id) {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-ID", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

func saneRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func requestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// maxLogField bounds a client-supplied string in a log line, in bytes.
const maxLogField = 256

// logField returns s cut to at most maxLogField bytes (on a character boundary)
// and marked with its full length when cut, so that a client cannot grow the log
// by sending long values.
func logField(s string) string {
	if len(s) <= maxLogField {
		return s
	}
	cut := maxLogField
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…(" + strconv.Itoa(len(s)) + " bytes)"
}

// routeOf names a request by its route pattern ("GET /api/position/{id...}"), never
// its path: a patient's path holds the patient id, which must not reach the logs.
func routeOf(r *http.Request) string {
	if r.Pattern != "" {
		return r.Pattern
	}
	return "unmatched"
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (flush, deadlines) for
// streaming handlers.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush passes on to the connection: SSE streams flush through this wrapper.
func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack passes on to the connection: WebSocket upgraders (gorilla) assert
// http.Hijacker directly instead of using http.ResponseController.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil && w.status == 0 {
		w.status = http.StatusSwitchingProtocols
	}
	return conn, rw, err
}

// accessLog writes one structured line per request and records the request
// metrics, both keyed by route pattern. The ServeMux sets r.Pattern on the request
// it is given, so a middleware between here and the mux that replaces r
// (deadlines) must pass the pattern back.
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		// A method value, not a closure: deferring a closure over sw, r and
		// start costs an allocation per request under the race detector.
		defer s.logRequest(r, sw, time.Now())
		next.ServeHTTP(sw, r)
	})
}

// logRequest writes the access log line of r and records its metrics.
func (s *Server) logRequest(r *http.Request, sw *statusWriter, start time.Time) {
	status := sw.status
	if status == 0 {
		status = http.StatusOK
	}
	d := time.Since(start)
	route, method := routeOf(r), methodLabel(r.Method)
	s.metrics.request(method, route, status, d)
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelWarn
	}
	// A fixed set of typed attrs: no per-field allocation (slog keeps five
	// inline; the sixth costs the line one small allocation, whatever the
	// values). TestAccessLogAllocs holds the bound.
	ctx := r.Context()
	s.log.LogAttrs(ctx, level, "http request",
		slog.String("request_id", requestIDFrom(ctx)),
		slog.String("method", method),
		slog.String("route", route),
		slog.Int("status", status),
		slog.Int64("bytes", sw.bytes),
		slog.Duration("duration", d),
	)
	// The path is useful when debugging routing, but may hold a patient id.
	if s.log.Enabled(ctx, slog.LevelDebug) {
		s.log.LogAttrs(ctx, slog.LevelDebug, "http request path",
			slog.String("request_id", requestIDFrom(ctx)), slog.String("path", logField(r.URL.Path)))
	}
}

// recoverPanic turns a panicking handler into a 500 INTERNAL_ERROR envelope and an
// error log line with the stack, instead of a dropped connection.
func (s *Server) recoverPanic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v) // the handler asked for the connection to be dropped
			}
			s.log.Error("panic serving request", "request_id", requestIDFrom(r.Context()),
				"route", routeOf(r), "panic", logField(fmt.Sprint(v)), "stack", string(debug.Stack()))
			if sw, ok := w.(*statusWriter); ok && sw.status != 0 {
				return // headers are out; nothing sensible can follow
			}
			s.fail(w, r, fmt.Errorf("panic: %v", v))
		}()
		next.ServeHTTP(w, r)
	})
}

// limitBody enforces the 64 KiB request limit: at once from Content-Length, and
// while reading for chunked bodies (deadlines reports it as 413). The early
// answer closes the connection: otherwise the server would first drain the
// unread body, at whatever pace the client sends it.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxBody {
			w.Header().Set("Connection", "close")
			writeJSON(w, http.StatusRequestEntityTooLarge, errorBody{Error: errorInfo{
				Code: codeTooLarge, Message: "Request body must be at most 64 KiB"}})
			return
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		}
		next.ServeHTTP(w, r)
	})
}

// jsonFallback answers unknown routes and wrong methods under /api/, /health and
// /metrics with JSON envelopes instead of the mux's plain text.
func (s *Server) jsonFallback(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" || !jsonPath(r.URL.Path) {
			mux.ServeHTTP(w, r)
			return
		}
		// Let the mux decide between 404 and 405 (it knows the Allow header), but
		// keep only its status and headers.
		cw := &captureWriter{header: http.Header{}}
		mux.ServeHTTP(cw, r)
		switch cw.status {
		case http.StatusMethodNotAllowed:
			if allow := cw.header.Get("Allow"); allow != "" {
				w.Header().Set("Allow", allow)
			}
			msg := "Method " + r.Method + " is not allowed here"
			if methodLabel(r.Method) == "other" { // not echoed: it may be any size
				msg = "This method is not allowed here"
			}
			s.fail(w, r, &apiError{code: codeMethodNotAllowed, message: msg})
		case http.StatusNotFound:
			s.fail(w, r, &apiError{code: codeNotFound, message: "No such route"})
		default: // a redirect (path cleaning): pass it on as it is
			for k, v := range cw.header {
				w.Header()[k] = v
			}
			w.WriteHeader(cw.status)
		}
	})
}

func jsonPath(p string) bool {
	return strings.HasPrefix(p, "/api/") || p == "/api" || p == "/health" ||
		strings.HasPrefix(p, "/health/") || p == "/metrics"
}

// captureWriter keeps a response's status and headers and drops its body.
type captureWriter struct {
	header http.Header
	status int
}

func (c *captureWriter) Header() http.Header { return c.header }
func (c *captureWriter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
}
func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return len(b), nil
}

package apitest

import (
	"bufio"
	"bytes"
	"errors"
	"mime"
	"net"
	"net/http"
	"strings"
	"sync"
)

// Handler wraps h so that every response it writes is checked when it ends:
// the status, content type and body against the document, and, for an event
// stream, the head when it starts and every event's payload as it is written.
// Hijacked connections (the Socket.IO websocket) are not checked here. report
// gets each mismatch; it runs on the server's goroutines.
func (c *Checker) Handler(h http.Handler, report func(error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &checkWriter{ResponseWriter: w, c: c, req: r, report: report}
		h.ServeHTTP(cw, r)
		cw.finish()
	})
}

// checkWriter passes everything through and keeps a copy to check.
type checkWriter struct {
	http.ResponseWriter
	c        *Checker
	req      *http.Request
	report   func(error)
	mu       sync.Mutex
	status   int
	stream   bool // text/event-stream: events are checked as they go
	hijacked bool
	body     bytes.Buffer
}

func (w *checkWriter) WriteHeader(code int) {
	w.mu.Lock()
	if w.status == 0 {
		w.status = code
		mt, _, _ := mime.ParseMediaType(w.Header().Get("Content-Type"))
		if w.stream = mt == "text/event-stream" && code == http.StatusOK; w.stream {
			w.check(w.c.Response(w.req, code, w.Header().Clone(), nil))
		}
	}
	w.mu.Unlock()
	w.ResponseWriter.WriteHeader(code)
}

func (w *checkWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	if w.status == 0 {
		w.mu.Unlock()
		w.WriteHeader(http.StatusOK)
		w.mu.Lock()
	}
	w.body.Write(b)
	if w.stream {
		w.events()
	}
	w.mu.Unlock()
	return w.ResponseWriter.Write(b)
}

// events checks each complete event in the buffer and drops it.
func (w *checkWriter) events() {
	for {
		i := bytes.Index(w.body.Bytes(), []byte("\n\n"))
		if i < 0 {
			return
		}
		block := string(w.body.Next(i + 2))
		var event, data string
		for _, line := range strings.Split(strings.TrimSpace(block), "\n") {
			if v, ok := strings.CutPrefix(line, "event: "); ok {
				event = v
			} else if v, ok := strings.CutPrefix(line, "data: "); ok {
				data = v
			}
		}
		if event != "" {
			w.check(w.c.Event(event, []byte(data)))
		}
	}
}

func (w *checkWriter) finish() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.hijacked || w.stream {
		return
	}
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	w.check(w.c.Response(w.req, status, w.Header(), w.body.Bytes()))
}

func (w *checkWriter) check(err error) {
	if err != nil {
		w.report(err)
	}
}

// Flush lets event streams through at once.
func (w *checkWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack hands the connection over (websocket upgrades); the response is then
// not checked.
func (w *checkWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("apitest: the underlying ResponseWriter cannot hijack")
	}
	w.mu.Lock()
	w.hijacked = true
	w.mu.Unlock()
	return hj.Hijack()
}

// Unwrap lets http.ResponseController reach the real writer (deadlines).
func (w *checkWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

package socketio

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
)

// releasingWriter passes a request's ResponseWriter to the engine, and forgets
// it once the engine hijacks the connection for a websocket. The engine keeps
// the ResponseWriter of the handshake for the socket's lifetime; through it
// net/http's per-connection 4 KiB read and write buffers would stay allocated
// for every websocket, unused after the hijack (about 8 KiB per connection).
type releasingWriter struct {
	w atomic.Pointer[http.ResponseWriter]
}

func newReleasingWriter(w http.ResponseWriter) *releasingWriter {
	r := &releasingWriter{}
	r.w.Store(&w)
	return r
}

func (r *releasingWriter) get() http.ResponseWriter {
	if p := r.w.Load(); p != nil {
		return *p
	}
	return nil
}

// Header implements http.ResponseWriter; after the hijack it is a dummy.
func (r *releasingWriter) Header() http.Header {
	if w := r.get(); w != nil {
		return w.Header()
	}
	return http.Header{}
}

// Write implements http.ResponseWriter.
func (r *releasingWriter) Write(b []byte) (int, error) {
	if w := r.get(); w != nil {
		return w.Write(b)
	}
	return 0, http.ErrHijacked
}

// WriteHeader implements http.ResponseWriter.
func (r *releasingWriter) WriteHeader(code int) {
	if w := r.get(); w != nil {
		w.WriteHeader(code)
	}
}

// Flush implements http.Flusher, for long-polling responses.
func (r *releasingWriter) Flush() {
	if f, ok := r.get().(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack implements http.Hijacker and forgets the ResponseWriter.
func (r *releasingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := r.get().(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("socketio: connection cannot be hijacked")
	}
	conn, brw, err := h.Hijack()
	if err == nil {
		r.w.Store(nil)
	}
	return conn, brw, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *releasingWriter) Unwrap() http.ResponseWriter { return r.get() }

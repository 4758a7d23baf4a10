package web

import (
	"net"
	"net/http"
	"time"

	"smartwait/internal/realtime"
)

// An open event stream costs what the goroutines and buffers it holds for its
// whole life cost, and a status page keeps one open per patient. Served the
// usual way, a stream keeps net/http's handler goroutine, with the stack the
// middleware and the snapshot's database read grew, plus net/http's 4 KiB read
// and 4 KiB write buffers, its chunk buffer and our own: ~46 KiB per stream
// (docs/benchmarks.md, "Memory and fan-out (issue 11)"). So once the headers
// are out, an HTTP/1 stream takes its connection over (hijacks it): the
// handler returns, net/http lets its buffers go, and two goroutines that never
// grow deep keep the stream — one writing events, one parked in the netpoller
// to notice the client leaving. Each write is built in a buffer of its own and
// dropped, so an idle stream holds no buffer. HTTP/2 streams and test
// recorders, which cannot be hijacked, are served on the handler as before.

// sseHeartbeat is the comment an idle stream writes every heartbeat.
var sseHeartbeat = []byte(": heartbeat\n\n")

// sseStream is one open stream: its subscription and what the loop needs.
type sseStream struct {
	sub     *realtime.Subscriber // nil until subscribed
	release func()               // the connection-cap slot; nil without a cap
	// skips are the streams (lines) the snapshot reflects, each with the
	// version it reflects: live events of that stream up to it are skipped.
	skips     []streamVersion
	heartbeat time.Duration
	until     time.Time // end then (a staff session's expiry); zero: never
	now       func() time.Time
}

// end closes the subscription and frees the connection slot.
func (ss *sseStream) end() {
	if ss.sub != nil {
		ss.sub.Close()
	}
	if ss.release != nil {
		ss.release()
	}
}

// sseOut is where a stream's bytes go: a hijacked connection or the response.
type sseOut interface {
	// write sends b, which the stream does not touch again, and must be done
	// by deadline.
	write(b []byte, deadline time.Time) error
	close()
}

// run writes the retry line, the snapshot and the replayed events, then live
// events and heartbeats until the client leaves (gone), the subscription ends
// (slow, resync, session ended, hub closed) or the stream expires. It ends the
// stream and closes out.
func (ss *sseStream) run(out sseOut, gone <-chan struct{}, snapshot, replay []realtime.Message) {
	defer ss.end()
	defer out.close()
	tick := time.NewTicker(ss.heartbeat)
	defer tick.Stop()
	var expired <-chan time.Time
	if !ss.until.IsZero() {
		t := time.NewTimer(ss.until.Sub(ss.now()))
		defer t.Stop()
		expired = t.C
	}
	b := []byte(sseRetry)
	for _, m := range snapshot {
		b = appendEvent(b, m)
	}
	b, more := ss.appendLive(b, replay)
	for {
		// Deadline per write: a client that stopped reading cannot hold the
		// goroutine forever.
		if err := out.write(b, time.Now().Add(ss.heartbeat+10*time.Second)); err != nil || !more {
			return
		}
		b = nil
		select {
		case <-ss.sub.Ready():
			b, more = ss.appendLive(nil, ss.sub.Take())
		case <-tick.C:
			b = sseHeartbeat
		case <-ss.sub.Done():
			return
		case <-expired:
			return
		case <-gone:
			return
		}
	}
}

// streamVersion is a replay stream (a line) at one version.
type streamVersion struct {
	stream  string
	version int64
}

// covered reports whether the snapshot already reflects m.
func (ss *sseStream) covered(m realtime.Message) bool {
	for _, s := range ss.skips {
		if s.stream == m.Stream {
			return m.Version <= s.version
		}
	}
	return false
}

// appendLive appends the events of msgs the client has not seen. more is
// false after an event that ends the stream: a resync (written, so the client
// knows to fetch a snapshot) or the end of the staff session (not written).
func (ss *sseStream) appendLive(b []byte, msgs []realtime.Message) (_ []byte, more bool) {
	for _, m := range msgs {
		switch {
		case m.Event == realtime.EventSessionEnded:
			return b, false
		case m.Event == realtime.EventResync:
			return appendEvent(b, m), false
		case ss.covered(m):
			continue // the snapshot already covers it
		}
		b = appendEvent(b, m)
	}
	return b, true
}

// hijackStream sends the status and headers and takes the connection over
// from net/http, for an HTTP/1 request on a connection that can be hijacked.
// The body then runs until the connection closes (Transfer-Encoding identity,
// which net/http answers with Connection: close), so no chunk framing is
// needed. gone is closed when the client closes its side. Otherwise (HTTP/2,
// a recorder) it only sends the status, and ok is false.
func hijackStream(w http.ResponseWriter, r *http.Request) (out sseOut, gone <-chan struct{}, ok bool) {
	if r.ProtoMajor != 1 {
		w.WriteHeader(http.StatusOK)
		return nil, nil, false
	}
	w.Header().Set("Transfer-Encoding", "identity")
	w.WriteHeader(http.StatusOK)
	conn, _, err := http.NewResponseController(w).Hijack() // flushes the headers first
	if err != nil {
		return nil, nil, false
	}
	// The server's read and write deadlines do not apply to a stream; each
	// write sets its own.
	_ = conn.SetDeadline(time.Time{})
	closed := make(chan struct{})
	go func() {
		// A client sends nothing more on an event stream; a read returns
		// when it closes the connection, or when run closes it.
		var b [1]byte
		for {
			if _, err := conn.Read(b[:]); err != nil {
				close(closed)
				return
			}
		}
	}()
	return connOut{conn}, closed, true
}

// connOut writes to a hijacked connection.
type connOut struct{ c net.Conn }

func (o connOut) write(b []byte, deadline time.Time) error {
	if len(b) == 0 {
		return nil
	}
	_ = o.c.SetWriteDeadline(deadline)
	_, err := o.c.Write(b)
	return err
}

func (o connOut) close() { _ = o.c.Close() }

// responseOut writes through the ResponseWriter, flushing each write.
type responseOut struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func newResponseOut(w http.ResponseWriter) responseOut {
	return responseOut{w, http.NewResponseController(w)}
}

func (o responseOut) write(b []byte, deadline time.Time) error {
	_ = o.rc.SetWriteDeadline(deadline)
	if len(b) > 0 {
		if _, err := o.w.Write(b); err != nil {
			return err
		}
	}
	return o.rc.Flush()
}

func (o responseOut) close() {}

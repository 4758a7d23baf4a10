package engineio

import (
	"errors"
	"io"
	"net/http"
	"time"
)

// poll answers a long-polling GET: it waits until packets are queued and
// returns them all as one payload. During an upgrade it answers with a noop,
// so that the client's pending poll ends and the client can finish the
// upgrade; once the session has closed, or has flushed its queue while
// closing, with a close packet.
func (ss *session) poll(w http.ResponseWriter, r *http.Request) {
	ss.mu.Lock()
	if ss.transport != tPolling {
		ss.mu.Unlock()
		writeError(w, http.StatusBadRequest, errBadRequest)
		return
	}
	if ss.polling {
		// Two polls at once is not a client of this protocol: Engine.IO
		// closes the session too.
		ss.mu.Unlock()
		writeError(w, http.StatusBadRequest, errBadRequest)
		ss.finish(ReasonTransportError)
		return
	}
	ss.polling = true
	ss.srv.polls.Add(1)
	defer ss.srv.polls.Add(-1)
	var payload []byte
	flushed := false
	for {
		if ss.closed {
			payload = rawClose
			break
		}
		if len(ss.queue) > 0 && ss.transport == tPolling {
			payload = joinPayload(ss.queue)
			ss.queue = nil
			break
		}
		if ss.closing { // the queue went out in earlier polls
			payload, flushed = rawClose, true
			break
		}
		if ss.upgrading || ss.transport != tPolling {
			payload = rawNoop
			break
		}
		ss.mu.Unlock()
		select {
		case <-ss.wake:
		case <-r.Context().Done():
			// The client went away; the heartbeat ends the session if it
			// does not come back.
			ss.mu.Lock()
			ss.polling = false
			ss.mu.Unlock()
			return
		}
		ss.mu.Lock()
	}
	ss.polling = false
	reason := ss.closeReason
	ss.mu.Unlock()
	writePayload(w, payload)
	if flushed { // the close packet went out with this payload
		ss.finish(reason)
	}
}

// post handles a long-polling POST: the packets of its payload, in order.
func (ss *session) post(w http.ResponseWriter, r *http.Request) {
	// A read deadline on the connection: the body must arrive within
	// BodyTimeout. It is cleared once the body is in, or net/http's
	// background read of an idle keep-alive connection would trip on it.
	// Test recorders do not support deadlines; a real connection does.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(ss.srv.cfg.BodyTimeout))
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(ss.srv.cfg.MaxPayload)))
	if err == nil {
		_ = rc.SetReadDeadline(time.Time{})
	}
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, errBadRequest)
		} else {
			writeError(w, http.StatusBadRequest, errBadRequest)
		}
		ss.finish(ReasonTransportError)
		return
	}
	ss.mu.Lock()
	if ss.transport != tPolling || ss.closed {
		ss.mu.Unlock()
		writeError(w, http.StatusBadRequest, errBadRequest)
		return
	}
	if ss.posting {
		ss.mu.Unlock()
		writeError(w, http.StatusBadRequest, errBadRequest)
		ss.finish(ReasonTransportError)
		return
	}
	ss.posting = true
	ss.mu.Unlock()
	defer func() {
		ss.mu.Lock()
		ss.posting = false
		ss.mu.Unlock()
	}()
	pkts, err := splitPayload(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, errBadRequest)
		ss.finish(ReasonParseError)
		return
	}
	for _, p := range pkts {
		ss.onPacket(p)
	}
	w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	_, _ = w.Write([]byte("ok"))
}

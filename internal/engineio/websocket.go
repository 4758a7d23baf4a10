package engineio

import (
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
)

// useWebsocket makes ws the session's transport, with first as the first
// packet written (the handshake of a websocket-only client).
func (ss *session) useWebsocket(ws *websocket.Conn, first []byte) {
	ws.SetReadLimit(int64(ss.srv.cfg.MaxPayload))
	ss.mu.Lock()
	if ss.closed { // Server.Close ran since the handshake began
		ss.mu.Unlock()
		_ = ws.Close()
		return
	}
	ss.useLocked(ws)
	ss.queue = append(ss.queue, first)
	ss.kickLocked()
	ss.mu.Unlock()
}

// readWebsocket is the connection's only long-lived goroutine: it reads the
// client's packets until the connection ends. Between packets it is parked in
// the runtime's netpoller, holding a 512-byte read buffer and a small stack:
// the client's Socket.IO messages are handled aside (handleAside), so the
// stack the handlers grow is not kept for the connection's life.
func (ss *session) readWebsocket(ws *websocket.Conn) {
	for {
		typ, r, err := ws.NextReader()
		if err != nil {
			reason := ReasonTransportClose
			if errors.Is(err, websocket.ErrReadLimit) {
				reason = ReasonTransportError
			}
			ss.finish(reason)
			return
		}
		if typ != websocket.TextMessage {
			ss.finish(ReasonParseError) // binary packets are refused
			return
		}
		p, err := io.ReadAll(r)
		if err != nil {
			ss.finish(ReasonTransportError)
			return
		}
		ss.handleAside(p)
	}
}

// handleAside handles one client packet on a goroutine of its own and waits
// for it, so packets keep their order. Why: a goroutine keeps the stack it
// grew until a garbage collection shrinks it, by half at most per cycle, and
// the reader parks for the connection's whole life. The handlers behind a
// Socket.IO message (OnConnect, a join that looks a patient up in the
// database) need 8–16 KiB of stack; on the reader, every idle client kept it
// (docs/benchmarks.md, "Memory and fan-out (issue 11)"). An exited goroutine
// returns a grown stack at once. Pongs and the other Engine.IO packets need
// no depth and are handled in place.
func (ss *session) handleAside(p []byte) {
	if len(p) == 0 || p[0] != pktMessage {
		ss.onPacket(p)
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		ss.onPacket(p)
	}()
	<-done
}

// useLocked makes ws the session's transport. gorilla's ping and close
// handlers would write a control frame from the reader while a send writes
// a frame of its own; here they queue theirs for the writer instead.
func (ss *session) useLocked(ws *websocket.Conn) {
	ss.transport, ss.ws = tWebsocket, ws
	ss.raw = newRawWriter(ws.UnderlyingConn())
	control := func(op byte, data []byte) {
		ss.mu.Lock()
		// A client that pings without reading would grow the pongs
		// without bound: past one write batch it is dropped as slow, as
		// a full packet queue drops it.
		over := len(ss.pending) > maxWriteBatch
		if !ss.closed && !over {
			ss.pending = appendFrame(ss.pending, op, data)
			ss.kickLocked()
		}
		ss.mu.Unlock()
		if over {
			ss.overflowed()
		}
	}
	ws.SetPingHandler(func(data string) error {
		control(opPong, []byte(data))
		return nil
	})
	ws.SetCloseHandler(func(code int, _ string) error {
		// Echo the code; the reader then ends the session.
		control(opClose, websocket.FormatCloseMessage(code, ""))
		return nil
	})
}

// writeWebsocket drains the queue onto ws, then exits: the goroutine exists
// only while frames are waiting, so a fan-out never waits on a slow client
// and an idle client has no writer. What is waiting goes out framed in one
// buffer, in writes of up to maxWriteBatch. When the session is closing it
// closes the connection once the queue is empty.
func (ss *session) writeWebsocket(ws *websocket.Conn) {
	conn := ws.UnderlyingConn()
	for {
		ss.mu.Lock()
		if (len(ss.queue) == 0 && len(ss.pending) == 0) || ss.closed {
			ss.writing = false
			closing, reason := ss.closing && !ss.closed, ss.closeReason
			// The deadline was for this goroutine's writes; left in place it
			// would fail the inline writes of sendFrame once it passed.
			_ = conn.SetWriteDeadline(time.Time{})
			ss.mu.Unlock()
			if closing {
				deadline := time.Now().Add(ss.srv.cfg.WriteTimeout)
				_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), deadline)
				ss.finish(reason)
			}
			return
		}
		bp := writeBufs.Get().(*[]byte)
		buf := append((*bp)[:0], ss.pending...)
		ss.pending = nil
		k := 0
		for k < len(ss.queue) && len(buf) < maxWriteBatch {
			buf = appendFrame(buf, opText, ss.queue[k])
			ss.queue[k] = nil
			k++
		}
		if ss.queue = ss.queue[k:]; len(ss.queue) == 0 {
			ss.queue = nil
		}
		ss.mu.Unlock()
		_ = conn.SetWriteDeadline(time.Now().Add(ss.srv.cfg.WriteTimeout))
		_, err := conn.Write(buf)
		putWriteBuf(bp, buf)
		if err != nil {
			ss.finish(ReasonTransportError)
			return
		}
	}
}

// upgrade accepts a websocket for a polling session and hands it to probe.
func (s *Server) upgrade(w http.ResponseWriter, r *http.Request, ss *session) {
	ss.mu.Lock()
	ok := ss.transport == tPolling && !ss.upgrading && !ss.closed && !ss.closing
	ss.mu.Unlock()
	if !ok || !websocket.IsWebSocketUpgrade(r) {
		writeError(w, http.StatusBadRequest, errBadRequest)
		return
	}
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered
	}
	go ss.probe(ws)
}

// probe runs the upgrade: the client sends "2probe" over the new websocket and
// gets "3probe"; the server ends the client's pending poll with a noop; the
// client sends "5" and from then on the session's packets go over the
// websocket. A failed or timed-out upgrade leaves the session on polling.
func (ss *session) probe(ws *websocket.Conn) {
	cfg := ss.srv.cfg
	ws.SetReadLimit(int64(cfg.MaxPayload))
	deadline := time.Now().Add(cfg.UpgradeTimeout)
	_ = ws.SetReadDeadline(deadline)
	typ, b, err := ws.ReadMessage()
	if err != nil || typ != websocket.TextMessage || string(b) != "2probe" {
		_ = ws.Close()
		return
	}
	_ = ws.SetWriteDeadline(deadline)
	if err := ws.WriteMessage(websocket.TextMessage, rawProbe); err != nil {
		_ = ws.Close()
		return
	}
	ss.mu.Lock()
	if ss.closed || ss.closing || ss.upgrading || ss.transport != tPolling {
		ss.mu.Unlock()
		_ = ws.Close()
		return
	}
	ss.upgrading = true
	ss.kickLocked() // the pending poll answers with a noop
	ss.mu.Unlock()

	typ, b, err = ws.ReadMessage()
	if err != nil || typ != websocket.TextMessage || len(b) != 1 || b[0] != pktUpgrade {
		ss.mu.Lock()
		ss.upgrading = false
		ss.mu.Unlock()
		_ = ws.Close()
		return
	}
	_ = ws.SetReadDeadline(time.Time{})
	ss.mu.Lock()
	if ss.closed {
		ss.mu.Unlock()
		_ = ws.Close()
		return
	}
	ss.upgrading = false
	select { // a poll still waiting answers with a noop
	case ss.wake <- struct{}{}:
	default:
	}
	ss.useLocked(ws)
	ss.kickLocked()
	ss.mu.Unlock()
	ss.readWebsocket(ws)
}

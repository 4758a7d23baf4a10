package engineio

import (
	"errors"
	"fmt"
)

// onMessage handles one Socket.IO packet of the session, under ss.dispatch.
// A panic in the application's OnConnect or handlers ends this connection
// (ReasonTransportError), not the process.
func (ss *session) onMessage(data []byte) {
	p, err := decodeSIO(data)
	if err != nil {
		ss.finish(ReasonParseError)
		return
	}
	defer func() {
		if r := recover(); r != nil {
			ss.srv.cfg.Log.Error("engineio: handler panicked", "panic", fmt.Sprint(r))
			ss.finish(ReasonTransportError)
		}
	}()
	if p.nsp != "/" {
		// Only the default namespace exists; packets for others are ignored,
		// as Socket.IO does once it has refused their CONNECT.
		if p.typ == sioConnect {
			_ = ss.send(connectErrorPacket(p.nsp, "Invalid namespace", nil))
		}
		return
	}
	ss.mu.Lock()
	sock := ss.sock
	ss.mu.Unlock()
	switch p.typ {
	case sioConnect:
		if sock == nil {
			ss.connect(p.data)
		}
	case sioDisconnect:
		if sock != nil {
			ss.finish(ReasonClientDisconnect)
		}
	case sioEvent:
		if sock != nil {
			sock.event(p)
		}
	case sioAck:
		if sock != nil {
			sock.ack(p)
		}
	}
}

// connect runs OnConnect for a CONNECT and answers it. Nothing the socket's
// handlers could answer is processed before OnConnect returns (the session's
// dispatch lock is held), and the CONNECT answer is queued in the same
// critical section that makes the socket the session's: no client packet can
// find the socket half set up.
func (ss *session) connect(auth []byte) {
	ss.mu.Lock()
	if ss.hs == nil { // closed
		ss.mu.Unlock()
		return
	}
	hs := *ss.hs
	ss.mu.Unlock()
	hs.Auth = auth
	sock := &Socket{sess: ss, id: newID()}
	if err := ss.srv.cfg.OnConnect(sock, hs); err != nil {
		var data any
		var ce *ConnectError
		if errors.As(err, &ce) {
			data = ce.Data
		}
		// The session stays open: the client may CONNECT again (until
		// ConnectTimeout), as Socket.IO allows.
		_ = ss.send(connectErrorPacket("/", err.Error(), data))
		return
	}
	ss.srv.sockets.Add(1)
	ss.mu.Lock()
	if ss.closed || ss.closing {
		ss.mu.Unlock()
		sock.disconnected(ReasonTransportClose)
		return
	}
	ss.sock = sock
	ss.hs = nil // the headers are no longer needed: do not hold them per client
	ss.connectTimer.Stop()
	err := ss.enqueueLocked(connectPacket(sock.id))
	ss.mu.Unlock()
	if err == ErrOverflow {
		ss.overflowed()
	}
}

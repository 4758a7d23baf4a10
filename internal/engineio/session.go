package engineio

import (
	"errors"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Why a socket was disconnected: the reason given to OnDisconnect callbacks.
// They are Socket.IO's own reasons, plus ReasonSlow.
const (
	ReasonTransportClose   = "transport close"             // the client closed the connection or went away
	ReasonTransportError   = "transport error"             // a write failed or timed out, a payload was too large, a request overlapped
	ReasonPingTimeout      = "ping timeout"                // no pong within PingTimeout
	ReasonParseError       = "parse error"                 // a malformed or binary packet
	ReasonServerDisconnect = "server namespace disconnect" // Socket.Disconnect
	ReasonClientDisconnect = "client namespace disconnect" // the client's socket.disconnect()
	ReasonServerShutdown   = "server shutting down"        // Server.Close
	ReasonForcedClose      = "forced server close"         // Socket.Close
	// ReasonSlow means the socket's outgoing queue overflowed (Config.QueueSize):
	// the client was not reading. It is counted in Stats.Overflows.
	ReasonSlow = "slow client"
)

// Errors of Send, Emit and acknowledgements.
var (
	// ErrClosed is returned for a socket that is disconnected or disconnecting.
	ErrClosed = errors.New("engineio: socket is closed")
	// ErrOverflow is returned when the socket's queue was full: the socket has
	// been disconnected with ReasonSlow.
	ErrOverflow = errors.New("engineio: socket queue overflowed; disconnected")
)

// transports of a session.
const (
	tPolling = iota
	tWebsocket
)

// Handshake is what the client's first request said, given to OnConnect.
type Handshake struct {
	Auth       []byte      // the CONNECT payload: a JSON object, or nil when the client sent none
	Header     http.Header // the first request's headers (Origin, User-Agent, Cookie, ...)
	Query      url.Values  // the first request's query
	RemoteAddr string      // the first request's RemoteAddr (host:port)
	Time       time.Time   // when the session opened (Config.Now)
}

// session is one Engine.IO connection: its outgoing queue, its transport and
// timers, and at most one Socket.IO socket. Its fields are guarded by mu,
// except id and srv, which never change.
type session struct {
	srv *Server
	id  string

	// dispatch serialises the handling of the client's messages, which may
	// come from a POST and, after an upgrade, from the websocket reader.
	dispatch sync.Mutex

	mu           sync.Mutex
	hs           *Handshake // until the socket connects
	queue        [][]byte   // Engine.IO packets waiting to be written
	transport    int
	ws           *websocket.Conn // the websocket, once the session uses one
	raw          *rawWriter      // writes to ws's connection without waiting; nil: always through the writer goroutine
	pending      []byte          // websocket frames to write before the queue: the rest of a partial write, control frames
	writing      bool            // a websocket writer goroutine runs, or a send is writing inline
	upgrading    bool            // a probed websocket waits for the upgrade packet
	polling      bool            // a GET waits
	posting      bool            // a POST is being handled
	wake         chan struct{}   // tells a waiting GET to look again
	awaitingPong bool
	heartbeat    *time.Timer
	connectTimer *time.Timer // closes a session that never CONNECTs
	sock         *Socket
	closing      bool   // flushing the queue, then closing
	closeReason  string // why, while closing
	closed       bool
	release      func() // Config.Admit's; run once when the session ends
}

func newSession(srv *Server, r *http.Request) *session {
	return &session{
		srv:  srv,
		id:   newID(),
		hs:   &Handshake{Header: r.Header, Query: r.URL.Query(), RemoteAddr: r.RemoteAddr, Time: srv.cfg.Now()},
		wake: make(chan struct{}, 1),
	}
}

// start arms the heartbeat and the connect timeout.
func (ss *session) start() {
	ss.mu.Lock()
	ss.heartbeat = time.AfterFunc(ss.srv.cfg.PingInterval, ss.beat)
	ss.connectTimer = time.AfterFunc(ss.srv.cfg.ConnectTimeout, func() {
		ss.mu.Lock()
		connected := ss.sock != nil
		ss.mu.Unlock()
		if !connected {
			ss.finish(ReasonTransportClose)
		}
	})
	ss.mu.Unlock()
}

// beat sends a ping every PingInterval and, when the previous ping had no
// pong within PingTimeout, closes the session.
func (ss *session) beat() {
	ss.mu.Lock()
	if ss.closed {
		ss.mu.Unlock()
		return
	}
	if ss.awaitingPong {
		ss.mu.Unlock()
		ss.finish(ReasonPingTimeout)
		return
	}
	ss.awaitingPong = true
	ss.heartbeat.Reset(ss.srv.cfg.PingTimeout)
	err := ss.enqueueLocked(rawPing)
	ss.mu.Unlock()
	if err == ErrOverflow {
		ss.overflowed()
	}
}

func (ss *session) pong() {
	ss.mu.Lock()
	if ss.awaitingPong && !ss.closed {
		ss.awaitingPong = false
		ss.heartbeat.Reset(ss.srv.cfg.PingInterval)
	}
	ss.mu.Unlock()
}

// send queues one packet without blocking. A full queue disconnects the
// session (ReasonSlow) and returns ErrOverflow.
func (ss *session) send(p []byte) error { return ss.sendPackets([]*Packet{{b: p}}) }

// sendPackets is send for several packets, in order, whose websocket frames
// may be ready (Packet.frame; nil: framed here; a direct packet: encoded
// here). On an idle websocket it writes their frames at once, together, on
// the calling goroutine, as far as the kernel takes them without waiting;
// the rest, and anything sent meanwhile, goes to the writer goroutine. A
// fan-out thus costs one write(2) per socket and no goroutine, and still
// never waits on a slow client.
func (ss *session) sendPackets(pkts []*Packet) error {
	ss.mu.Lock()
	if ss.raw == nil || ss.transport != tWebsocket || ss.writing || ss.closed || ss.closing ||
		len(ss.queue) > 0 || len(ss.pending) > 0 {
		var err error
		for _, p := range pkts {
			if err = ss.enqueueLocked(p.message()); err != nil {
				break
			}
		}
		ss.mu.Unlock()
		if err == ErrOverflow {
			ss.overflowed()
		}
		return err
	}
	ss.writing = true // no other write starts until this one is done
	raw := ss.raw
	ss.mu.Unlock()

	var frames []byte
	var bp *[]byte
	if len(pkts) == 1 && pkts[0].frame != nil {
		frames = pkts[0].frame
	} else {
		bp = writeBufs.Get().(*[]byte)
		frames = (*bp)[:0]
		for _, p := range pkts {
			frames = p.appendFrame(frames)
		}
	}
	n, err := raw.tryWrite(frames)
	ss.mu.Lock()
	ss.writing = false
	if err != nil && err != errWouldBlock {
		ss.mu.Unlock()
		putWriteBuf(bp, frames)
		ss.finish(ReasonTransportError)
		return nil // as a failed write on the writer goroutine: the session is gone
	}
	if n < len(frames) {
		// Part of a frame may be on the wire: the rest goes first, before
		// any control frame queued meanwhile.
		ss.pending = append(append([]byte(nil), frames[n:]...), ss.pending...)
	}
	ss.kickLocked()
	ss.mu.Unlock()
	putWriteBuf(bp, frames)
	return nil
}

// enqueueLocked appends p and starts whatever writes it. ss.mu is held.
func (ss *session) enqueueLocked(p []byte) error {
	if ss.closed || ss.closing {
		return ErrClosed
	}
	if len(ss.queue) >= ss.srv.cfg.QueueSize {
		return ErrOverflow
	}
	ss.queue = append(ss.queue, p)
	ss.kickLocked()
	return nil
}

// kickLocked starts the websocket writer, or wakes the waiting poll.
func (ss *session) kickLocked() {
	if ss.transport == tWebsocket {
		if !ss.writing && (len(ss.queue) > 0 || len(ss.pending) > 0 || ss.closing) {
			ss.writing = true
			go ss.writeWebsocket(ss.ws)
		}
		return
	}
	select {
	case ss.wake <- struct{}{}:
	default:
	}
}

func (ss *session) overflowed() {
	ss.srv.overflows.Add(1)
	ss.srv.cfg.Log.Info("engineio: disconnecting a client that does not keep up", "queue", ss.srv.cfg.QueueSize)
	ss.finish(ReasonSlow)
}

// closeAfterFlush ends the session once what is queued has been written: the
// socket is disconnected now (its callbacks run with reason), the transport
// closes after the flush, or after PingTimeout at most. A polling client gets
// the close packet in a poll of its own, after the queue: the JavaScript client
// handles a Socket.IO packet a tick after its Engine.IO payload, so a close
// packet in the same payload would overtake a DISCONNECT, and the client would
// reconnect instead of staying disconnected.
func (ss *session) closeAfterFlush(reason string) {
	ss.mu.Lock()
	if ss.closed || ss.closing {
		ss.mu.Unlock()
		return
	}
	ss.closing, ss.closeReason = true, reason
	sock := ss.sock
	ss.sock = nil
	ss.kickLocked()
	ss.mu.Unlock()
	time.AfterFunc(ss.srv.cfg.PingTimeout, func() { ss.finish(reason) })
	if sock != nil {
		sock.disconnected(reason)
	}
}

// finish ends the session now: it forgets the queue, closes the websocket,
// answers a waiting poll with a close packet and disconnects the socket.
// It is idempotent.
func (ss *session) finish(reason string) {
	ss.mu.Lock()
	if ss.closed {
		ss.mu.Unlock()
		return
	}
	ss.closed = true
	ss.queue, ss.pending = nil, nil
	ss.hs = nil
	if ss.heartbeat != nil {
		ss.heartbeat.Stop()
		ss.connectTimer.Stop()
	}
	ws, sock := ss.ws, ss.sock
	ss.sock = nil
	select {
	case ss.wake <- struct{}{}:
	default:
	}
	ss.mu.Unlock()
	ss.srv.remove(ss)
	ss.releaseOnce()
	if ws != nil {
		_ = ws.Close()
	}
	if sock != nil {
		sock.disconnected(reason)
	}
}

// releaseOnce runs the release function Config.Admit gave, at most once.
func (ss *session) releaseOnce() {
	ss.mu.Lock()
	f := ss.release
	ss.release = nil
	ss.mu.Unlock()
	if f != nil {
		f()
	}
}

// onPacket handles one packet from the client, on either transport.
func (ss *session) onPacket(p []byte) {
	typ, data, err := decodePacket(p)
	if err != nil {
		ss.finish(ReasonParseError)
		return
	}
	switch typ {
	case pktPong:
		ss.pong()
	case pktMessage:
		ss.dispatch.Lock()
		defer ss.dispatch.Unlock()
		ss.onMessage(data)
	case pktClose:
		ss.finish(ReasonTransportClose)
	}
	// ping, upgrade and noop mean something only during an upgrade (probe).
}

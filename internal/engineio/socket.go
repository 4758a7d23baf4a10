package engineio

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
)

// Handler handles one event from a client. args are the event's JSON
// arguments; ack is nil unless the client asked for an acknowledgement.
// Handlers of one socket run one at a time, in the order the client sent its
// packets, on the goroutine reading the connection: a handler that blocks
// holds up that client's later packets (not other clients').
type Handler func(args []json.RawMessage, ack Ack)

// Ack answers a client's acknowledgement request with JSON-marshalled args.
// Only its first call sends; later calls return ErrAckUsed.
type Ack func(args ...any) error

// ErrAckUsed is returned by an Ack called more than once.
var ErrAckUsed = errors.New("engineio: acknowledgement already sent")

// ConnectError refuses a CONNECT with data for the client: the client's
// connect_error handler gets an Error whose message is Message and whose data
// is Data (marshalled to JSON).
type ConnectError struct {
	Message string
	Data    any
}

// Error implements error.
func (e *ConnectError) Error() string { return e.Message }

// maxPendingAcks bounds the acknowledgements a socket may wait for from its
// client, so a client that never answers cannot make the server hold
// callbacks without limit.
const maxPendingAcks = 64

// errTooManyAcks is returned by EmitWithAck past maxPendingAcks.
var errTooManyAcks = errors.New("engineio: too many acknowledgements pending")

// Socket is one connected Socket.IO client (default namespace). All methods are
// safe for concurrent use.
type Socket struct {
	sess *session
	id   string

	mu       sync.Mutex
	handlers map[string]Handler
	onClose  []func(reason string)
	acks     map[int64]func([]json.RawMessage)
	nextAck  int64
	closed   bool
	reason   string // why it disconnected, once closed
}

// ID is the socket's id, which the client also knows (socket.id); it differs
// from the Engine.IO session id.
func (s *Socket) ID() string { return s.id }

// On sets the handler of an event (replacing an earlier one). Set handlers in
// OnConnect, so that they are in place before the client's first event.
func (s *Socket) On(event string, h Handler) {
	s.mu.Lock()
	if s.handlers == nil {
		s.handlers = map[string]Handler{}
	}
	s.handlers[event] = h
	s.mu.Unlock()
}

// OnDisconnect adds a callback run once when the socket disconnects, with the
// reason (a Reason* constant). Registered after the disconnect, it runs at
// once. Callbacks run on the goroutine that ended the socket (which may be one
// calling Send): they must not block.
func (s *Socket) OnDisconnect(f func(reason string)) {
	s.mu.Lock()
	if !s.closed {
		s.onClose = append(s.onClose, f)
		s.mu.Unlock()
		return
	}
	reason := s.reason
	s.mu.Unlock()
	f(reason)
}

// Send queues a packet built by NewEvent without blocking. It returns ErrClosed
// for a disconnected socket and ErrOverflow when the socket's queue was full
// (the socket is then disconnected with ReasonSlow).
func (s *Socket) Send(p *Packet) error { return s.sess.sendPackets([]*Packet{p}) }

// SendMany queues packets built by NewEvent, in order, as Send; on a
// websocket they go out in one write when the connection is idle.
func (s *Socket) SendMany(ps []*Packet) error { return s.sess.sendPackets(ps) }

// Emit marshals args to JSON and queues the event, as Send.
func (s *Socket) Emit(event string, args ...any) error {
	raw, err := marshalArgs(args)
	if err != nil {
		return fmt.Errorf("engineio: emit %q: %w", event, err)
	}
	return s.sess.send(appendEvent(nil, sioEvent, -1, event, raw))
}

// EmitWithAck emits an event asking the client to acknowledge it; ack runs
// with the client's answer, on the goroutine reading the connection. If the
// socket disconnects first, ack never runs. At most 64 acknowledgements may be
// pending per socket.
func (s *Socket) EmitWithAck(event string, ack func(args []json.RawMessage), args ...any) error {
	raw, err := marshalArgs(args)
	if err != nil {
		return fmt.Errorf("engineio: emit %q: %w", event, err)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	if len(s.acks) >= maxPendingAcks {
		s.mu.Unlock()
		return errTooManyAcks
	}
	if s.acks == nil {
		s.acks = map[int64]func([]json.RawMessage){}
	}
	id := s.nextAck
	s.nextAck++
	s.acks[id] = ack
	s.mu.Unlock()
	if err := s.sess.send(appendEvent(nil, sioEvent, id, event, raw)); err != nil {
		s.mu.Lock()
		delete(s.acks, id)
		s.mu.Unlock()
		return err
	}
	return nil
}

// Disconnect tells the client it was disconnected (it will not reconnect by
// itself), then closes the connection once what is queued has been written.
// OnDisconnect callbacks run with ReasonServerDisconnect.
func (s *Socket) Disconnect() {
	_ = s.sess.send(rawDisconnect)
	s.sess.closeAfterFlush(ReasonServerDisconnect)
}

// Close closes the client's connection without telling it it was
// disconnected, as Socket.IO's disconnect(true): the client sees its transport
// close and reconnects (then fetches state again). Use it when the server
// cannot serve the socket any more but the client should come back.
// OnDisconnect callbacks run with ReasonForcedClose.
func (s *Socket) Close() { s.sess.finish(ReasonForcedClose) }

// disconnected marks the socket closed and runs its callbacks, once.
func (s *Socket) disconnected(reason string) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed, s.reason = true, reason
	cbs := s.onClose
	s.onClose, s.acks, s.handlers = nil, nil, nil
	s.mu.Unlock()
	s.sess.srv.sockets.Add(-1)
	for _, f := range cbs {
		f(reason)
	}
}

// event runs the handler of a client's event.
func (s *Socket) event(p sioPacket) {
	s.mu.Lock()
	h := s.handlers[p.event]
	s.mu.Unlock()
	if h == nil {
		return // as Socket.IO: an event nobody listens to is ignored
	}
	var ack Ack
	if p.ackID >= 0 {
		id := p.ackID
		var once sync.Once
		ack = func(args ...any) error {
			err := ErrAckUsed
			once.Do(func() {
				var raw []json.RawMessage
				if raw, err = marshalArgs(args); err == nil {
					err = s.sess.send(appendEvent(nil, sioAck, id, "", raw))
				}
			})
			return err
		}
	}
	h(p.args, ack)
}

// ack runs the callback waiting for a client's acknowledgement.
func (s *Socket) ack(p sioPacket) {
	s.mu.Lock()
	f := s.acks[p.ackID]
	delete(s.acks, p.ackID)
	s.mu.Unlock()
	if f != nil {
		f(p.args)
	}
}

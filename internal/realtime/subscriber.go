package realtime

import (
	"errors"
	"fmt"
	"sync"
)

// ErrSlow is what a push-mode send function returns when its connection cannot
// take more (its own transport buffer is full): the subscriber is dropped as slow.
var ErrSlow = errors.New("realtime: connection is not keeping up")

// Why a subscriber was closed.
const (
	ReasonClosed = "closed" // the transport closed it (the client went away)
	ReasonSlow   = "slow"   // its queue was full: it fell behind and must resync
	ReasonFailed = "failed" // its send function panicked
	ReasonHub    = "hub closed"
)

// Subscriber is one client connection of one transport. It receives the messages
// of the rooms it joined, in delivery order, through a bounded queue that the
// publisher never waits on.
//
// A subscriber is either push-mode (made with a send function, which a writer
// goroutine calls for each message; the goroutine exists only while messages are
// pending) or pull-mode (the transport's own goroutine waits on Ready and calls
// Take), which is how the SSE handlers use it.
type Subscriber struct {
	hub       *Hub
	transport string
	send      func(Message) error   // push mode; nil for pull mode
	sendBatch func([]Message) error // inline mode (SubscribeInline): the hub calls it itself, without a queue
	inline    bool
	shard     int // inline: which of the hub's sending goroutines calls sendBatch

	// While the hub delivers a batch: the batch's number (Hub.gen) and this
	// subscriber's group in its shard's work; for a queued subscriber, the
	// number of the batch that overflowed its queue (it is then skipped for
	// the rest of the batch, and removed after). Guarded by the hub's deliverMu.
	gen      uint64
	group    int32
	overflow uint64
	onClose  func(reason string) // called once, outside every lock
	limit    int

	mu      sync.Mutex
	queue   []Message
	running bool // a writer goroutine is draining the queue
	closed  bool
	reason  string
	ready   chan struct{} // pull mode: has a value when the queue is non-empty
	done    chan struct{} // closed by close

	rooms   map[string]struct{} // guarded by hub.mu
	session string              // the bound staff session; guarded by hub.mu
	// following holds the broker shards s follows (Hub.Follow); guarded by
	// hub.followMu.
	following map[string]struct{}
}

// Transport is the transport name given to Subscribe ("socketio", "sse").
func (s *Subscriber) Transport() string { return s.transport }

// Ready has a value when messages may be waiting; pull-mode transports wait on it
// and then call Take.
func (s *Subscriber) Ready() <-chan struct{} { return s.ready }

// Done is closed when the subscriber is closed, by Close or by the hub. When
// the hub dropped it, Stats counts the drop and onClose starts just after Done
// closes, not before: wait for onClose to know both happened.
func (s *Subscriber) Done() <-chan struct{} { return s.done }

// Reason says why the subscriber was closed ("" while it is open).
func (s *Subscriber) Reason() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reason
}

// Take returns and removes the queued messages (pull mode).
func (s *Subscriber) Take() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queue
	s.queue = nil
	return q
}

// Close leaves every room and stops delivery. It is safe to call more than once
// and from any goroutine.
func (s *Subscriber) Close() { s.hub.remove(s, ReasonClosed) }

// CloseSlow closes the subscriber as one that fell behind, as the hub does
// when its queue is full: Stats.Dropped counts it under ReasonSlow and
// onClose runs. For a transport whose own buffer overflowed outside the send
// function (a heartbeat, an answer to the client), where returning ErrSlow is
// not possible.
func (s *Subscriber) CloseSlow() { s.hub.remove(s, ReasonSlow) }

// enqueue adds m without blocking. It reports false when the queue is full: the
// caller then drops the subscriber.
func (s *Subscriber) enqueue(m Message) bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return true
	}
	if len(s.queue) >= s.limit {
		s.mu.Unlock()
		return false
	}
	s.queue = append(s.queue, m)
	startWriter := s.send != nil && !s.running
	if startWriter {
		s.running = true
	}
	s.mu.Unlock()
	if startWriter {
		go s.write()
	} else if s.send == nil {
		select {
		case s.ready <- struct{}{}:
		default:
		}
	}
	return true
}

// write is the connection's writer goroutine: it sends until the queue is empty,
// then exits. At most one runs per subscriber, so messages keep their order.
func (s *Subscriber) write() {
	for {
		s.mu.Lock()
		q := s.queue
		s.queue = nil
		if len(q) == 0 || s.closed {
			s.running = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		for _, m := range q {
			if err := s.safeSend(m); err != nil {
				s.failed(err)
				s.mu.Lock()
				s.running = false
				s.mu.Unlock()
				return
			}
		}
	}
}

// failed drops the subscriber after its send function returned err.
func (s *Subscriber) failed(err error) {
	reason := ReasonFailed
	if errors.Is(err, ErrSlow) {
		reason = ReasonSlow
	} else {
		s.hub.log().Warn("realtime: send failed, dropping subscriber", "transport", s.transport, "err", err)
	}
	s.hub.remove(s, reason)
}

func (s *Subscriber) safeSendBatch(ms []Message) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return s.sendBatch(ms)
}

func (s *Subscriber) safeSend(m Message) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return s.send(m)
}

// markClosed records the reason and closes done; it reports whether this call
// closed the subscriber.
func (s *Subscriber) markClosed(reason string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.closed, s.reason, s.queue = true, reason, nil
	close(s.done)
	return true
}

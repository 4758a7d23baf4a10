package realtime

import (
	"context"
	"sync"
)

// MemoryBus connects MemoryBrokers in one process, as Redis connects instances:
// a batch published on any of its brokers reaches the handlers of all of them.
// A single-instance deployment uses one bus with one broker.
type MemoryBus struct {
	mu      sync.Mutex // held while delivering, so every broker sees one order
	brokers []*MemoryBroker
}

// NewMemoryBus returns an empty bus.
func NewMemoryBus() *MemoryBus { return &MemoryBus{} }

// Broker returns a new broker attached to the bus.
func (bus *MemoryBus) Broker() *MemoryBroker {
	b := &MemoryBroker{bus: bus}
	bus.mu.Lock()
	bus.brokers = append(bus.brokers, b)
	bus.mu.Unlock()
	return b
}

// NewMemoryBroker returns the broker of a single-instance deployment.
func NewMemoryBroker() *MemoryBroker { return NewMemoryBus().Broker() }

// MemoryBroker is the in-process Broker. Publish delivers synchronously to every
// started broker of its bus; that never blocks because Handler.Deliver must not.
type MemoryBroker struct {
	bus     *MemoryBus
	handler Handler // guarded by bus.mu
	closed  bool    // guarded by bus.mu
}

var _ Broker = (*MemoryBroker)(nil)

// Start implements Broker.
func (b *MemoryBroker) Start(ctx context.Context, h Handler) error {
	b.bus.mu.Lock()
	defer b.bus.mu.Unlock()
	if b.closed {
		return ErrClosed
	}
	b.handler = h
	return nil
}

// Publish implements Broker.
func (b *MemoryBroker) Publish(batch Batch) error {
	b.bus.mu.Lock()
	defer b.bus.mu.Unlock()
	if b.closed {
		return ErrClosed
	}
	for _, o := range b.bus.brokers {
		if o.handler != nil && !o.closed {
			o.handler.Deliver(batch)
		}
	}
	return nil
}

// Status implements Broker: the in-process broker is always ok until closed.
func (b *MemoryBroker) Status() BrokerStatus {
	b.bus.mu.Lock()
	defer b.bus.mu.Unlock()
	if b.closed {
		return BrokerStatus{Kind: "memory", Mode: "local", Status: StatusDown, Error: "closed"}
	}
	return BrokerStatus{Kind: "memory", Mode: "local", Status: StatusOK}
}

// Close implements Broker. Nothing is ever queued, so there is nothing to flush.
func (b *MemoryBroker) Close(ctx context.Context) error {
	b.bus.mu.Lock()
	defer b.bus.mu.Unlock()
	b.closed = true
	b.handler = nil
	return nil
}

package events

import (
	"context"
	"log/slog"
	"runtime/trace"
	"time"

	"smartwait/internal/queue"
	"smartwait/internal/realtime"
)

// Publisher publishes the contract's events for every committed change. It
// implements queue.Publisher: Publish builds one realtime.Batch per Change and
// hands it to the broker, never blocking and never failing the operation.
type Publisher struct {
	Broker realtime.Broker
	Log    *slog.Logger // nil: slog.Default()
}

var _ queue.Publisher = (*Publisher)(nil)

// Publish implements queue.Publisher.
func (p *Publisher) Publish(c queue.Change) {
	log := p.Log
	if log == nil {
		log = slog.Default()
	}
	start := time.Now()
	region := trace.StartRegion(context.Background(), "events.build")
	b := Batch(c)
	region.End()
	built := time.Since(start)
	if err := p.Broker.Publish(b); err != nil {
		// Clients notice the version gap and fetch state again.
		log.Warn("realtime: publish failed", "queue", c.QueueID, "version", c.Version, "err", err)
		return
	}
	log.Debug("realtime: published", "queue", c.QueueID, "version", c.Version, "messages", len(b.Messages),
		"build", built, "publish", time.Since(start)-built)
}

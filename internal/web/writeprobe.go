package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Defaults of the /health write probe.
const (
	// DefaultHealthWriteTimeout is how long /health waits for the write probe.
	DefaultHealthWriteTimeout = time.Second
	// writeProbeMaxAge is how long a probe's outcome answers /health: a flood of
	// health checks costs one write a second.
	writeProbeMaxAge = time.Second
)

// errWriteProbeTimeout is the probe's outcome when the write has not committed
// within the deadline: behind a write lock held elsewhere, or a stalled disk.
var errWriteProbeTimeout = errors.New("the write did not commit in time")

// writeProbe answers "can a write commit now?" for /health, cheaply: one probe
// runs at a time (callers arriving meanwhile share it), its outcome is reused for
// maxAge, and no caller waits longer than timeout after the probe started — a
// write stuck that long (a lock held by another process, which SQLite waits out
// in its busy handler whatever the context says) is itself the answer "no". A
// probe that overruns its deadline keeps running in the background; the next
// callers join it rather than start another.
type writeProbe struct {
	write   func(ctx context.Context) error // commits a tiny write
	timeout time.Duration
	maxAge  time.Duration
	now     func() time.Time // the clock of maxAge
	log     *slog.Logger     // told when writes start or stop failing

	mu       sync.Mutex
	last     error     // outcome of the last finished probe
	lastAt   time.Time // when it finished, on now; zero: never
	running  chan struct{}
	deadline time.Time // wall clock: when the running probe counts as failed
}

// check returns nil when a write committed within the deadline, recently enough.
func (p *writeProbe) check(ctx context.Context) error {
	p.mu.Lock()
	if p.running == nil && !p.lastAt.IsZero() && p.now().Sub(p.lastAt) < p.maxAge {
		err := p.last
		p.mu.Unlock()
		return err
	}
	if p.running == nil {
		p.start()
	}
	running, deadline := p.running, p.deadline
	p.mu.Unlock()

	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-running:
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.last
	case <-t.C:
		return fmt.Errorf("%w (%v)", errWriteProbeTimeout, p.timeout)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// start runs one probe in the background; p.mu is held.
func (p *writeProbe) start() {
	done := make(chan struct{})
	p.running, p.deadline = done, time.Now().Add(p.timeout)
	go func() {
		// Not the caller's context: the outcome serves every caller for maxAge.
		ctx, cancel := context.WithTimeout(context.Background(), p.timeout)
		err := p.write(ctx)
		cancel()
		if err != nil && ctx.Err() != nil {
			err = fmt.Errorf("%w (%v): %w", errWriteProbeTimeout, p.timeout, err)
		}
		p.mu.Lock()
		// Log changes only: a health check every second must not flood the log.
		switch {
		case err != nil && p.last == nil:
			p.log.Warn("health: database writes cannot commit", "err", err)
		case err == nil && p.last != nil:
			p.log.Info("health: database writes commit again")
		}
		p.last, p.lastAt, p.running = err, p.now(), nil
		p.mu.Unlock()
		close(done)
	}()
}

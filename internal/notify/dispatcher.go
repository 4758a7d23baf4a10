package notify

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"smartwait/internal/queue"
)

// Dispatcher sends the outbox's due messages. Run polls every Poll for due rows
// (scheduled follow-ups, retries, rows other instances wrote) and also wakes at once
// when Wake is called after a commit, so texts go out promptly. Several dispatchers,
// in one process or many, may share one outbox: the lease keeps them from sending
// the same row.
//
// Set the fields before calling Run or Dispatch; zero values take the defaults
// documented on each. A Dispatcher is safe for concurrent use.
type Dispatcher struct {
	Outbox  Outbox
	Sender  Sender
	Now     func() time.Time // nil: time.Now
	Log     *slog.Logger     // nil: slog.Default()
	Metrics *Metrics         // nil: not recorded
	Backoff Backoff          // zero: DefaultBackoff()
	Jitter  func() float64   // in [0,1); nil: math/rand

	Lease        time.Duration // how long a claim holds; default 2m. Must exceed SendTimeout.
	SendTimeout  time.Duration // bound on one Send; default 30s
	Poll         time.Duration // default 1s
	Batch        int           // messages per claim; default 100
	Workers      int           // concurrent sends; default 8
	DrainTimeout time.Duration // how long Run keeps sending due messages after its context ends; default 10s
	// Gather is how long Run waits after a Wake before it claims, so that the
	// texts of commits close behind the first go out in the same claim: under a
	// burst of check-ins one claim takes many texts instead of one claim (and one
	// empty claim) per text, each a write transaction. Default 10ms; negative:
	// claim at once. Texts wait at most this much longer.
	Gather time.Duration
	// After waits for Gather; nil: time.After. Tests hold it to make a burst
	// deterministic.
	After func(time.Duration) <-chan time.Time

	// ConfirmationsPerMinute is the circuit breaker on confirmation texts: at most
	// this many go out per minute from this dispatcher; the rest are held in the
	// outbox (still pending) until the minute has room. 0: no breaker. Other kinds
	// are never held: they answer what staff did.
	ConfirmationsPerMinute int

	once     sync.Once
	wake     chan struct{}
	failures atomic.Int64 // temporary send failures since the last success
	breaker  breaker
}

func (d *Dispatcher) init() {
	d.once.Do(func() {
		d.wake = make(chan struct{}, 1)
		d.breaker.limit = d.ConfirmationsPerMinute
	})
}

// Holding reports whether the breaker on confirmation texts is open: it held a
// confirmation back within the last minute. /health reports the SMS part degraded
// and the staff dashboard explains it while it is.
func (d *Dispatcher) Holding() bool {
	d.init()
	open, _ := d.breaker.state(d.now())
	return open
}

// Wake makes a running dispatcher look for due messages now. It never blocks; call
// it after every commit that may have written to the outbox.
func (d *Dispatcher) Wake() {
	d.init()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Failing returns how many sends in a row have failed temporarily (the provider is
// down or unreachable); 0 after a success. Permanent failures, which concern one
// message, do not count. /health reports the SMS part degraded while it is not 0.
func (d *Dispatcher) Failing() int { return int(d.failures.Load()) }

// Run dispatches until ctx ends, then drains: it keeps sending the messages that
// are due for up to DrainTimeout, lets sends in flight finish, and gives back the
// leases of claimed messages it did not get to. It returns nil after draining.
func (d *Dispatcher) Run(ctx context.Context) error {
	d.init()
	if n, err := d.Outbox.RecoverExpired(ctx, d.now()); err != nil {
		d.log().Warn("sms outbox: recovering expired leases", "err", err)
	} else if n > 0 {
		d.log().Info("sms outbox: retrying messages left in flight by an earlier process", "count", n)
	}
	poll := time.NewTimer(0)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return d.drain(ctx)
		case <-d.wake:
			d.gather(ctx)
		case <-poll.C:
		}
		if _, err := d.Dispatch(ctx); err != nil && ctx.Err() == nil {
			d.log().Warn("sms outbox: dispatch", "err", err)
		}
		poll.Reset(d.poll())
	}
}

// gather waits Gather (or until ctx ends) for the commits behind a Wake.
func (d *Dispatcher) gather(ctx context.Context) {
	g := d.Gather
	if g == 0 {
		g = 10 * time.Millisecond
	}
	if g < 0 {
		return
	}
	after := d.After
	if after == nil {
		after = time.After
	}
	select {
	case <-after(g):
	case <-ctx.Done():
	}
	// Wakes that came in meanwhile are answered by the claim that follows.
	select {
	case <-d.wake:
	default:
	}
}

func (d *Dispatcher) drain(ctx context.Context) error {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.drainTimeout())
	defer cancel()
	n, err := d.Dispatch(dctx)
	if err != nil && dctx.Err() == nil {
		d.log().Warn("sms outbox: draining", "err", err)
	}
	d.log().Debug("sms outbox: drained", "processed", n)
	return nil
}

// Dispatch claims and sends every message due now, batch after batch, until none
// is left, and returns how many it processed (sent, retried or failed). When ctx
// ends it starts no new send: sends in flight finish (each bounded by SendTimeout)
// and the rest of the batch is released. It returns the first outbox error.
func (d *Dispatcher) Dispatch(ctx context.Context) (int, error) {
	d.init() // the breaker's limit, when nothing called Run or Wake first
	total := 0
	for ctx.Err() == nil {
		claims, err := d.Outbox.Claim(ctx, d.now(), d.lease(), d.batch())
		if err != nil {
			if ctx.Err() != nil {
				return total, nil
			}
			return total, err
		}
		if len(claims) == 0 {
			return total, nil
		}
		total += d.process(ctx, claims)
	}
	return total, nil
}

// process sends claims with up to Workers concurrent sends and returns how many it
// processed. The messages of one ticket go out one after another in claim order
// (oldest due first), so a patient's texts are not handed to the provider out of
// order.
func (d *Dispatcher) process(ctx context.Context, claims []Claim) int {
	claims = d.hold(ctx, claims)
	var groups [][]Claim
	index := map[string]int{}
	for _, c := range claims {
		i, ok := index[c.TicketID]
		if !ok {
			i = len(groups)
			index[c.TicketID] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], c)
	}
	work := make(chan []Claim)
	marks := make(chan sentMark)
	marked := make(chan struct{})
	go func() {
		defer close(marked)
		d.markSent(context.WithoutCancel(ctx), marks)
	}()
	var (
		wg sync.WaitGroup
		mu sync.Mutex
		n  int
	)
	for range min(d.workers(), len(groups)) {
		wg.Go(func() {
			for g := range work {
				for _, c := range g {
					if ctx.Err() != nil {
						d.release(ctx, c)
						continue
					}
					d.send(ctx, c, marks)
					mu.Lock()
					n++
					mu.Unlock()
				}
			}
		})
	}
	for _, g := range groups {
		work <- g
	}
	close(work)
	wg.Wait()
	close(marks)
	<-marked
	return n
}

// sentMark asks markSent to record one sent message; done gets the outcome.
type sentMark struct {
	sent Sent
	done chan error
}

// markSent records the sent messages handed to it until in closes, gathering
// those that arrive while a write is under way into the next write: the
// workers send concurrently, so a burst of texts costs one MarkSentAll
// instead of one write each (on SQLite that write was an eighth of a
// check-in's server CPU, and it held the queue's only writer connection; the
// SQLite outbox now also lets the marks ride on the queue's next commit). A
// worker waits for its text's record before sending the ticket's next one.
func (d *Dispatcher) markSent(ctx context.Context, in <-chan sentMark) {
	for first := range in {
		batch := []sentMark{first}
	gather:
		for len(batch) < d.batch() {
			select {
			case m, ok := <-in:
				if !ok {
					break gather
				}
				batch = append(batch, m)
			default:
				break gather
			}
		}
		sent := make([]Sent, len(batch))
		for i, m := range batch {
			sent[i] = m.sent
		}
		results, err := d.Outbox.MarkSentAll(ctx, sent)
		for i, m := range batch {
			if err == nil && i < len(results) {
				m.done <- results[i]
			} else {
				m.done <- cmp.Or(err, errors.New("notify: MarkSentAll returned too few results"))
			}
		}
	}
}

// send sends one claimed message and records the outcome. Cancelling ctx does
// not cut a send short (the provider may already have accepted it, and that must
// be recorded), but ctx's deadline, the drain's, does bound it.
func (d *Dispatcher) send(ctx context.Context, c Claim, marks chan<- sentMark) {
	bg := context.WithoutCancel(ctx)
	sctx, cancel := context.WithTimeout(bg, d.sendTimeout())
	if dl, ok := ctx.Deadline(); ok {
		var cancelDL context.CancelFunc
		sctx, cancelDL = context.WithDeadline(sctx, dl)
		defer cancelDL()
	}
	start := time.Now()
	providerID, err := d.Sender.Send(sctx, c.Message)
	d.Metrics.latency(time.Since(start))
	cancel()
	now := d.now()
	kind := string(c.Kind)
	log := d.log().With("message", c.ID, "kind", kind, "attempt", c.Attempts)
	if err == nil {
		d.failures.Store(0)
	} else if !IsPermanent(err) {
		d.failures.Add(1)
	}
	switch {
	case err == nil:
		d.Metrics.sent(kind)
		done := make(chan error, 1)
		marks <- sentMark{sent: Sent{Claim: c, ProviderID: providerID, At: now}, done: done}
		d.mark(log, "sent", <-done)
	case IsPermanent(err):
		d.Metrics.failed(kind, "permanent")
		log.Warn("sms not sent: permanent failure", "err", err)
		d.mark(log, "failed", d.Outbox.MarkFailed(bg, c, err.Error(), now))
	case d.backoff().GiveUp(c.Attempts):
		d.Metrics.failed(kind, "retries_exhausted")
		log.Warn("sms not sent: giving up after temporary failures", "err", err)
		d.mark(log, "failed", d.Outbox.MarkFailed(bg, c, err.Error(), now))
	default:
		wait := max(d.backoff().Delay(c.Attempts, d.jitter()), retryAfter(err))
		d.Metrics.retried(kind)
		log.Info("sms send failed, will retry", "err", err, "in", wait)
		d.mark(log, "retry", d.Outbox.MarkRetry(bg, c, err.Error(), now.Add(wait)))
	}
}

// mark logs a failure to record an outcome. The row keeps its lease until it
// expires and is then claimed again: at least once, never lost.
func (d *Dispatcher) mark(log *slog.Logger, outcome string, err error) {
	switch {
	case err == nil:
	case errors.Is(err, ErrLeaseLost):
		log.Warn("sms outbox: lease lost before recording the outcome", "outcome", outcome)
	default:
		log.Error("sms outbox: recording the outcome", "outcome", outcome, "err", err)
	}
}

// hold asks the breaker about each confirmation among claims, in claim order,
// gives the ones over the limit back to the outbox — each due when the breaker
// will have room for it — in one write, and returns the claims to send.
func (d *Dispatcher) hold(ctx context.Context, claims []Claim) []Claim {
	send := claims[:0:0]
	var held []Held
	for _, c := range claims {
		if c.Kind != queue.MessageConfirmation {
			send = append(send, c)
			continue
		}
		a := d.breaker.admit(d.now())
		if a.ok {
			if a.closed {
				d.log().Info("sms: confirmation texts flow again", "limit_per_minute", d.ConfirmationsPerMinute)
			}
			send = append(send, c)
			continue
		}
		d.held(a)
		held = append(held, Held{Claim: c, Until: a.next})
	}
	if len(held) == 0 {
		return send
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := d.Outbox.PostponeAll(pctx, held, d.holdReason()); err != nil {
		// The leases expire and the messages are claimed again: held, never lost.
		d.log().Warn("sms outbox: holding confirmations", "messages", len(held), "err", err)
	}
	return send
}

// HoldConfirmation is queue.ConfirmationHold: a confirmation written while the
// breaker has no room for it is written held, due when it will have room, so
// that a flood of check-ins costs the outbox no claim and no second write per
// text, and wakes nobody.
func (d *Dispatcher) HoldConfirmation(now time.Time) (until time.Time, reason string, held bool) {
	d.init()
	a, held := d.breaker.holdNew(now)
	if !held {
		return time.Time{}, "", false
	}
	d.held(a)
	return a.next, d.holdReason(), true
}

// held counts and reports a confirmation the breaker held.
func (d *Dispatcher) held(a admission) {
	if a.opened {
		d.Metrics.tripped()
		d.log().Warn("sms: holding confirmation texts: the limit per minute is reached; check-ins go on, texts wait in the outbox",
			"limit_per_minute", d.ConfirmationsPerMinute, "until", a.next)
	}
	d.Metrics.held(string(queue.MessageConfirmation))
}

func (d *Dispatcher) holdReason() string {
	return fmt.Sprintf("held: over %d confirmation texts a minute (SMARTWAIT_SMS_CONFIRMATIONS_PER_MINUTE)", d.ConfirmationsPerMinute)
}

func (d *Dispatcher) release(ctx context.Context, c Claim) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := d.Outbox.Release(rctx, c); err != nil && !errors.Is(err, ErrLeaseLost) {
		d.log().Warn("sms outbox: releasing a claim", "message", c.ID, "err", err)
	}
}

func (d *Dispatcher) now() time.Time {
	if d.Now != nil {
		return d.Now().UTC()
	}
	return time.Now().UTC()
}

func (d *Dispatcher) log() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.Default()
}

func (d *Dispatcher) jitter() float64 {
	if d.Jitter != nil {
		return d.Jitter()
	}
	return jitter()
}

func (d *Dispatcher) backoff() Backoff { return d.Backoff.orDefault() }

func orDur(v, def time.Duration) time.Duration {
	if v > 0 {
		return v
	}
	return def
}

func orInt(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

func (d *Dispatcher) lease() time.Duration        { return orDur(d.Lease, 2*time.Minute) }
func (d *Dispatcher) sendTimeout() time.Duration  { return orDur(d.SendTimeout, 30*time.Second) }
func (d *Dispatcher) poll() time.Duration         { return orDur(d.Poll, time.Second) }
func (d *Dispatcher) drainTimeout() time.Duration { return orDur(d.DrainTimeout, 10*time.Second) }
func (d *Dispatcher) batch() int                  { return orInt(d.Batch, 100) }
func (d *Dispatcher) workers() int                { return orInt(d.Workers, 8) }

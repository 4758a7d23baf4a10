package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/prometheus/client_golang/prometheus"
)

// Defaults of the Dispatcher.
const (
	// DefaultGiveUpAfter: an endpoint that has failed for this long is disabled.
	DefaultGiveUpAfter = 24 * time.Hour
	// DefaultKeepLog is how many attempts each endpoint's delivery log keeps.
	DefaultKeepLog = 100
	// ResponseCap is how much of a response body is read (and the first 200
	// bytes of a failure's kept in the log): the rest is never read.
	ResponseCap = 4 << 10
)

// Backoff is the retry policy: after the n-th failure in a row the endpoint
// waits Base·2^(n−1), capped at Max, with equal jitter (a random point in the
// upper half), as internal/notify does for texts.
type Backoff struct {
	Base, Max time.Duration
}

// DefaultBackoff retries after 10 s, 20 s, 40 s, … up to an hour between
// attempts: about 30 attempts in a day.
func DefaultBackoff() Backoff { return Backoff{Base: 10 * time.Second, Max: time.Hour} }

// Delay returns the wait after the failures-th failure in a row; r in [0,1)
// picks the jitter.
func (b Backoff) Delay(failures int, r float64) time.Duration {
	if b.Base <= 0 {
		b = DefaultBackoff()
	}
	d := b.Base
	for i := 1; i < failures && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	half := d / 2
	return half + time.Duration(r*float64(d-half))
}

// Dispatcher delivers the webhook outbox. Run polls every Poll and wakes at
// once on Wake (after a commit). Several dispatchers, in one process or many,
// may share a Store: an endpoint is leased to one at a time, which delivers
// its events oldest first and stops at the first failure, so a later event
// never overtakes an earlier one that is being retried.
//
// Set the fields before Run or Dispatch; zero values take the defaults
// documented on each. A Dispatcher is safe for concurrent use.
type Dispatcher struct {
	Store   Store
	Client  *http.Client     // nil: NewClient(Timeout, AllowPrivate)
	Now     func() time.Time // nil: time.Now
	Log     *slog.Logger     // nil: slog.Default()
	Metrics *Metrics         // nil: not recorded
	Backoff Backoff          // zero: DefaultBackoff()
	Jitter  func() float64   // in [0,1); nil: math/rand

	AllowPrivate bool          // see Service.AllowPrivate; used only when Client is nil
	Timeout      time.Duration // one delivery; default DefaultTimeout
	GiveUpAfter  time.Duration // failing this long disables the endpoint; default 24h
	KeepLog      int           // attempts kept per endpoint; default 100
	Lease        time.Duration // default 2m; must exceed PerClaim × Timeout
	Poll         time.Duration // default 1s
	Endpoints    int           // endpoints per claim, delivered concurrently; default 8
	PerClaim     int           // deliveries per endpoint per claim; default 10
	DrainTimeout time.Duration // how long Run keeps delivering after its context ends; default 5s

	once sync.Once
	wake chan struct{}
}

func (d *Dispatcher) setup() {
	d.once.Do(func() {
		d.wake = make(chan struct{}, 1)
		if d.Client == nil {
			d.Client = NewClient(d.timeout(), d.AllowPrivate)
		}
	})
}

// Wake makes a running dispatcher look for deliveries now; it never blocks.
func (d *Dispatcher) Wake() {
	d.setup()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run dispatches until ctx ends, then keeps delivering what is due for up to
// DrainTimeout, lets deliveries in flight finish, gives back its leases and
// returns nil.
func (d *Dispatcher) Run(ctx context.Context) error {
	d.setup()
	poll := time.NewTimer(0)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), orDur(d.DrainTimeout, 5*time.Second))
			_, err := d.Dispatch(dctx)
			cancel()
			if err != nil && dctx.Err() == nil {
				d.log().Warn("webhooks: draining", "err", err)
			}
			return nil
		case <-d.wake:
		case <-poll.C:
		}
		if _, err := d.Dispatch(ctx); err != nil && ctx.Err() == nil {
			d.log().Warn("webhooks: dispatch", "err", err)
		}
		poll.Reset(orDur(d.Poll, time.Second))
	}
}

// Dispatch claims endpoints with due deliveries and delivers to them until
// none is left, and returns how many attempts it made. When ctx ends it starts
// no new delivery; those in flight finish. It returns the first store error.
func (d *Dispatcher) Dispatch(ctx context.Context) (int, error) {
	d.setup()
	total := 0
	for ctx.Err() == nil {
		claims, err := d.Store.ClaimWebhooks(ctx, d.now(), d.lease(), orInt(d.Endpoints, 8))
		if err != nil {
			if ctx.Err() != nil {
				return total, nil
			}
			return total, err
		}
		if len(claims) == 0 {
			return total, nil
		}
		var (
			wg sync.WaitGroup
			mu sync.Mutex
		)
		for _, c := range claims {
			wg.Go(func() {
				n := d.endpoint(ctx, c)
				mu.Lock()
				total += n
				mu.Unlock()
			})
		}
		wg.Wait()
	}
	return total, nil
}

// endpoint delivers the claimed endpoint's oldest deliveries, one after
// another, until one fails, and releases the claim.
func (d *Dispatcher) endpoint(ctx context.Context, c Claim) int {
	bg := context.WithoutCancel(ctx)
	defer func() {
		rctx, cancel := context.WithTimeout(bg, 5*time.Second)
		defer cancel()
		if err := d.Store.ReleaseWebhook(rctx, c); err != nil && !errors.Is(err, ErrLeaseLost) {
			d.log().Warn("webhooks: releasing an endpoint", "endpoint", c.ID, "err", err)
		}
	}()
	ds, err := d.Store.WebhookDeliveries(ctx, c, orInt(d.PerClaim, 10))
	if err != nil {
		if ctx.Err() == nil {
			d.log().Warn("webhooks: reading the outbox", "endpoint", c.ID, "err", err)
		}
		return 0
	}
	n := 0
	for _, del := range ds {
		// Never start a delivery the lease might not outlast.
		if ctx.Err() != nil || d.now().Add(d.timeout()+5*time.Second).After(c.Until) {
			break
		}
		r := d.deliver(ctx, c, del)
		n++
		if err := d.Store.RecordWebhookAttempt(bg, c, del, r, orInt(d.KeepLog, DefaultKeepLog)); err != nil {
			if errors.Is(err, ErrLeaseLost) {
				d.log().Warn("webhooks: lease lost before recording an attempt", "endpoint", c.ID)
			} else {
				d.log().Error("webhooks: recording an attempt", "endpoint", c.ID, "err", err)
			}
			break
		}
		if !r.OK {
			break
		}
		c.FailingSince, c.Failures = time.Time{}, 0
	}
	return n
}

// deliver makes one attempt and returns its outcome, with the retry time and
// whether the endpoint is now to be disabled.
func (d *Dispatcher) deliver(ctx context.Context, c Claim, del Delivery) Result {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.timeout())
	defer cancel()
	if dl, ok := ctx.Deadline(); ok {
		var cancelDL context.CancelFunc
		sctx, cancelDL = context.WithDeadline(sctx, dl)
		defer cancelDL()
	}
	start := d.now()
	r := Result{At: start}
	req, err := http.NewRequestWithContext(sctx, http.MethodPost, c.URL, bytes.NewReader(del.Body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "SmartWait-Webhooks/1")
		req.Header.Set("SmartWait-Event-Id", del.EventID)
		req.Header.Set("SmartWait-Event-Type", string(del.Type))
		req.Header.Set(SignatureHeader, Sign(c.Secret, start, del.Body))
		var resp *http.Response
		if resp, err = d.Client.Do(req); err == nil {
			r.StatusCode = resp.StatusCode
			head, _ := io.ReadAll(io.LimitReader(resp.Body, ResponseCap))
			resp.Body.Close()
			if resp.StatusCode < 200 || resp.StatusCode > 299 {
				err = fmt.Errorf("HTTP %d%s", resp.StatusCode, excerpt(head))
				if resp.StatusCode >= 300 && resp.StatusCode < 400 {
					err = fmt.Errorf("HTTP %d: redirects are not followed", resp.StatusCode)
				}
			}
		}
	}
	r.Duration = d.now().Sub(start)
	log := d.log().With("endpoint", c.ID, "event", del.EventID, "type", del.Type)
	if err == nil {
		r.OK = true
		d.Metrics.delivered()
		log.Debug("webhook delivered", "status", r.StatusCode, "duration", r.Duration)
		return r
	}
	r.Error = trimError(err)
	failures := c.Failures + 1
	since := c.FailingSince
	if since.IsZero() {
		since = start
	}
	r.RetryAt = start.Add(d.backoff().Delay(failures, d.jitter()))
	if start.Sub(since) >= orDur(d.GiveUpAfter, DefaultGiveUpAfter) {
		r.Disable = true
		r.Reason = fmt.Sprintf("failing since %s; last error: %s", since.Format(time.RFC3339), r.Error)
		d.Metrics.disabled()
		log.Warn("webhook endpoint disabled: failing for too long", "since", since, "err", r.Error)
	} else {
		log.Info("webhook delivery failed, will retry", "err", r.Error, "at", r.RetryAt)
	}
	d.Metrics.failed()
	return r
}

// excerpt is the start of a failed response's body for the log: ": " and at
// most 200 bytes, control characters replaced.
func excerpt(b []byte) string {
	s := strings.TrimSpace(strings.ToValidUTF8(string(b[:min(len(b), 200)]), ""))
	if s == "" {
		return ""
	}
	return ": " + strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// trimError is err's message, at most 500 bytes, for the log and LastError.
func trimError(err error) string {
	s := err.Error()
	if len(s) > 500 {
		s = strings.ToValidUTF8(s[:500], "") + "…"
	}
	return s
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
	return rand.Float64()
}

func (d *Dispatcher) backoff() Backoff {
	if d.Backoff.Base <= 0 {
		return DefaultBackoff()
	}
	return d.Backoff
}

func (d *Dispatcher) timeout() time.Duration { return orDur(d.Timeout, DefaultTimeout) }
func (d *Dispatcher) lease() time.Duration   { return orDur(d.Lease, 2*time.Minute) }

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

// Metrics counts deliveries. A nil *Metrics records nothing.
type Metrics struct {
	Delivered prometheus.Counter
	Failed    prometheus.Counter
	Disabled  prometheus.Counter
}

// NewMetrics creates the dispatcher's metrics and registers them on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Delivered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "smartwait_webhook_delivered_total", Help: "Webhook deliveries answered with a 2xx.",
		}),
		Failed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "smartwait_webhook_failed_total", Help: "Webhook delivery attempts that failed (retried later).",
		}),
		Disabled: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "smartwait_webhook_endpoints_disabled_total", Help: "Webhook endpoints disabled after failing for a day.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.Delivered, m.Failed, m.Disabled)
	}
	return m
}

func (m *Metrics) delivered() {
	if m != nil {
		m.Delivered.Inc()
	}
}

func (m *Metrics) failed() {
	if m != nil {
		m.Failed.Inc()
	}
}

func (m *Metrics) disabled() {
	if m != nil {
		m.Disabled.Inc()
	}
}

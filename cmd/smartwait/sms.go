package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"smartwait/internal/notify"
	"smartwait/internal/queue"
	"smartwait/internal/sms"
	"smartwait/internal/web"
)

// How long the dispatcher keeps sending due texts after SIGTERM, and how much
// longer than that its stop step waits for it (recording the outcomes of the last
// sends) when the shutdown deadline has already passed.
const (
	dispatcherDrain     = 10 * time.Second
	dispatcherStopSlack = 5 * time.Second
)

// smsParts is the SMS side of a running server: the dispatcher draining the outbox
// and what the web layer needs of it.
type smsParts struct {
	outbox   notify.Outbox
	disp     *notify.Dispatcher
	provider string                                         // "twilio" or "log"
	verify   func(path, sig string, params url.Values) bool // Twilio webhook signature check; nil without Twilio
}

// startSMS starts the dispatcher on outbox with Twilio when it is configured and
// the log sender otherwise. Its stop step lets sends in flight finish and sends
// what is due for up to the dispatcher's drain timeout; it must run before the
// database closes, so start it after the database and before the HTTP server.
func (a *app) startSMS(outbox notify.Outbox, reg prometheus.Registerer) *smsParts {
	cfg := a.cfg
	p := &smsParts{outbox: outbox, provider: "log"}
	var sender notify.Sender = &sms.Log{Logger: a.log}
	if cfg.Twilio.Enabled() {
		p.provider = "twilio"
		callback := sms.StatusCallbackURL(cfg.PublicURL)
		sender = &sms.Twilio{
			AccountSID: cfg.Twilio.AccountSID, AuthToken: cfg.Twilio.AuthToken, From: cfg.Twilio.PhoneNumber,
			BaseURL: cfg.Twilio.APIURL, StatusCallback: callback,
		}
		token := cfg.Twilio.AuthToken
		base := strings.TrimRight(cfg.PublicURL, "/")
		p.verify = func(path, sig string, params url.Values) bool {
			return sms.ValidSignature(token, base+path, params, sig)
		}
	}
	p.disp = &notify.Dispatcher{Outbox: outbox, Sender: sender, Log: a.log, Metrics: notify.NewMetrics(reg),
		DrainTimeout: dispatcherDrain, ConfirmationsPerMinute: cfg.ConfirmationsPerMinute}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.disp.Run(ctx)
	}()
	a.onStop("sms dispatcher", func(sctx context.Context) error {
		cancel()
		select {
		case <-done:
			return nil
		case <-sctx.Done():
		}
		// The database closes next, and a dispatcher still draining would record
		// its last outcomes into a closed database. Its drain is bounded by its
		// own DrainTimeout (sends included), so wait for that much longer.
		a.log.Warn("shutdown: the sms dispatcher is still draining past the shutdown deadline; waiting for it")
		t := time.NewTimer(p.disp.DrainTimeout + dispatcherStopSlack)
		defer t.Stop()
		select {
		case <-done:
			return sctx.Err()
		case <-t.C:
			return errors.New("the sms dispatcher did not stop")
		}
	})
	a.log.Info("sms dispatcher started", "provider", p.provider)
	return p
}

// wakeAfter returns a publisher that hands each committed change to p (if any)
// and then wakes the dispatcher when the commit wrote texts due at once: they go
// out at once rather than at the next poll. Texts held or scheduled for later
// are found by the poll.
func (p *smsParts) wakeAfter(pub queue.Publisher) queue.Publisher {
	wake := queue.PublisherFunc(func(ch queue.Change) {
		if ch.Texts > 0 {
			p.disp.Wake()
		}
	})
	if pub == nil {
		return wake
	}
	return publishers{pub, wake}
}

// status is the SMS part of /health: degraded while sends keep failing
// temporarily (the provider is down), error when the outbox cannot be read.
func (p *smsParts) status(ctx context.Context) web.SMSHealth {
	h := web.SMSHealth{Status: "ok", Provider: p.provider}
	n, err := p.outbox.CountMessages(ctx, queue.MessagePending)
	if err != nil {
		h.Status = "error"
	}
	h.Pending = n
	if p.disp.Failing() > 0 && h.Status == "ok" {
		h.Status, h.Reason = "degraded", "sends to the SMS provider keep failing; texts are retried"
	}
	if alert := p.alert(); alert != "" && h.Status == "ok" {
		h.Status, h.Reason = "degraded", alert
	}
	return h
}

// alert is what the staff dashboard and /health say while the breaker on
// confirmation texts holds them back; "" otherwise.
func (p *smsParts) alert() string {
	if !p.disp.Holding() {
		return ""
	}
	return fmt.Sprintf("Confirmation texts are on hold: over %d check-ins a minute asked for one (SMARTWAIT_SMS_CONFIRMATIONS_PER_MINUTE), "+
		"which may be SMS fraud. Check-ins still work; the held texts go out when the rate falls.", p.disp.ConfirmationsPerMinute)
}

// publishers fans one committed change out to several publishers, in order.
type publishers []queue.Publisher

// Publish hands c to each publisher.
func (ps publishers) Publish(c queue.Change) {
	for _, p := range ps {
		p.Publish(c)
	}
}

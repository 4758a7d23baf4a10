package main

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"smartwait/internal/queue"
	"smartwait/internal/webhook"
)

// How long the webhook dispatcher keeps delivering after SIGTERM.
const webhookDrain = 5 * time.Second

// webhookParts is the webhook side of a running server: the admin's service
// and the dispatcher delivering the outbox.
type webhookParts struct {
	svc  *webhook.Service
	disp *webhook.Dispatcher
}

// startWebhooks starts the webhook dispatcher on st. Like the SMS dispatcher
// it starts before the HTTP server so that it stops after it, delivering what
// the last requests wrote for up to webhookDrain, and before the database
// closes.
func (a *app) startWebhooks(st webhook.Store, reg prometheus.Registerer) *webhookParts {
	cfg := a.cfg
	p := &webhookParts{
		svc: &webhook.Service{Store: st, MaxEndpoints: cfg.WebhookMaxEndpoints, AllowPrivate: cfg.WebhookAllowPrivate},
		disp: &webhook.Dispatcher{Store: st, Log: a.log, Metrics: webhook.NewMetrics(reg),
			AllowPrivate: cfg.WebhookAllowPrivate, Timeout: cfg.WebhookTimeout, DrainTimeout: webhookDrain},
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.disp.Run(ctx)
	}()
	a.onStop("webhook dispatcher", func(sctx context.Context) error {
		cancel()
		select {
		case <-done:
			return nil
		case <-sctx.Done():
		}
		// Deliveries in flight record their outcome into the database, which
		// closes next: wait out the drain and one delivery's timeout.
		a.log.Warn("shutdown: the webhook dispatcher is still draining past the shutdown deadline; waiting for it")
		t := time.NewTimer(webhookDrain + p.disp.Timeout + dispatcherStopSlack)
		defer t.Stop()
		select {
		case <-done:
			return sctx.Err()
		case <-t.C:
			return errors.New("the webhook dispatcher did not stop")
		}
	})
	a.log.Info("webhook dispatcher started", "allow_private", cfg.WebhookAllowPrivate)
	return p
}

// wakeAfter returns a publisher that hands each change to pub (if any) and
// then wakes the dispatcher when the commit wrote webhook deliveries. Waking
// it on every commit cost a check-in a tenth of its CPU with no endpoint at
// all: each wake claims endpoints, a write on SQLite's one writer connection
// (docs/benchmarks.md, "Check-in CPU after issues 13 to 15").
func (p *webhookParts) wakeAfter(pub queue.Publisher) queue.Publisher {
	wake := queue.PublisherFunc(func(c queue.Change) {
		if c.Webhooks > 0 {
			p.disp.Wake()
		}
	})
	if pub == nil {
		return wake
	}
	return publishers{pub, wake}
}

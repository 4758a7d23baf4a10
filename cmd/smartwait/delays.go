package main

import (
	"context"
	"time"

	"smartwait/internal/queue"
)

// delayAlertsEvery is how often the delay alerts are checked: estimates
// drift with time, not only at changes, so the check runs on a clock.
const delayAlertsEvery = time.Minute

// startDelayAlerts checks every minute for waiting patients whose wait grew
// past what they were told (queue.Service.AlertDelays, docs/sms.md). Off when
// SMARTWAIT_DELAY_ALERT_MINUTES is 0.
func (a *app) startDelayAlerts(svc *queue.Service) {
	if svc.Config.DelayAlertAfter <= 0 {
		return
	}
	a.startLoop("delay alerts", delayAlertsEvery, func(ctx context.Context) {
		n, err := svc.AlertDelays(ctx)
		switch {
		case err != nil:
			a.log.Warn("delay alerts failed; they are checked again within a minute", "err", err)
		case n > 0:
			a.log.Info("delay alerts written", "texts", n)
		}
	})
}

package main

import (
	"context"
	"time"

	"smartwait/internal/privacy"
)

// retentionEvery is how often the retention job runs (and once at start).
const retentionEvery = time.Hour

// startRetention runs the retention job (internal/privacy) now and then every
// hour: the personal data of visits that ended more than days ago is erased,
// and the audit log's personal fields of the same age. Its log lines hold
// counts and the cut-off, never what was erased. days 0 keeps everything: the
// job does not run, and start-up says so.
func (a *app) startRetention(db store, days int) {
	if days <= 0 {
		a.log.Warn("retention off: names, phone numbers and texts of finished visits are kept forever (SMARTWAIT_RETENTION_DAYS=0)")
		return
	}
	job := &privacy.Retention{Store: db, Audit: db, Days: days}
	a.log.Info("retention", "days", days, "every", retentionEvery)
	a.startLoop("retention", retentionEvery, func(ctx context.Context) {
		rep, err := job.Run(ctx)
		switch {
		case err != nil:
			a.log.Warn("retention run failed; it runs again within the hour", "err", err, "tickets", rep.Tickets, "messages", rep.Messages)
		case rep.Tickets > 0 || rep.Messages > 0 || rep.AuditEntries > 0:
			a.log.Info("retention: personal data erased", "before", rep.Before, "tickets", rep.Tickets,
				"messages", rep.Messages, "audit_entries", rep.AuditEntries)
		}
	})
}

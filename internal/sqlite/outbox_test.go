package sqlite_test

import (
	"context"
	"testing"

	"smartwait/internal/notify"
	"smartwait/internal/notify/outboxtest"
	"smartwait/internal/queue"
	"smartwait/internal/sqlite"
	"smartwait/internal/sqlite/sqlitetest"
)

func TestOutbox(t *testing.T) {
	outboxtest.RunOutboxTests(t, func(tb testing.TB) (queue.Store, notify.Outbox) {
		tb.Helper()
		db, err := sqlite.Open(context.Background(), sqlitetest.Migrated(tb, "outbox.db"))
		if err != nil {
			tb.Fatalf("open: %v", err)
		}
		tb.Cleanup(func() { db.Close() })
		return db, db
	})
}

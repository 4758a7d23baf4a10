package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"smartwait/internal/notify"
	"smartwait/internal/notify/outboxtest"
	"smartwait/internal/queue"
	"smartwait/internal/sqlite"
)

func TestOutbox(t *testing.T) {
	outboxtest.RunOutboxTests(t, func(tb testing.TB) (queue.Store, notify.Outbox) {
		tb.Helper()
		db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "outbox.db"))
		if err != nil {
			tb.Fatalf("open: %v", err)
		}
		tb.Cleanup(func() { db.Close() })
		return db, db
	})
}

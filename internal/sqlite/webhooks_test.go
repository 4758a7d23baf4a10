package sqlite_test

import (
	"context"
	"testing"

	"smartwait/internal/sqlite"
	"smartwait/internal/sqlite/sqlitetest"
	"smartwait/internal/webhook/webhooktest"
)

func TestWebhookStore(t *testing.T) {
	webhooktest.RunStoreTests(t, func(tb testing.TB) webhooktest.Store {
		tb.Helper()
		db, err := sqlite.Open(context.Background(), sqlitetest.Migrated(tb, "webhooks.db"))
		if err != nil {
			tb.Fatalf("open: %v", err)
		}
		tb.Cleanup(func() { db.Close() })
		return db
	})
}

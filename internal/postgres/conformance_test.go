// The tests of this package run against the PostgreSQL server named by
// DATABASE_URL_TEST (each in a fresh schema, see pgtest); without it they skip,
// and with SMARTWAIT_REQUIRE_INTEGRATION=1 they fail instead.
package postgres_test

import (
	"testing"

	"smartwait/internal/auth/authtest"
	"smartwait/internal/postgres/pgtest"
	"smartwait/internal/queue"
	"smartwait/internal/queue/queuetest"
	"smartwait/internal/webhook/webhooktest"
)

// TestStore runs the queue.Store conformance suite that SQLite passes, unchanged.
func TestStore(t *testing.T) {
	queuetest.RunStoreTests(t, func(tb testing.TB) queue.Store { return pgtest.Open(tb) })
}

// TestAuthStore runs the auth.Store conformance suite that SQLite passes, unchanged.
func TestAuthStore(t *testing.T) {
	authtest.RunStoreTests(t, func(tb testing.TB) authtest.Store { return pgtest.Open(tb) })
}

// TestWebhookStore runs the webhook outbox conformance suite that SQLite passes, unchanged.
func TestWebhookStore(t *testing.T) {
	webhooktest.RunStoreTests(t, func(tb testing.TB) webhooktest.Store { return pgtest.Open(tb) })
}

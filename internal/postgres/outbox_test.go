package postgres_test

import (
	"testing"

	"smartwait/internal/notify"
	"smartwait/internal/notify/outboxtest"
	"smartwait/internal/postgres/pgtest"
	"smartwait/internal/queue"
)

func TestOutbox(t *testing.T) {
	outboxtest.RunOutboxTests(t, func(tb testing.TB) (queue.Store, notify.Outbox) {
		db := pgtest.Open(tb)
		return db, db
	})
}

package sqlite_test

import (
	"testing"

	"smartwait/internal/auth/authtest"
	"smartwait/internal/queue"
	"smartwait/internal/queue/queuetest"
)

func TestQueueStore(t *testing.T) {
	queuetest.RunStoreTests(t, func(tb testing.TB) queue.Store { return MustOpenDB(tb) })
}

func TestAuthStore(t *testing.T) {
	authtest.RunStoreTests(t, func(tb testing.TB) authtest.Store { return MustOpenDB(tb) })
}

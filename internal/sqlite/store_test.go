package sqlite_test

import (
	"testing"

	"smartwait/internal/queue"
	"smartwait/internal/queue/queuetest"
)

func TestQueueStore(t *testing.T) {
	queuetest.RunStoreTests(t, func(tb testing.TB) queue.Store { return MustOpenDB(tb) })
}

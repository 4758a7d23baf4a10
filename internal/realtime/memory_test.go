package realtime_test

import (
	"testing"

	"smartwait/internal/realtime"
	"smartwait/internal/realtime/brokertest"
)

func TestMemoryBroker(t *testing.T) {
	brokertest.RunBrokerTests(t, func(tb testing.TB) func() realtime.Broker {
		bus := realtime.NewMemoryBus()
		return func() realtime.Broker { return bus.Broker() }
	})
}

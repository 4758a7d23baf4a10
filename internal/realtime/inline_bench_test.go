package realtime_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"smartwait/internal/realtime"
)

// BenchmarkDeliverCallNext routes a call-next's batch with 2,000 waiting (a
// position_update each, then the patients room's queue_update) to 2,000
// inline subscribers whose send does nothing: the hub's own cost before the
// transport writes (docs/benchmarks.md).
func BenchmarkDeliverCallNext(b *testing.B) {
	h := realtime.NewHub(realtime.Config{ReplaySize: 8192, ReplayBytes: 64 << 20})
	defer h.Close()
	const n = 2000
	for i := range n {
		s := h.SubscribeInline("bench", func([]realtime.Message) error { return nil }, nil)
		h.Join(s, fmt.Sprintf("patient_%d", i))
		h.Join(s, "patients")
	}
	payload := json.RawMessage(`{"type":"position_update","position":1}`)
	v := int64(0)
	b.ReportAllocs()
	for b.Loop() {
		v++
		batch := realtime.Batch{Stream: "q", Version: v}
		for i := range n {
			batch.AddJSON(fmt.Sprintf("patient_%d", i), "position_update", payload)
		}
		batch.AddJSON("patients", "queue_update", payload)
		h.Deliver(batch)
		h.Sync()
	}
}

//go:build !race

// Allocation bounds run without the race detector (it changes allocation
// counts); scripts/test.sh runs them in its "go test" section.

package realtime

import (
	"runtime"
	"testing"
)

// TestRingAddAllocsWhenFull: once the replay ring is full, keeping one more
// batch costs amortized O(1), not a copy of the whole ring. Copying the kept
// batches to a new array on every eviction allocated ~33 KB per check-in at
// 4,096 messages, a third of what a check-in allocated.
func TestRingAddAllocsWhenFull(t *testing.T) {
	r := &ring{maxMessages: 4096, maxBytes: 4 << 20}
	msg := []Message{{Room: "patients", Event: "new_patient", Data: []byte(`{"position":1}`)}}
	v := int64(0)
	add := func() {
		v++
		r.add(Batch{Version: v, Messages: msg})
	}
	for range 8192 {
		add()
	}
	if r.count != 4096 {
		t.Fatalf("ring holds %d messages, want 4096", r.count)
	}
	// Bytes per add, averaged: a full copy would be ~4,096 × sizeof(Batch).
	var before, after testingAllocs
	before.read()
	const n = 10000
	for range n {
		add()
	}
	after.read()
	if per := (after.bytes - before.bytes) / n; per > 512 {
		t.Errorf("%d bytes allocated per batch added to a full ring, want at most 512 (amortized)", per)
	}
	if r.count != 4096 || r.batches[0].Version != v-4095 {
		t.Errorf("ring holds %d messages from version %d, want 4096 from %d", r.count, r.batches[0].Version, v-4095)
	}
}

// testingAllocs reads the bytes the process has allocated so far.
type testingAllocs struct{ bytes uint64 }

func (a *testingAllocs) read() {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	a.bytes = m.TotalAlloc
}

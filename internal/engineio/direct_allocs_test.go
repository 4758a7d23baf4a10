//go:build !race

// Allocation bounds run without the race detector (it changes allocation
// counts); scripts/test.sh runs them in its "go test" section.

package engineio

import (
	"encoding/json"
	"testing"
)

// TestDirectEventFramesWithoutAllocating: a direct packet (a patient's own
// position_update) is encoded straight into the socket's write buffer, so a
// call-next's fan-out to thousands of patients makes no packet per patient.
// Before NewDirectEvent each socket got a framed copy of its payload (~350
// bytes per patient per call-next).
func TestDirectEventFramesWithoutAllocating(t *testing.T) {
	p := NewDirectEvent("position_update", json.RawMessage(`{"type":"position_update","position":12,"estimatedWait":180}`))
	buf := make([]byte, 0, 4096)
	if n := testing.AllocsPerRun(100, func() { buf = p.appendFrame(buf[:0]) }); n != 0 {
		t.Errorf("%v allocations to frame a direct packet into a buffer with room, want 0", n)
	}
}

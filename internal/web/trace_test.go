package web

import (
	"bytes"
	"runtime/trace"
	"testing"

	"smartwait/internal/realtime"
)

// A change's steps carry runtime/trace regions, so that an execution trace of
// the running server (SMARTWAIT_PPROF_ADDR, /debug/pprof/trace) shows where a
// call-next spends its time before the first write (docs/benchmarks.md,
// "Reading a call-next's steps from a trace").
func TestCallNextStepsAreTraced(t *testing.T) {
	hub := realtime.NewHub(realtime.Config{})
	t.Cleanup(hub.Close)
	broker := realtime.NewMemoryBus().Broker()
	h := newHarness(t, func(d *Deps) {
		d.Queue.Publisher = &Events{Broker: broker, Log: d.Log}
		d.Realtime = Realtime{Hub: hub, Broker: broker}
		if err := broker.Start(t.Context(), hub); err != nil {
			t.Fatal(err)
		}
	})
	h.checkIn("Patient", phone(1))
	var buf bytes.Buffer
	if err := trace.Start(&buf); err != nil {
		t.Fatal(err)
	}
	h.asStaff("POST", "/api/staff/call-next", `{"room":"1"}`).want(t, 200)
	hub.Sync()
	trace.Stop()
	for _, region := range []string{"queue.transaction", "queue.settle", "events.build", "realtime.route", "realtime.send"} {
		if !bytes.Contains(buf.Bytes(), []byte(region)) {
			t.Errorf("no %q region in the trace of a call-next", region)
		}
	}
}

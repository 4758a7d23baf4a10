package loadgen

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/zishang520/socket.io/clients/socket/v3"
)

func TestValidateLoopbackOnly(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"http://127.0.0.1:3001", true},
		{"http://127.8.9.10:80", true},
		{"http://[::1]:3001", true},
		{"http://localhost:3001", true},
		{"https://LOCALHOST", true},
		{"http://10.0.0.5:3001", false},
		{"http://clinic.example", false},
		{"http://localhost.evil.example", false},
		{"ftp://127.0.0.1", false},
		{"127.0.0.1:3001", false},
	}
	for _, tt := range tests {
		cfg := DefaultConfig()
		cfg.URL, cfg.Password = tt.url, "pw"
		if err := cfg.Validate(); (err == nil) != tt.ok {
			t.Errorf("Validate(%q) = %v, want ok %v", tt.url, err, tt.ok)
		}
	}
}

func TestPercentiles(t *testing.T) {
	var lat []time.Duration
	for i := 100; i >= 1; i-- { // unsorted on purpose
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	got := summarize(lat)
	want := Percentiles{P50: 51 * time.Millisecond, P90: 91 * time.Millisecond, P99: 100 * time.Millisecond, Max: 100 * time.Millisecond}
	if got != want {
		t.Errorf("summarize = %+v, want %+v", got, want)
	}
	if (summarize(nil) != Percentiles{}) {
		t.Error("no samples must give zero percentiles")
	}
}

// TestEventsMatchCallsByVersion checks the bookkeeping behind the event figures:
// an event counts once per patient and version, against the call that made that
// version, and events outside the run's calls are ignored.
func TestEventsMatchCallsByVersion(t *testing.T) {
	r := newRunner(DefaultConfig())
	r.v0, r.calls = 40, 3
	r.sent = make([]atomic.Int64, 4)
	sent := time.Now().Add(-time.Second)
	for k := 1; k <= 3; k++ {
		r.sent[k].Store(sent.UnixNano())
	}
	first := &patient{id: "a", position: 1, versions: map[int64]bool{}, sock: socket.MakeSocket()}
	fifth := &patient{id: "b", position: 5, versions: map[int64]bool{}, sock: socket.MakeSocket()}
	r.patients = []*patient{first, fifth}

	r.onEvent(first, 41) // called by the first call
	r.onEvent(fifth, 41)
	r.onEvent(fifth, 41) // the same version again (position_update and patient_called)
	r.onEvent(fifth, 42)
	r.onEvent(fifth, 40) // before the run
	r.onEvent(fifth, 50) // not one of the run's calls
	var rep Report
	r.tally(&rep)
	if rep.Events.Expected != 4 || rep.Events.Received != 3 || rep.Events.Missing != 1 {
		t.Errorf("events = %+v, want 4 expected, 3 received, 1 missing (b's third call)", rep.Events)
	}
	if rep.Events.Latency.P50 < time.Second || rep.Events.Latency.Max > time.Minute {
		t.Errorf("latency %+v, want about the second since the calls were sent", rep.Events.Latency)
	}
}

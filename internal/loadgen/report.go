package loadgen

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"
)

// Report is what a load run measured.
type Report struct {
	Config   Config        `json:"-"`
	Elapsed  time.Duration `json:"elapsed"`
	TimedOut bool          `json:"timedOut"` // the Duration bound ended the run
	CheckIns Phase         `json:"checkIns"`
	Sockets  Phase         `json:"sockets"`
	Calls    Phase         `json:"calls"`
	Cleanup  Phase         `json:"cleanup"`
	Events   Events        `json:"events"`
	// SocketsClosed counts the sockets that closed while the run still
	// counted on them, by who closed them and why: "client gave up: <reason>",
	// "server closed: <reason>" or "connection lost: <reason>".
	SocketsClosed map[string]int `json:"socketsClosed,omitempty"`
	// Redials counts the sockets dialled again because a dial never
	// connected (the client library missed its own open; connect).
	Redials int `json:"redials,omitempty"`
}

// Phase counts one kind of request: how many were made, how many failed (with
// the first few errors), how long the phase took and the latency of each.
type Phase struct {
	Count   int           `json:"count"`
	Failed  int           `json:"failed"`
	Errors  []string      `json:"errors,omitempty"`
	Elapsed time.Duration `json:"elapsed"`
	Latency Percentiles   `json:"latency"`

	mu  sync.Mutex
	lat []time.Duration
}

// Events counts the events the patients' sockets received for the calls.
type Events struct {
	Expected int `json:"expected"`
	Received int `json:"received"`
	Missing  int `json:"missing"`
	// Missing, split: NotSent are events a socket that stayed open never
	// received (the server did not send them); SocketClosed are events due to
	// sockets that had closed during the run (see Report.SocketsClosed), which
	// no server could deliver.
	NotSent      int         `json:"notSent"`
	SocketClosed int         `json:"socketClosed"`
	Latency      Percentiles `json:"latency"` // call-next sent → event received
}

// Percentiles summarises latencies.
type Percentiles struct {
	P50, P90, P99, Max time.Duration
}

// run calls fn for i in [0, n) with at most conc at once and records each.
func (ph *Phase) run(ctx context.Context, n, conc int, fn func(ctx context.Context, i int) error) {
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(conc, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				err := fn(ctx, i)
				ph.record(time.Since(t0), err)
			}
		}()
	}
	wg.Wait()
	ph.Elapsed = time.Since(start)
	ph.Latency = summarize(ph.lat)
}

func (ph *Phase) record(d time.Duration, err error) {
	ph.mu.Lock()
	defer ph.mu.Unlock()
	ph.Count++
	if err != nil {
		ph.Failed++
		if len(ph.Errors) < 5 {
			ph.Errors = append(ph.Errors, err.Error())
		}
		return
	}
	ph.lat = append(ph.lat, d)
}

// rate is successful operations per second over the phase.
func (ph *Phase) rate() float64 {
	if ph.Elapsed <= 0 {
		return 0
	}
	return float64(ph.Count-ph.Failed) / ph.Elapsed.Seconds()
}

func summarize(lat []time.Duration) Percentiles {
	if len(lat) == 0 {
		return Percentiles{}
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	at := func(q float64) time.Duration { return s[min(len(s)-1, int(q*float64(len(s))))] }
	return Percentiles{P50: at(0.50), P90: at(0.90), P99: at(0.99), Max: s[len(s)-1]}
}

// Write prints the report as a table.
func (rep *Report) Write(w io.Writer) error {
	c := rep.Config
	fmt.Fprintf(w, "SmartWait load: %s, %d patients with a socket each, %d calls at %g/s, run took %s",
		c.URL, c.Patients, c.Calls, c.CallRate, rep.Elapsed.Round(time.Millisecond))
	if rep.TimedOut {
		fmt.Fprintf(w, " (stopped at the %s bound)", c.Duration)
	}
	fmt.Fprint(w, "\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\tdone\tfailed\tper second\tp50\tp90\tp99\tmax\t")
	for _, row := range []struct {
		name string
		ph   *Phase
	}{{"check-in (HTTP)", &rep.CheckIns}, {"socket + join", &rep.Sockets}, {"call-next (HTTP)", &rep.Calls}, {"cleanup (HTTP)", &rep.Cleanup}} {
		l := row.ph.Latency
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%s\t%s\t%s\t%s\t\n", row.name, row.ph.Count-row.ph.Failed, row.ph.Failed, row.ph.rate(), ms(l.P50), ms(l.P90), ms(l.P99), ms(l.Max))
	}
	tw.Flush()
	e := rep.Events
	fmt.Fprintf(w, "\nevents (position_update / patient_called): %d of %d expected received, %d missing\n", e.Received, e.Expected, e.Missing)
	if e.Missing > 0 {
		fmt.Fprintf(w, "  missing on sockets open to the end (server never sent): %d\n", e.NotSent)
		fmt.Fprintf(w, "  missing on sockets that closed during the run: %d\n", e.SocketClosed)
	}
	if rep.Redials > 0 {
		fmt.Fprintf(w, "sockets dialled again (the first dial never connected): %d\n", rep.Redials)
	}
	for _, cause := range slices.Sorted(maps.Keys(rep.SocketsClosed)) {
		fmt.Fprintf(w, "sockets closed during the run, %s: %d\n", cause, rep.SocketsClosed[cause])
	}
	fmt.Fprintf(w, "event latency, call-next sent → event at the patient: p50 %s  p90 %s  p99 %s  max %s\n",
		ms(e.Latency.P50), ms(e.Latency.P90), ms(e.Latency.P99), ms(e.Latency.Max))
	if rep.Calls.Elapsed > 0 {
		fmt.Fprintf(w, "events delivered per second during the calls: %.0f\n", float64(e.Received)/rep.Calls.Elapsed.Seconds())
	}
	failed := rep.CheckIns.Failed + rep.Sockets.Failed + rep.Calls.Failed + rep.Cleanup.Failed
	fmt.Fprintf(w, "failed requests: %d\n", failed)
	for _, ph := range []*Phase{&rep.CheckIns, &rep.Sockets, &rep.Calls, &rep.Cleanup} {
		for _, msg := range ph.Errors {
			fmt.Fprintf(w, "  %s\n", msg)
		}
	}
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }

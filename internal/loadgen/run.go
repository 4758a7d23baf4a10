package loadgen

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zishang520/socket.io/clients/socket/v3"
)

// runner is one load run in progress.
type runner struct {
	cfg   Config
	http  *http.Client
	token string

	patients []*patient
	v0       int64          // the queue's version before the first call
	sent     []atomic.Int64 // UnixNano when call k (1-based) was sent; 0: not sent
	calls    int            // calls that succeeded
	closing  atomic.Bool    // the run is closing its sockets: closes are no longer news
	redials  atomic.Int64   // sockets dialled again: the first dial never connected

	mu     sync.Mutex
	events []time.Duration // call sent → event received
}

// patient is one simulated patient: a ticket and a socket on its room.
type patient struct {
	id       string
	position int // at check-in
	sock     *socket.Socket

	mu        sync.Mutex
	versions  map[int64]bool // versions of the events received
	closedBy  string         // who closed the socket during the run ("" while open), see closeCause
	abandoned bool           // the socket never joined; the run dropped it
}

func newRunner(cfg Config) *runner {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = cfg.Concurrency
	return &runner{cfg: cfg, http: &http.Client{Timeout: 30 * time.Second, Transport: tr}}
}

func (r *runner) say(format string, args ...any) {
	if r.cfg.Progress != nil {
		fmt.Fprintf(r.cfg.Progress, format+"\n", args...)
	}
}

func (r *runner) run(ctx context.Context, rep *Report) error {
	if err := r.login(ctx); err != nil {
		return err
	}
	r.say("checking in %d patients…", r.cfg.Patients)
	if err := r.checkIns(ctx, &rep.CheckIns); err != nil {
		return err
	}
	r.say("opening %d sockets…", len(r.patients))
	r.connect(ctx, &rep.Sockets)
	rep.Redials = int(r.redials.Load())
	if len(r.patients) == 0 {
		return fmt.Errorf("no patient could check in")
	}
	var err error
	if r.v0, err = r.version(ctx); err != nil {
		return err
	}
	calls := min(r.cfg.Calls, len(r.patients))
	r.say("calling %d patients at %g a second…", calls, r.cfg.CallRate)
	r.callNext(ctx, calls, &rep.Calls)
	r.drain(ctx)
	r.tally(rep)
	return ctx.Err()
}

// checkIns checks the patients in, Concurrency at a time, each with its own
// valid phone number (random per run, so runs do not collide).
func (r *runner) checkIns(ctx context.Context, ph *Phase) error {
	base := rand.N(7000000)
	out := make([]*patient, r.cfg.Patients)
	var limited atomic.Bool
	ph.run(ctx, r.cfg.Patients, r.cfg.Concurrency, func(ctx context.Context, i int) error {
		body := map[string]string{
			"name":            fmt.Sprintf("Load %d", i+1),
			"phone":           fmt.Sprintf("+1415%07d", 2000000+(base+i)%7000000),
			"appointmentTime": "load test",
		}
		var res struct {
			PatientID string `json:"patientId"`
			Position  int    `json:"position"`
		}
		status, err := r.do(ctx, "POST", "/api/checkin", body, &res)
		if status == http.StatusTooManyRequests {
			limited.Store(true)
		}
		if err != nil {
			return err
		}
		out[i] = &patient{id: res.PatientID, position: res.Position, versions: map[int64]bool{}}
		return nil
	})
	for _, p := range out {
		if p != nil {
			r.patients = append(r.patients, p)
		}
	}
	if limited.Load() {
		return fmt.Errorf("the server rate-limits check-ins (HTTP 429): start it with SMARTWAIT_CHECKIN_RATE_LIMIT=0 for a load test")
	}
	return nil
}

// callNext makes calls call-next requests, one after another (so that the
// queue's versions follow the order they were sent in), paced at CallRate.
func (r *runner) callNext(ctx context.Context, calls int, ph *Phase) {
	r.sent = make([]atomic.Int64, calls+1)
	interval := time.Duration(float64(time.Second) / r.cfg.CallRate)
	start := time.Now()
	for k := 1; k <= calls; k++ {
		if wait := time.Until(start.Add(time.Duration(k-1) * interval)); wait > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
		}
		if ctx.Err() != nil {
			break
		}
		t0 := time.Now()
		r.sent[k].Store(t0.UnixNano())
		_, err := r.do(ctx, "POST", "/api/staff/call-next", map[string]string{"room": "Load"}, nil)
		ph.record(time.Since(t0), err)
		if err != nil {
			// The versions no longer follow the calls: stop rather than mismatch.
			r.sent[k].Store(0)
			break
		}
		r.calls = k
	}
	ph.Elapsed = time.Since(start)
	ph.Latency = summarize(ph.lat)
}

// onEvent records the latency of an event carrying version v.
func (r *runner) onEvent(p *patient, v int64) {
	now := time.Now().UnixNano()
	k := v - r.v0
	if k < 1 || k >= int64(len(r.sent)) {
		return
	}
	sent := r.sent[k].Load()
	if sent == 0 {
		return
	}
	p.mu.Lock()
	dup := p.versions[v]
	p.versions[v] = true
	p.mu.Unlock()
	if dup {
		return
	}
	r.mu.Lock()
	r.events = append(r.events, time.Duration(now-sent))
	r.mu.Unlock()
}

// expected is how many events patient p should get: one per call up to and
// including the one that calls them.
func (r *runner) expected(p *patient) int { return min(p.position, r.calls) }

// drain waits until every expected event arrived, or Drain passed.
func (r *runner) drain(ctx context.Context) {
	deadline := time.Now().Add(r.cfg.Drain)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if r.missing() == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond) // polling a counter, not synchronising a test
	}
}

func (r *runner) missing() int {
	open, closed := r.missingBy()
	return open + closed
}

// missingBy counts the events still missing, on sockets that are open (the
// server has not sent them) and on sockets that closed during the run.
func (r *runner) missingBy() (open, closed int) {
	for _, p := range r.patients {
		if p.sock == nil {
			continue
		}
		p.mu.Lock()
		got := 0
		for v := range p.versions {
			if v-r.v0 <= int64(r.calls) {
				got++
			}
		}
		gone := p.closedBy != ""
		p.mu.Unlock()
		n := max(0, r.expected(p)-got)
		if gone {
			closed += n
		} else {
			open += n
		}
	}
	return open, closed
}

func (r *runner) tally(rep *Report) {
	r.mu.Lock()
	lat := slices.Clone(r.events)
	r.mu.Unlock()
	rep.Events.Received = len(lat)
	rep.Events.NotSent, rep.Events.SocketClosed = r.missingBy()
	rep.Events.Missing = rep.Events.NotSent + rep.Events.SocketClosed
	rep.Events.Latency = summarize(lat)
	for _, p := range r.patients {
		if p.sock == nil {
			continue
		}
		rep.Events.Expected += r.expected(p)
		p.mu.Lock()
		if p.closedBy != "" {
			if rep.SocketsClosed == nil {
				rep.SocketsClosed = map[string]int{}
			}
			rep.SocketsClosed[p.closedBy]++
		}
		p.mu.Unlock()
	}
}

// cleanup leaves the queue as found: sockets closed first (so nobody is sent
// the moves), then the called patients completed and the rest cancelled, from
// the back of the queue so that no cancellation moves anyone.
func (r *runner) cleanup(ctx context.Context, rep *Report) {
	r.closeSockets()
	ps := slices.Clone(r.patients)
	slices.SortFunc(ps, func(a, b *patient) int { return b.position - a.position })
	r.say("cleaning up %d patients…", len(ps))
	rep.Cleanup.run(ctx, len(ps), r.cfg.Concurrency, func(ctx context.Context, i int) error {
		p := ps[i]
		if p.position <= r.calls {
			_, err := r.do(ctx, "POST", "/api/staff/complete", map[string]string{"patientId": p.id}, nil)
			return err
		}
		_, err := r.do(ctx, "DELETE", "/api/checkin/"+p.id, nil, nil)
		return err
	})
}

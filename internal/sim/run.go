package sim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"smartwait/internal/queue"
	"smartwait/internal/sqlite"
)

// Patient is what the simulation recorded of one patient. Times are minutes since
// the clinic opened; waits are minutes.
type Patient struct {
	N        int     `json:"n"`                // arrival order, from 1
	Booked   bool    `json:"booked,omitempty"` // checked in for an appointment
	Urgent   bool    `json:"urgent,omitempty"` // marked urgent at check-in
	CheckIn  float64 `json:"checkIn"`          // when they checked in
	Position int     `json:"position"`         // position at check-in
	// Quote is SmartWait's estimate at check-in and QuoteLow..QuoteHigh its range;
	// Fixed is what the fixed 15-minutes-per-position rule would have said, and
	// Oracle the same rule told the day's true mean visit.
	Quote     int `json:"quote"`
	QuoteLow  int `json:"quoteLow"`
	QuoteHigh int `json:"quoteHigh"`
	Fixed     int `json:"fixed"`
	Oracle    int `json:"oracle"`
	// visits is the fixed rule's visits ahead per room, (position − 1 +
	// inService) / rooms, from which Fixed and Oracle follow.
	visits float64
	// Outcome is the ticket's final status: completed, no_show or cancelled.
	Outcome queue.Status `json:"outcome"`
	// Wait is the actual wait, check-in to called (-1 when never called).
	Wait    float64  `json:"wait"`
	Updates []Update `json:"updates,omitempty"` // the quote at each later change
	// Bound and BoundGuarded are the perfect-knowledge quotes at check-in
	// (bound.go): the median of the wait drawn from everything about the day
	// but the visits' lengths, and the same raised by SmartWait's guard.
	Bound        int   `json:"bound,omitempty"`
	BoundGuarded int   `json:"boundGuarded,omitempty"`
	boundSweep   []int // the guarded point at each of boundWeights
}

// Update is a patient's quote after a queue change moved them.
type Update struct {
	At       float64 `json:"at"`
	Position int     `json:"position"`
	Quote    int     `json:"quote"`
	Fixed    int     `json:"fixed"`
	Oracle   int     `json:"oracle"`
	visits   float64
}

// Progress is called after each arrival is processed, with how many of the
// day's patients have arrived so far.
type Progress func(done, total int)

// Run simulates the scenario's day against a real queue.Service on a SQLite file
// in a temporary directory, removed afterwards. It returns the day's records and
// their summary. Run is deterministic in the scenario: patient ids are random,
// but nothing the simulation does depends on them.
func Run(ctx context.Context, sc Scenario, progress Progress) (*Result, error) {
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "smartwait-sim-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	db, err := sqlite.Open(ctx, filepath.Join(dir, "sim.db"))
	if err != nil {
		return nil, err
	}
	defer db.Close()

	r := newRunner(sc, db)
	db.Now = r.now
	if err := r.run(ctx, progress); err != nil {
		return nil, err
	}
	r.oracle()
	// The clock stopped at the last event: the end of the day's last visit.
	return summarize(sc, r.dayLength, r.clock.Sub(sc.Open), r.patients, r.roomTime, r.busy), nil
}

// runner is one simulation in progress. It is used from one goroutine: the
// Service publishes synchronously after each commit, on the caller's goroutine.
type runner struct {
	sc        Scenario
	svc       *queue.Service
	rng       *rand.Rand
	clock     time.Time
	dayLength time.Duration
	events    eventQueue

	patients  []Patient
	plans     []plan
	byID      map[string]int // ticket id → index in patients
	idle      []int          // open rooms without a patient, by number
	open      []bool         // open[room]: the room serves (index 0 unused)
	busy      time.Duration  // total room time in use, for the measured utilisation
	roomTime  time.Duration  // total open room time, opening to the last visit's end
	lastTick  time.Time      // when roomTime was last brought up to date
	inService int            // patients called and not yet finished
	fixedS    float64        // the fixed rule's minutes per visit
	visitSum  time.Duration  // every visit drawn (no-shows' grace left out), for the oracle
	visitN    int
	rooms     []roomVisit // rooms[n]: what room n is doing (index 0 unused)
	boundRng  *rand.Rand  // the perfect-knowledge bound's draws, apart from the day's
}

// plan is what the simulation decided about a patient before they arrived.
type plan struct {
	id     string
	noShow bool
	leave  time.Duration // > 0: leaves this long after check-in unless called first
	slot   time.Time     // the appointment, when booked
	urgent bool          // marked urgent at check-in
	called bool
	done   bool
}

func newRunner(sc Scenario, db *sqlite.DB) *runner {
	r := &runner{
		sc:        sc,
		rng:       rand.New(rand.NewPCG(sc.Seed, 0x5eed)),
		clock:     sc.Open,
		dayLength: sc.dayLength(),
		byID:      map[string]int{},
		fixedS:    sc.Prior.Minutes(),
		boundRng:  rand.New(rand.NewPCG(sc.Seed, 0xb0a7d)),
	}
	est := sc.Estimator
	if est == (queue.Estimator{}) {
		est = queue.DefaultEstimator()
	}
	est.Prior, est.Rooms = sc.Prior, sc.Rooms
	cfg := queue.DefaultConfig()
	cfg.Estimator, cfg.Location, cfg.FollowUpAfter = est, time.UTC, 0
	r.svc = &queue.Service{Store: db, Config: cfg, Now: r.now, Publisher: queue.PublisherFunc(r.observe)}
	r.open = make([]bool, sc.maxRooms()+1)
	r.rooms = make([]roomVisit, sc.maxRooms()+1)
	r.lastTick = sc.Open
	return r
}

// roomName is how room n is called in SmartWait.
func roomName(n int) string { return "Room " + strconv.Itoa(n) }

// setUpRooms creates every room the day will use, as staff would, serving the
// default line; those serving at opening are open. SmartWait then counts the
// open rooms for its estimates: live staffing, not a setting.
func (r *runner) setUpRooms(ctx context.Context) error {
	if r.sc.Booked > 0 {
		on := true
		if _, err := r.svc.UpdateLine(ctx, queue.DefaultQueueID, queue.LinePatch{Appointments: &on}); err != nil {
			return fmt.Errorf("appointments on: %w", err)
		}
	}
	for n := 1; n < len(r.open); n++ {
		open := n <= r.sc.Rooms
		if _, err := r.svc.CreateRoom(ctx, queue.Room{Name: roomName(n), Lines: []string{queue.DefaultQueueID}, Open: open}); err != nil {
			return fmt.Errorf("room %d: %w", n, err)
		}
		if open {
			r.open[n] = true
			r.idle = append(r.idle, n)
		}
	}
	for _, st := range sortedSteps(r.sc.RoomSteps, r.dayLength) {
		r.events.push(event{at: r.sc.Open.Add(st.at(r.dayLength)), kind: evRooms, room: int(st.Value)})
	}
	return nil
}

// staff opens or closes rooms so that want of them serve: the highest-numbered
// close first (a visit in progress there goes on to its end) and the
// lowest-numbered open first.
func (r *runner) staff(ctx context.Context, want int) error {
	serving := 0
	for n := 1; n < len(r.open); n++ {
		if r.open[n] {
			serving++
		}
	}
	for n := len(r.open) - 1; n >= 1 && serving > want; n-- {
		if r.open[n] {
			if err := r.setOpen(ctx, n, false); err != nil {
				return err
			}
			serving--
		}
	}
	for n := 1; n < len(r.open) && serving < want; n++ {
		if !r.open[n] {
			if err := r.setOpen(ctx, n, true); err != nil {
				return err
			}
			serving++
		}
	}
	return r.callIdle(ctx)
}

func (r *runner) setOpen(ctx context.Context, n int, open bool) error {
	// Staff use the dashboard, unless the scenario says they do not; a room
	// that was never open at all is opened there whatever the scenario.
	neverOpen := n > r.sc.Rooms
	if !r.sc.Unannounced || neverOpen {
		if _, err := r.svc.UpdateRoom(ctx, roomName(n), queue.RoomPatch{Open: &open}); err != nil {
			return fmt.Errorf("room %d open=%v: %w", n, open, err)
		}
	}
	r.open[n] = open
	if open {
		r.idle = append(r.idle, n)
		slices.Sort(r.idle)
		slices.Reverse(r.idle) // callIdle takes from the end: the lowest number first
	} else {
		r.idle = slices.DeleteFunc(r.idle, func(x int) bool { return x == n })
	}
	return nil
}

// tick adds the open room time since the last tick.
func (r *runner) tick() {
	open := 0
	for _, o := range r.open {
		if o {
			open++
		}
	}
	r.roomTime += time.Duration(open) * r.clock.Sub(r.lastTick)
	r.lastTick = r.clock
}

func (r *runner) now() time.Time { return r.clock }

// minutes is the simulated time t as minutes since opening.
func (r *runner) minutes(t time.Time) float64 { return t.Sub(r.sc.Open).Minutes() }

func (r *runner) run(ctx context.Context, progress Progress) error {
	r.plan()
	if err := r.setUpRooms(ctx); err != nil {
		return err
	}
	arrived := 0
	for r.events.Len() > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		ev := r.events.pop()
		r.clock = ev.at
		r.tick()
		var err error
		switch ev.kind {
		case evArrive:
			err = r.arrive(ctx, ev.patient)
			arrived++
			if progress != nil {
				progress(arrived, r.sc.Patients)
			}
		case evLeave:
			err = r.leave(ctx, ev.patient)
		case evDone:
			err = r.finish(ctx, ev.patient, ev.room, false)
		case evNoShow:
			err = r.finish(ctx, ev.patient, ev.room, true)
		case evRooms:
			err = r.staff(ctx, ev.room)
		}
		if err != nil {
			return fmt.Errorf("at %s: %w", r.clock.Format(time.TimeOnly), err)
		}
	}
	return nil
}

// plan draws every arrival and each patient's intentions up front, so that the
// random stream (and so the day) does not depend on the estimator under test.
func (r *runner) plan() {
	knots := profiles[r.sc.Profile]
	peak := 0.0
	for _, k := range knots {
		peak = max(peak, k)
	}
	// A Poisson process conditioned on N arrivals in the day places them
	// independently with density ∝ the rate: draw by rejection, then sort.
	at := make([]float64, r.sc.Patients)
	for i := range at {
		for {
			u := r.rng.Float64()
			if r.rng.Float64()*peak <= rateAt(knots, u) {
				at[i] = u
				break
			}
		}
	}
	sortFloats(at)
	r.patients = make([]Patient, len(at))
	r.plans = make([]plan, len(at))
	for i, u := range at {
		p := plan{noShow: r.rng.Float64() < r.sc.NoShowRate}
		if r.rng.Float64() < r.sc.CancelRate {
			p.leave = time.Duration(r.rng.ExpFloat64() * float64(r.sc.Patience))
			p.leave = max(p.leave, time.Minute)
		}
		arrival := r.sc.Open.Add(time.Duration(u * float64(r.dayLength)))
		// Drawn only for scenarios with bookings, so that the others' days
		// stay as they were.
		if r.sc.Booked > 0 && r.rng.Float64() < r.sc.Booked {
			early := float64(r.sc.Early) + r.rng.NormFloat64()*float64(r.sc.EarlySpread)
			p.slot = arrival.Add(time.Duration(early)).Truncate(time.Minute)
		}
		if r.sc.Urgent > 0 {
			p.urgent = r.rng.Float64() < r.sc.Urgent
		}
		r.plans[i] = p
		r.patients[i] = Patient{N: i + 1, Wait: -1, Booked: !p.slot.IsZero(), Urgent: p.urgent}
		r.events.push(event{at: arrival, kind: evArrive, patient: i})
	}
}

func (r *runner) arrive(ctx context.Context, i int) error {
	appointment := "walk-in"
	if slot := r.plans[i].slot; !slot.IsZero() {
		appointment = slot.Format("15:04")
	}
	e, err := r.svc.CheckIn(ctx, queue.CheckInRequest{
		Name:            "Patient " + strconv.Itoa(i+1),
		Phone:           phone(i),
		AppointmentTime: appointment,
	})
	if err != nil {
		return fmt.Errorf("check-in %d: %w", i+1, err)
	}
	r.byID[e.ID] = i
	r.plans[i].id = e.ID
	if r.plans[i].urgent {
		// The desk marks them as they arrive: what they are told is the
		// quote after the move.
		if e, err = r.svc.SetUrgent(ctx, e.ID, true); err != nil {
			return fmt.Errorf("urgent %d: %w", i+1, err)
		}
	}
	p := &r.patients[i]
	p.CheckIn = r.minutes(r.clock)
	p.Position, p.Quote = e.Position, e.EstimatedWait
	p.QuoteLow, p.QuoteHigh = e.EstimatedWaitLow, e.EstimatedWaitHigh
	p.visits = r.visitsAhead(e.Position, r.inService)
	p.Fixed = r.fixed(p.visits)
	r.bound(i)
	if leave := r.plans[i].leave; leave > 0 {
		r.events.push(event{at: r.clock.Add(leave), kind: evLeave, patient: i})
	}
	return r.callIdle(ctx)
}

func (r *runner) leave(ctx context.Context, i int) error {
	if r.plans[i].called || r.plans[i].done {
		return nil
	}
	if _, err := r.svc.Cancel(ctx, r.plans[i].id); err != nil {
		return fmt.Errorf("cancel %d: %w", i+1, err)
	}
	r.plans[i].done = true
	r.patients[i].Outcome = queue.StatusCancelled
	return nil
}

// finish ends patient i's visit in room (completed, or no-show after the grace)
// and calls the next patient there.
func (r *runner) finish(ctx context.Context, i, room int, noShow bool) error {
	var err error
	if noShow {
		_, err = r.svc.NoShow(ctx, r.plans[i].id)
		r.patients[i].Outcome = queue.StatusNoShow
	} else {
		_, err = r.svc.Complete(ctx, r.plans[i].id)
		r.patients[i].Outcome = queue.StatusCompleted
	}
	if err != nil {
		return fmt.Errorf("finish %d: %w", i+1, err)
	}
	r.plans[i].done = true
	r.inService--
	r.rooms[room] = roomVisit{}
	if r.open[room] {
		r.idle = append(r.idle, room)
	}
	return r.callIdle(ctx)
}

// callIdle calls the next patient into every free room while anyone waits.
func (r *runner) callIdle(ctx context.Context) error {
	for len(r.idle) > 0 {
		room := r.idle[len(r.idle)-1]
		e, err := r.svc.Call(ctx, queue.CallRequest{Room: roomName(room)})
		var qe *queue.Error
		if errors.As(err, &qe) && qe.Code == queue.CodeNoneWaiting {
			return nil
		}
		if err != nil {
			return fmt.Errorf("call next: %w", err)
		}
		r.idle = r.idle[:len(r.idle)-1]
		i := r.byID[e.ID]
		r.plans[i].called = true
		r.inService++
		r.patients[i].Wait = r.minutes(r.clock) - r.patients[i].CheckIn
		var d time.Duration
		kind := evDone
		if r.plans[i].noShow {
			d, kind = r.sc.NoShowGrace, evNoShow
		} else {
			d = r.visit()
			r.visitSum += d
			r.visitN++
		}
		r.busy += d
		r.rooms[room] = roomVisit{busy: true, start: r.clock, noShow: r.plans[i].noShow}
		r.events.push(event{at: r.clock.Add(d), kind: kind, patient: i, room: room})
	}
	return nil
}

// visit draws a visit length with the mean of this time of day.
func (r *runner) visit() time.Duration { return r.drawVisit(r.rng, r.clock) }

// drawVisit draws, from rng, a visit starting at t: log-normal with the mean of
// that time of day, or from the scenario's mixture of kinds scaled to it.
func (r *runner) drawVisit(rng *rand.Rand, t time.Time) time.Duration {
	mean := r.sc.serviceMeanAt(t.Sub(r.sc.Open), r.dayLength).Minutes()
	cv := r.sc.ServiceCV
	if len(r.sc.Mix) > 0 {
		u, scale := rng.Float64(), mean/mixMean(r.sc.Mix).Minutes()
		m := r.sc.Mix[len(r.sc.Mix)-1]
		for _, x := range r.sc.Mix {
			if u < x.Share {
				m = x
				break
			}
			u -= x.Share
		}
		mean, cv = m.Mean.Minutes()*scale, m.CV
	}
	return time.Duration(logNormal(rng, mean, cv) * float64(time.Minute)).Round(time.Second)
}

// logNormal draws from a log-normal with the given mean and CV (0: exactly mean).
func logNormal(rng *rand.Rand, mean, cv float64) float64 {
	if cv == 0 {
		return mean
	}
	s2 := math.Log(1 + cv*cv)
	mu := math.Log(mean) - s2/2
	return math.Exp(mu + math.Sqrt(s2)*rng.NormFloat64())
}

// observe records, for every waiting patient a change moved, the new quote.
func (r *runner) observe(c queue.Change) {
	for _, e := range c.Moved {
		i, ok := r.byID[e.ID]
		if !ok || e.Status != queue.StatusWaiting {
			continue
		}
		v := r.visitsAhead(e.Position, c.Called)
		r.patients[i].Updates = append(r.patients[i].Updates, Update{
			At: r.minutes(c.At), Position: e.Position, Quote: e.EstimatedWait, Fixed: r.fixed(v), visits: v,
		})
	}
}

// visitsAhead is the contract's cold-start formula without S: (position − 1 +
// inService) / rooms, with the static SMARTWAIT_ROOMS of the scenario's opening
// (a fixed rule knows nothing of rooms opening and closing).
func (r *runner) visitsAhead(position, called int) float64 {
	inService := min(called, r.sc.Rooms)
	return float64(position-1+inService) / float64(r.sc.Rooms)
}

// fixed is the fixed rule: the contract's cold-start formula with 15 minutes
// (the prior) per visit for ever, never learned.
func (r *runner) fixed(visits float64) int { return int(math.Round(visits * r.fixedS)) }

// oracle fills in every quote of the oracle fixed rule: the fixed rule told the
// day's true mean visit, known only once the day is over — the best a setting
// could do, and what a learning estimator has to beat.
func (r *runner) oracle() {
	if r.visitN == 0 {
		return
	}
	s := (r.visitSum / time.Duration(r.visitN)).Minutes()
	for i := range r.patients {
		p := &r.patients[i]
		p.Oracle = int(math.Round(p.visits * s))
		for j := range p.Updates {
			p.Updates[j].Oracle = int(math.Round(p.Updates[j].visits * s))
		}
	}
}

// phone returns a distinct valid US number for patient i (the 555-01xx fiction
// range is not valid, so the numbers start at 555-2000).
func phone(i int) string {
	area := []string{"415", "212", "312", "617", "206"}[i/8000%5]
	return fmt.Sprintf("+1%s555%04d", area, 2000+i%8000)
}

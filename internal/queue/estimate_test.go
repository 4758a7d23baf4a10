package queue

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

func TestEstimatorWait(t *testing.T) {
	e := DefaultEstimator()
	two := e
	two.Rooms = 2
	tests := []struct {
		name             string
		est              Estimator
		position, called int
		service          time.Duration
		want             int
	}{
		{"first in an idle clinic waits 0", e, 1, 0, 0, 0},
		{"second in an idle clinic waits 15", e, 2, 0, 0, 15},
		{"first while one is served waits 15", e, 1, 1, 0, 15},
		{"third while one is served", e, 3, 1, 0, 45},
		{"more called than rooms counts rooms", e, 1, 3, 0, 15},
		{"learned service time", e, 2, 1, 9 * time.Minute, 18},
		{"two rooms halve the wait", two, 3, 2, 0, 30},
		{"two rooms, one busy", two, 2, 1, 0, 15},
		{"rounding", two, 2, 0, 9 * time.Minute, 5}, // 4.5 rounds half away from zero
		{"not waiting", e, 0, 1, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.est.Wait(tt.position, tt.called, tt.service); got != tt.want {
				t.Errorf("Wait(%d, %d, %v) = %d, want %d", tt.position, tt.called, tt.service, got, tt.want)
			}
		})
	}
}

func TestEstimatorServiceTime(t *testing.T) {
	e := DefaultEstimator() // prior 15m, weight 5 visits
	m := time.Minute
	tests := []struct {
		name    string
		samples []time.Duration
		want    time.Duration
	}{
		{"no history is the prior", nil, 15 * m},
		{"nonsense samples are ignored", []time.Duration{0, -m, 13 * time.Hour}, 15 * m},
		{"five visits of 5 min meet the prior halfway", []time.Duration{5 * m, 5 * m, 5 * m, 5 * m, 5 * m}, 10 * m},
		// A full window of 30: 26 of 9 min, then 2 very short and 2 very long ones,
		// which the median-based fit ignores. A full window leaves the prior no weight.
		{"outliers are trimmed", append(repeat(9*m, 26), m, m, 120*m, 90*m), 9 * m},
		// 20 of those 30: the prior still weighs 5 × (30−20)/(30−5) = 2 visits.
		{"the prior fades", append(repeat(9*m, 16), m, m, 120*m, 90*m), ((9*m*20 + 15*m*2) / 22).Round(time.Millisecond)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := e.ServiceTime(tt.samples); got != tt.want {
				t.Errorf("ServiceTime = %v, want %v", got, tt.want)
			}
		})
	}
}

func repeat(d time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

func TestEstimatorFit(t *testing.T) {
	e := DefaultEstimator()
	m := time.Minute
	// Log-normal-looking visits around 9 min: the fit's mean is above their
	// median, as the mean of a right-skewed distribution is.
	visits := []time.Duration{6 * m, 7 * m, 8 * m, 8 * m, 9 * m, 9 * m, 9 * m, 10 * m, 10 * m, 11 * m,
		12 * m, 13 * m, 15 * m, 7 * m, 8 * m, 9 * m, 10 * m, 11 * m, 9 * m, 18 * m}
	f := e.Fit(visits)
	if f.Mean < 9*m || f.Mean > 11*m || f.Sigma < 0.1 || f.Sigma > 0.5 {
		t.Errorf("Fit = %+v, want a mean a little above 9 min and a moderate spread", f)
	}
	// One forgotten click (a 3-hour visit instead of a 6-minute one) barely moves
	// it; a plain mean would jump by 8.7 minutes.
	if g := e.Fit(append(visits[1:], 180*m)); g.Mean > f.Mean+m {
		t.Errorf("a 3-hour outlier moved the mean from %v to %v", f.Mean, g.Mean)
	}
	// The prior fades: 10 visits keep some of it, a full window none.
	ten := e.Fit(repeat(9*m, 10))
	if ten.Mean <= 9*m || ten.Mean >= 12*m {
		t.Errorf("10 visits of 9 min with a 15-min prior: S = %v, want between", ten.Mean)
	}
	if full := e.Fit(repeat(9*m, 30)); full.Mean != 9*m {
		t.Errorf("30 visits of 9 min: S = %v, want 9m", full.Mean)
	}
	// A struct literal with only Prior and Rooms behaves like the default.
	lit := Estimator{Prior: 15 * m, Rooms: 1}
	if got, want := lit.Fit(visits[:7]), e.Fit(visits[:7]); !reflect.DeepEqual(got, want) {
		t.Errorf("literal estimator fit %+v, default %+v", got, want)
	}
}

func TestEstimatorQuote(t *testing.T) {
	m := time.Minute
	one := DefaultEstimator()
	two := one
	two.Rooms = 2
	nine := Fit{Mean: 9 * m, Sigma: 0.47}
	tests := []struct {
		name        string
		est         Estimator
		position    int
		elapsed     []time.Duration
		wait        int // exact expected point, or -1 to check only the bounds below
		atMost      int
		atLeast     int
		lowIsZero   bool
		rangeIsZero bool
	}{
		{"idle clinic, first", one, 1, nil, 0, 0, 0, true, true},
		{"just started visit counts whole", one, 1, []time.Duration{0}, 9, 9, 9, false, false},
		{"half-done visit counts what is left", one, 1, []time.Duration{6 * m}, -1, 6, 2, false, false},
		{"long visit never counts more than a whole one", one, 2, []time.Duration{5 * time.Hour}, -1, 18, 9, false, false},
		{"called beyond the rooms do not count", one, 1, []time.Duration{20 * m, 0}, 9, 9, 9, false, false},
		{"two rooms divide", two, 3, []time.Duration{0, 0}, 18, 18, 18, false, false},
		{"free room: the range starts at 0", two, 1, []time.Duration{4 * m}, -1, 4, 1, true, false},
		{"not waiting", one, 0, []time.Duration{0}, 0, 0, 0, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.est.Quote(tt.position, nine, tt.elapsed)
			if tt.wait >= 0 && q.Wait != tt.wait {
				t.Errorf("Wait = %d, want %d", q.Wait, tt.wait)
			}
			if q.Wait > tt.atMost || q.Wait < tt.atLeast {
				t.Errorf("Wait = %d, want %d..%d", q.Wait, tt.atLeast, tt.atMost)
			}
			if !(q.Low <= q.Wait && q.Wait <= q.High) {
				t.Errorf("range %d..%d does not hold the wait %d", q.Low, q.High, q.Wait)
			}
			if (q.Low == 0) != tt.lowIsZero && q.Wait > 0 {
				t.Errorf("Low = %d, want zero: %v", q.Low, tt.lowIsZero)
			}
			if (q.Low == q.High) != tt.rangeIsZero {
				t.Errorf("range %d..%d, want empty: %v", q.Low, q.High, tt.rangeIsZero)
			}
		})
	}
	// The range widens with the number of visits ahead.
	near, far := one.Quote(2, nine, []time.Duration{0}), one.Quote(10, nine, []time.Duration{0})
	if far.High-far.Low <= near.High-near.Low {
		t.Errorf("range at position 10 (%d..%d) not wider than at 2 (%d..%d)", far.Low, far.High, near.Low, near.High)
	}
}

// cycle returns n visits cycling through the given minutes.
func cycle(n int, minutes ...float64) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(minutes[i%len(minutes)] * float64(time.Minute))
	}
	return out
}

func meanMinutes(ds []time.Duration) float64 {
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return (sum / time.Duration(len(ds))).Minutes()
}

// A mix of short and long visits has a mean well above its median; waits add
// up means. The median-of-logs fit this replaced said 6.7 for a true 9.0.
func TestFitIsUnbiasedOnAMixOfVisits(t *testing.T) {
	e := DefaultEstimator()
	visits := append(cycle(48, 5, 5.5, 6, 6.5, 7), cycle(12, 19, 20, 21, 22, 23)...)
	// Interleave them as a day would: newest first, one long in five.
	mixed := make([]time.Duration, 0, len(visits))
	for i := range 12 {
		mixed = append(mixed, visits[12*4+i])
		mixed = append(mixed, visits[4*i:4*i+4]...)
	}
	want := meanMinutes(mixed) // 9.0
	f := e.Fit(mixed)
	if got := f.Mean.Minutes(); got < want*0.97 || got > want*1.03 {
		t.Errorf("S = %.2f min for visits averaging %.2f", got, want)
	}
	// The spread is the mix's own: a standard deviation near 6 minutes.
	if sd := math.Sqrt(f.Var); sd < 5 || sd > 7.5 {
		t.Errorf("visit standard deviation %.2f, want about 6.3", sd)
	}
	// A visit 10 minutes in is one of the long ones: about 11 minutes are left
	// (21 − 10), not the few a single log-normal fitted to the mix would say.
	if rest := f.remaining(10 * time.Minute); rest < 9 || rest > 13 {
		t.Errorf("a 10-minute visit has %.1f min left, want about 11", rest)
	}
	if rest := f.remaining(2 * time.Minute); rest < 5 || rest > 8.5 {
		t.Errorf("a 2-minute visit has %.1f min left, want about 7", rest)
	}
}

// Visits that double (a new doctor, harder cases) are followed within a dozen
// visits, not after the whole window: the older ones stop counting once the
// newest differ clearly.
func TestFitFollowsAJumpInVisitLength(t *testing.T) {
	e := DefaultEstimator()
	newest := cycle(12, 14, 16, 18, 20, 22) // mean 18
	older := cycle(48, 7, 8, 9, 10, 11)     // mean 9
	f := e.Fit(append(newest, older...))
	if got := f.Mean.Minutes(); got < 16 || got > 20 {
		t.Errorf("after 12 visits of 18 min following 48 of 9, S = %.1f min, want about 18", got)
	}
	// A steady clinic's ordinary ups and downs are not a change: all 60 count.
	steady := cycle(60, 6, 12, 7, 11, 8, 10, 9)
	if f := e.Fit(steady); f.N != 60 || math.Abs(f.Mean.Minutes()-meanMinutes(steady)) > 0.01 {
		t.Errorf("steady visits: fit on %d visits, S = %v, want all 60 and their mean", f.N, f.Mean)
	}
}

// Tickets ahead that never become a visit — no-shows staff wait a few minutes
// for, patients who leave — shorten the wait of everyone behind them.
func TestLearnCountsTicketsThatNeverBecomeAVisit(t *testing.T) {
	e := DefaultEstimator()
	m := time.Minute
	var finished []Finished
	for i := range 55 {
		switch {
		case i%11 == 3 || i%11 == 7: // 10 no-shows, 3 minutes each
			finished = append(finished, Finished{Status: StatusNoShow, Held: 3 * m})
		case i%11 == 9: // 5 who left while waiting
			finished = append(finished, Finished{Status: StatusCancelled})
		default: // 40 visits of 9 minutes
			finished = append(finished, Finished{Status: StatusCompleted, Held: 9 * m})
		}
	}
	f := e.Learn(finished)
	if f.Mean != 9*m {
		t.Errorf("S = %v, want the visits' 9m", f.Mean)
	}
	// 15 of 55 never became a visit; those 15 held the room 30 minutes in all.
	want := (40*9.0 + 30) / 55
	if math.Abs(f.Slot-want) > 0.01 {
		t.Errorf("room time per ticket ahead = %.2f min, want %.2f", f.Slot, want)
	}
	visitsOnly := e.Fit(cycle(40, 9))
	with, without := e.Quote(11, f, []time.Duration{0}), e.Quote(11, visitsOnly, []time.Duration{0})
	if with.Wait >= without.Wait-8 {
		t.Errorf("ten ahead, a quarter of whom never become a visit: quoted %d, same as all coming: %d", with.Wait, without.Wait)
	}
	// Without enough visits to tell a rate, nothing changes: the contract's
	// cold start counts everyone ahead.
	if f := e.Learn([]Finished{{Status: StatusCancelled}, {Status: StatusCompleted, Held: 9 * m}}); f.Slot != 0 {
		t.Errorf("one cancellation and one visit gave a rate: slot %.2f", f.Slot)
	}
}

// With history the quote is the median of the wait raised by the guard, so
// that few waits run more than 10 minutes past it: before this, half of the
// long waits did.
func TestQuoteGuardsAgainstUnderQuotes(t *testing.T) {
	e := DefaultEstimator()
	rng := rand.New(rand.NewPCG(7, 7))
	var visits []time.Duration
	for range 60 {
		visits = append(visits, time.Duration(logNormalDraw(rng, 9, 0.5)*float64(time.Minute)))
	}
	f := e.Fit(visits)
	s, cv := f.Mean.Minutes(), math.Sqrt(f.Var)/f.Mean.Minutes()
	for _, pos := range []int{2, 4, 8, 16} {
		q := e.Quote(pos, f, []time.Duration{0})
		// The wait itself: the visit in progress and the pos−1 ahead, drawn
		// from the fitted visits' distribution.
		late, n := 0, 20000
		for range n {
			w := 0.0
			for range pos {
				w += logNormalDraw(rng, s, cv)
			}
			if w > float64(q.Wait)+lateSlack {
				late++
			}
		}
		share := float64(late) / float64(n)
		mean := float64(pos) * s
		t.Logf("position %d: quote %d (mean %.0f, range %d–%d), late %.1f%%", pos, q.Wait, mean, q.Low, q.High, share*100)
		if share > 0.15 {
			t.Errorf("position %d: %.1f%% of waits run more than 10 min past the quote %d", pos, share*100, q.Wait)
		}
		if pos >= 8 && float64(q.Wait) <= mean {
			t.Errorf("position %d: quote %d not above the mean wait %.0f: no guard", pos, q.Wait, mean)
		}
		if !(q.Low <= q.Wait && q.Wait <= q.High) {
			t.Errorf("position %d: range %d–%d does not hold the quote %d", pos, q.Low, q.High, q.Wait)
		}
	}
}

// The guard's table agrees with solving for each spread, and raises nothing
// for waits known to within a few minutes.
func TestRaiseTable(t *testing.T) {
	tab := guard()
	for _, sd := range []float64{0, 0.1, 1, 2.5, 3.3, 7, 12.5, 30, 61, 240, 511, 900} {
		got, want := tab.raise(sd), solveRaise(sd, lateWeight)
		if math.Abs(got-want) > 0.02*max(1, want) {
			t.Errorf("raise(%.1f) = %.3f from the table, %.3f solved", sd, got, want)
		}
	}
	if r := tab.raise(2); r > 0.01 {
		t.Errorf("a wait known to ±2 min raised by %.2f", r)
	}
	if r := tab.raise(15); r < 5 || r > 25 {
		t.Errorf("a wait of spread 15 min raised by %.2f, want some minutes", r)
	}
}

// An early booked patient is overtaken by the walk-ins who arrive before
// their time: the quote counts them, up to what the wait itself allows.
func TestQuoteDueCountsWalkInsBeforeTheAppointment(t *testing.T) {
	e := DefaultEstimator()
	f := e.Fit(cycle(60, 7, 8, 9, 10, 11)) // S = 9
	f.WalkIns = 1.0 / 15                   // one walk-in every 15 minutes: k = 0.6
	elapsed := []time.Duration{0}
	base := e.Quote(3, f, elapsed)
	later := e.QuoteFor(3, f, elapsed, 20*time.Minute)
	if later.Wait <= base.Wait+5 {
		t.Errorf("booked 20 minutes from now: quoted %d, walk-in at the same place %d", later.Wait, base.Wait)
	}
	// Due long after the wait would end: each walk-in delays the call, and more
	// arrive meanwhile — W0/(1−k), not W0 + k × 3 hours.
	far := e.QuoteFor(3, f, elapsed, 3*time.Hour)
	if mean := 27.0 / (1 - 0.6); float64(far.Wait) > mean*1.5 || far.Wait < later.Wait {
		t.Errorf("booked 3 hours from now: quoted %d, want about %.0f", far.Wait, mean)
	}
	if past := e.QuoteFor(3, f, elapsed, -10*time.Minute); past != base {
		t.Errorf("a booked patient whose time has come: %+v, want the walk-in's %+v", past, base)
	}
}

// logNormalDraw draws a log-normal visit of the given mean and CV.
func logNormalDraw(rng *rand.Rand, mean, cv float64) float64 {
	s2 := math.Log(1 + cv*cv)
	return math.Exp(math.Log(mean) - s2/2 + math.Sqrt(s2)*rng.NormFloat64())
}

// Whatever the history — none, one visit, all no-shows, identical visits,
// wild outliers — quotes are whole minutes ≥ 0 inside their range, and a
// patient further back is never quoted less than one ahead of them.
func TestQuotesAreSaneForAnyHistory(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 14))
	e := DefaultEstimator()
	statuses := []Status{StatusCompleted, StatusCompleted, StatusCompleted, StatusNoShow, StatusCancelled}
	base := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	for trial := range 2000 {
		var finished []Finished
		n := rng.IntN(80)
		same := rng.IntN(4) == 0 // every visit the same length
		for i := range n {
			held := time.Duration(rng.ExpFloat64() * float64(9*time.Minute))
			switch {
			case same:
				held = 9 * time.Minute
			case rng.IntN(40) == 0:
				held = time.Duration(rng.IntN(14)) * time.Hour // forgotten clicks, overnight ones
			}
			st := statuses[rng.IntN(len(statuses))]
			if st == StatusCancelled {
				held = 0
			}
			finished = append(finished, Finished{
				Status: st, Held: held, Room: fmt.Sprint("Room ", rng.IntN(3)),
				At: base.Add(-time.Duration(i) * time.Minute), CheckIn: base.Add(-time.Duration(i*3) * time.Minute),
				WalkIn: rng.IntN(3) > 0,
			})
		}
		est := e
		est.Rooms = 1 + rng.IntN(4)
		f := est.Learn(finished)
		var elapsed []time.Duration
		for range rng.IntN(est.Rooms + 2) {
			elapsed = append(elapsed, time.Duration(rng.ExpFloat64()*float64(10*time.Minute)))
		}
		until := time.Duration(rng.IntN(120)-30) * time.Minute
		prev := -1
		for pos := 1; pos <= 60; pos++ {
			q := est.QuoteFor(pos, f, elapsed, until)
			if q.Wait < 0 || q.Low < 0 || q.Low > q.Wait || q.Wait > q.High || q.High > 100000 {
				t.Fatalf("trial %d (%d finished, rooms %d, fit %+v): position %d quoted %+v", trial, n, est.Rooms, f, pos, q)
			}
			if q.Wait < prev {
				t.Fatalf("trial %d (%d finished, rooms %d, fit %+v): position %d quoted %d, less than %d ahead", trial, n, est.Rooms, f, pos, q.Wait, prev)
			}
			prev = q.Wait
		}
	}
}

// The grace before a free room counts as quiet is learned from the rooms'
// turnarounds while patients waited: a clinic that calls at once gets the
// 3-minute floor, one that takes a while gets twice its 90th percentile, and
// a room shared with another line (long gaps here) is capped at a typical
// visit, as issue 14 asks; too few turnarounds leave the typical visit.
func TestGraceFromTurnarounds(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	// history: one room, ten visits of 10 minutes, each next call gap after the
	// last finish, the patient called having checked in before it.
	history := func(gap time.Duration, n int) []Finished {
		var out []Finished
		at := t0
		for range n {
			called := at.Add(gap)
			at = called.Add(10 * time.Minute)
			out = append([]Finished{{Status: StatusCompleted, Held: 10 * time.Minute, Room: "Room 1", At: at, CheckIn: called.Add(-gap - time.Minute), WalkIn: true}}, out...)
		}
		return out
	}
	for _, c := range []struct {
		name string
		gap  time.Duration
		n    int
		want time.Duration
	}{
		{"calls at once", 0, 10, minGrace},
		{"two minutes of notes", 2 * time.Minute, 10, 4 * time.Minute},
		{"shared with another line", 8 * time.Minute, 10, 10 * time.Minute},
		{"too few turnarounds", 0, 5, 10 * time.Minute},
	} {
		if got := grace(history(c.gap, c.n), 10*time.Minute); got != c.want {
			t.Errorf("%s: grace %v, want %v", c.name, got, c.want)
		}
	}
	// A booked patient's wait began at a time not kept: no turnaround.
	h := history(0, 10)
	for i := range h {
		h[i].WalkIn = false
	}
	if got := grace(h, 10*time.Minute); got != 10*time.Minute {
		t.Errorf("booked patients only: grace %v, want the typical visit", got)
	}
}

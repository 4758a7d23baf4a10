package sim

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// The perfect-knowledge bound: what an estimator could achieve at check-in if
// it knew the day's true model — the visit-length distribution at every hour,
// the rooms' schedule, the no-show and leaving rates and the patience — and
// everything staff see now (who is in which room since when, who is waiting
// since when), but not what is still to be drawn: the lengths of the visits
// ahead and the choices of the patients ahead. It draws the rest of the queue
// ahead boundSamples times and quotes from those waits:
//
//   - the median, which no estimator knowing less can beat on mean absolute
//     error (the median of the true distribution minimizes it, patient by
//     patient);
//   - the guarded point: the quote that minimizes |error| + lateWeight·P(late)
//     over the drawn waits, SmartWait's own under-quote guard
//     (internal/queue/guard.go) with the true distribution in place of the
//     model's.
//
// Where this bound misses a target, no estimator meets it. It is worked out
// for days whose line is first come, first served: not with urgent patients
// or bookings, which reorder the line.

// boundSamples is how many futures are drawn per check-in: the median's
// standard error is then about 6% of the wait's spread.
const boundSamples = 400

// boundWeights are the prices of one late patient, in minutes of error, at
// which the guarded point is worked out: the trade-off's whole frontier, from
// the median (0) to hardly anyone late. boundGuard is the one SmartWait's
// guard uses (internal/queue/guard.go), which BoundGuarded reports.
var boundWeights = []float64{0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 70, 80, 90, 100, 120, 150, 180, 250, 400}

var boundGuard = slices.Index(boundWeights, 90)

// roomVisit is what a room is doing: nothing, or the visit (or no-show wait)
// of a patient called at start.
type roomVisit struct {
	busy   bool
	start  time.Time
	noShow bool
}

// bounded reports whether the perfect-knowledge bound is worked out for sc:
// asked for, and the line first come, first served.
func (sc Scenario) bounded() bool { return sc.Bound && sc.Booked == 0 && sc.Urgent == 0 }

// bound fills in patient i's perfect-knowledge quotes, at check-in, before any
// room calls them.
func (r *runner) bound(i int) {
	if !r.sc.bounded() {
		return
	}
	waits := make([]float64, boundSamples)
	for k := range waits {
		waits[k] = min(r.drawWait(i), 24*60) // a room that never opens again: a day is "never" enough
	}
	slices.Sort(waits)
	p := &r.patients[i]
	p.Bound = int(math.Round(median(waits)))
	p.boundSweep = guardedPoints(waits, p.Bound)
	p.BoundGuarded = p.boundSweep[boundGuard]
}

// guardedPoints returns, for each of boundWeights, the whole minute q ≥ from
// that minimizes the mean of |w − q| plus the weight × the share of waits w
// more than lateMinutes past q, over the sorted waits.
func guardedPoints(sorted []float64, from int) []int {
	n := float64(len(sorted))
	var errs, lates []float64 // by q − from
	for q := from; q == from || float64(q) <= sorted[len(sorted)-1]; q++ {
		sum, late := 0.0, 0
		for _, w := range sorted {
			sum += math.Abs(w - float64(q))
			if w > float64(q)+lateMinutes {
				late++
			}
		}
		errs, lates = append(errs, sum/n), append(lates, float64(late)/n)
	}
	out := make([]int, len(boundWeights))
	for k, weight := range boundWeights {
		best := 0
		for j := range errs {
			if errs[j]+weight*lates[j] < errs[best]+weight*lates[best] {
				best = j
			}
		}
		out[k] = from + best
	}
	return out
}

// drawWait draws one future of the line from now and returns patient i's wait
// in it: the rooms free as their visits end, each calls the next patient ahead
// still there, and a visit's length is drawn as the day draws them.
func (r *runner) drawWait(i int) float64 {
	rng := r.boundRng
	now := r.clock
	free := make([]time.Time, len(r.rooms)) // when each room can next call; zero: never
	for n := 1; n < len(r.rooms); n++ {
		v := r.rooms[n]
		switch {
		case v.busy && v.noShow:
			free[n] = v.start.Add(r.sc.NoShowGrace)
		case v.busy:
			free[n] = now.Add(r.remainingDraw(rng, v.start, now.Sub(v.start)))
		default:
			free[n] = now
		}
	}
	for j := range i + 1 {
		pl := &r.plans[j]
		if j < i && (pl.called || pl.done) {
			continue
		}
		var leaveAt time.Time
		noShow := false
		if j < i {
			noShow = rng.Float64() < r.sc.NoShowRate
			leaveAt = r.drawLeave(rng, r.sc.Open.Add(minutesDur(r.patients[j].CheckIn)))
		}
		n, at := r.nextRoom(free)
		if n == 0 {
			return math.Inf(1)
		}
		if j == i {
			return at.Sub(now).Minutes()
		}
		if !leaveAt.IsZero() && !leaveAt.After(at) {
			continue // gone before a room called them: the room stays free
		}
		if noShow {
			free[n] = at.Add(r.sc.NoShowGrace)
		} else {
			free[n] = at.Add(r.drawVisit(rng, at))
		}
	}
	return math.Inf(1)
}

// nextRoom returns the room that can call first among free, and when — a room
// that frees while closed calls when it next opens; 0 when none ever does.
func (r *runner) nextRoom(free []time.Time) (int, time.Time) {
	best, bestAt := 0, time.Time{}
	for n := 1; n < len(free); n++ {
		at := r.openFrom(n, free[n])
		if !at.IsZero() && (best == 0 || at.Before(bestAt)) {
			best, bestAt = n, at
		}
	}
	return best, bestAt
}

// openFrom is the first moment from t on at which room n serves (rooms 1..k
// serve while k do: staff close the highest-numbered first and open the
// lowest); zero if it never does again.
func (r *runner) openFrom(n int, t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	if r.sc.roomsAt(t.Sub(r.sc.Open), r.dayLength) >= n {
		return t
	}
	for _, st := range sortedSteps(r.sc.RoomSteps, r.dayLength) {
		at := r.sc.Open.Add(st.at(r.dayLength))
		if at.After(t) && int(st.Value) >= n {
			return at
		}
	}
	return time.Time{}
}

// remainingDraw draws what is left of a visit that began at start and has
// lasted elapsed: a visit of that hour's length, given it is longer.
func (r *runner) remainingDraw(rng *rand.Rand, start time.Time, elapsed time.Duration) time.Duration {
	for range 1000 {
		if d := r.drawVisit(rng, start); d > elapsed {
			return d - elapsed
		}
	}
	return 0 // far beyond any visit of the day: about to end
}

// drawLeave draws when a patient who checked in at checkIn and is still
// waiting now will leave unless called first (zero: they will not): one in
// CancelRate leaves after a patience of mean Patience, at least a minute, and
// the longer they have waited, the likelier they are one who stays.
func (r *runner) drawLeave(rng *rand.Rand, checkIn time.Time) time.Time {
	q, mean := r.sc.CancelRate, r.sc.Patience.Minutes()
	if q <= 0 || mean <= 0 {
		return time.Time{}
	}
	waited := r.clock.Sub(checkIn).Minutes()
	stillHere := 1.0 // P(patience > waited) for one who leaves
	if waited >= 1 {
		stillHere = math.Exp(-waited / mean)
	}
	if rng.Float64() >= q*stillHere/(q*stillHere+1-q) {
		return time.Time{}
	}
	patience := max(waited, 1) + rng.ExpFloat64()*mean // memoryless past the first minute
	if waited < 1 {
		patience = max(rng.ExpFloat64()*mean, 1)
		for patience <= waited {
			patience = max(rng.ExpFloat64()*mean, 1)
		}
	}
	return checkIn.Add(minutesDur(patience))
}

func minutesDur(m float64) time.Duration { return time.Duration(m * float64(time.Minute)) }

package queue

import (
	"math"
	"slices"
	"time"
)

// Estimator turns a position into an estimated wait (docs/api.md, Words;
// docs/estimates.md). The expected wait is
//
//	(position − 1) × slot / rooms + (remaining time of the visits in progress) / rooms
//
// where slot is the room time of one ticket ahead — S, the learned mean visit
// length, less for the share who never become a visit — and a visit in
// progress that has just started has S remaining. At cold start (fewer than
// PriorVisits visits of history), with nothing elapsed, the quote is exactly
// the contract's round((position − 1 + inService) × S / rooms), inService =
// min(called, rooms). With history it is the median of the wait raised by the
// under-quote guard (guard.go).
//
// The zero value of every tuning field means its default, so an Estimator built
// as a struct literal with only Prior and Rooms set behaves like DefaultEstimator.
type Estimator struct {
	Prior       time.Duration // S before the queue has history (SMARTWAIT_SERVICE_MINUTES)
	Rooms       int           // rooms serving in parallel (SMARTWAIT_ROOMS), at least 1
	Window      int           // how many recently finished tickets the fit reads; 0: 60
	PriorVisits int           // weight of the prior, in visits, while history is short; 0: 5
	// PriorCV is the assumed spread (standard deviation / mean) of a visit before
	// there is history, for the quoted range; 0: 0.5, typical of clinic visits.
	PriorCV float64
}

// DefaultEstimator is the estimator with the contract's defaults: 15 minutes, one room.
func DefaultEstimator() Estimator {
	return Estimator{Prior: 15 * time.Minute, Rooms: 1, Window: 60, PriorVisits: 5, PriorCV: 0.5}
}

func (e Estimator) window() int {
	if e.Window > 0 {
		return e.Window
	}
	// 60 tickets: at 2 rooms and 9-minute visits, the last four and a half
	// hours. A steady clinic's S is then within ±7% (CV 0.5); a clinic that
	// changes is followed by Fit's change test, not by a short window (a window
	// of 30 doubles the noise and still needs 30 visits to forget the old
	// length).
	return 60
}

// fadeVisits is how many visits of history make the prior fade to nothing.
const fadeVisits = 30

func (e Estimator) priorVisits() int {
	if e.PriorVisits > 0 {
		return e.PriorVisits
	}
	return 5
}

func (e Estimator) rooms() int { return max(e.Rooms, 1) }

// Fit is what the estimator learned of a queue's visit lengths.
type Fit struct {
	Mean  time.Duration // S, the mean visit length
	Sigma float64       // spread of ln(visit length), as a log-normal with Mean and Var has it
	// Var is the variance of one visit, in minutes² (0: from Sigma), and N how
	// many visits of history the fit rests on (0: none — the prior alone, and
	// quotes follow the contract's formula exactly).
	Var float64
	N   int
	// Slot and SlotVar are the mean and variance, in minutes and minutes², of
	// the room time one ticket ahead will take: a visit, a no-show's wait for
	// someone who does not come, or nothing for one who leaves first (0: Mean
	// and Var — everyone ahead is seen).
	Slot, SlotVar float64
	// WalkIns is how many walk-ins join the line a minute, lately: those who
	// will arrive before an early booked patient's time go ahead of them.
	WalkIns float64
	// rooms is when each room last finished a ticket, newest first, and
	// grace how long a room stays free while patients wait before it counts
	// as having stopped serving, open or not (quiet.go).
	rooms      []roomSeen
	grace      time.Duration
	since      time.Time // the oldest finish learned from
	othersIdle bool      // rooms that finished none stood free while patients waited
	// visits are the kept visit lengths in minutes, sorted: what is left of a
	// visit in progress is read from them rather than from a shape assumed.
	visits []float64
}

// Learn fits a queue's recently finished tickets, newest first (as
// Tx.RecentFinished returns them): Fit of the completed visits, then what the
// others say of the tickets ahead — a share of them never becomes a visit.
// Staff wait a few minutes for a no-show; a patient who leaves costs the room
// nothing. Both shares start from none (the prior: everyone ahead comes) and
// are learned with the visits, so a clinic where one in five does not come
// stops quoting their visits.
func (e Estimator) Learn(finished []Finished) Fit {
	var visits []time.Duration
	var other, other2 float64 // room time of those who did not become a visit
	nOther := 0
	for _, x := range finished {
		switch {
		case x.Status == StatusCompleted && x.Held > 0:
			visits = append(visits, x.Held)
		case x.Status == StatusCompleted:
			// Completed from the list without a call: nothing is known.
		default:
			m := max(x.Held, 0).Minutes()
			other += m
			other2 += m * m
			nOther++
		}
	}
	f := e.Fit(visits)
	if len(visits) >= e.priorVisits() {
		f.WalkIns = walkInRate(finished)
		f.grace = grace(finished, f.Mean)
		f.learnRooms(finished)
	}
	if nOther == 0 || len(visits) < e.priorVisits() {
		// Too little history to tell a rate: the contract's cold start, where
		// everyone ahead is seen.
		return f
	}
	// The share that does not come, with the prior's visits counted as
	// patients who did.
	seen := float64(len(visits)) + e.priorWeight(len(visits))
	p := float64(nOther) / (float64(nOther) + seen)
	s, v := f.Mean.Minutes(), f.visitVar()
	hold, hold2 := other/float64(nOther), other2/float64(nOther)
	f.Slot = (1-p)*s + p*hold
	f.SlotVar = max((1-p)*(v+s*s)+p*hold2-f.Slot*f.Slot, 0)
	return f
}

// walkInRate is how many walk-ins (not marked urgent) a minute checked in,
// among the finished tickets: their number over the time their check-ins
// span; 0 with fewer than five of them, too few to tell a rate.
func walkInRate(finished []Finished) float64 {
	var first, last time.Time
	n := 0
	for _, x := range finished {
		if !x.WalkIn || x.Urgent {
			continue
		}
		if n == 0 || x.CheckIn.Before(first) {
			first = x.CheckIn
		}
		if n == 0 || x.CheckIn.After(last) {
			last = x.CheckIn
		}
		n++
	}
	if n < 5 {
		return 0
	}
	span := last.Sub(first).Minutes()
	if span <= 0 {
		return 0
	}
	return float64(n-1) / span
}

// visitVar is the variance of one visit, in minutes².
func (f Fit) visitVar() float64 {
	if f.Var > 0 {
		return f.Var
	}
	s := f.Mean.Minutes()
	return s * s * (math.Exp(f.Sigma*f.Sigma) - 1)
}

// slot is the mean and variance of the room time of one ticket ahead.
func (f Fit) slot() (float64, float64) {
	if f.Slot > 0 {
		return f.Slot, f.SlotVar
	}
	return f.Mean.Minutes(), f.visitVar()
}

// Fit learns S from recent completed visits, newest first (Learn passes the
// completed visits of Tx.RecentFinished).
//
//   - Recent visits only. When the newest visits differ clearly from the older
//     ones (a two-sample test on their logarithms at every split), the clinic
//     has changed — a new doctor, a harder case mix — and only the visits since
//     the change count. Otherwise the whole window does, which keeps S steady.
//   - An unbiased mean. S is the plain mean of the visits kept, not a median:
//     a mix of short and long visits (80% of 6 minutes, 20% of 21) has a mean
//     well above its median, and waits add up means. What is dropped is only
//     what cannot be a visit: longer than 4× the 90th percentile (a forgotten
//     "complete" click) or shorter than a quarter of the 10th.
//   - The spread is the visits' own variance; the prior (PriorCV) stands in
//     while history is short.
//
// The prior counts as PriorVisits visits while history is short and fades to
// nothing once 30 visits are known: a prior is a stand-in for history, not
// a permanent bias.
func (e Estimator) Fit(samples []time.Duration) Fit {
	var logs []float64 // newest first
	for _, d := range samples {
		if d > 0 && d < 12*time.Hour { // a visit "served" overnight is a forgotten click
			logs = append(logs, math.Log(d.Minutes()))
		}
	}
	priorVar := e.priorCV() * e.priorCV()
	if len(logs) == 0 {
		return Fit{Mean: e.Prior, Sigma: math.Sqrt(math.Log(1 + priorVar))}
	}
	logs = logs[:sinceChange(logs)]
	n := len(logs)
	sorted := slices.Clone(logs)
	slices.Sort(sorted)
	lo, hi := sorted[quantileIndex(n, 0.1)]-math.Log(4), sorted[quantileIndex(n, 0.9)]+math.Log(4)
	var sum, sum2 float64
	var kept []float64
	for _, l := range sorted {
		if l < lo || l > hi {
			continue
		}
		x := math.Exp(l)
		kept = append(kept, x)
		sum += x
		sum2 += x * x
	}
	k := float64(len(kept))
	mean := sum / k
	variance := 0.0
	if len(kept) > 1 {
		variance = max(sum2-k*mean*mean, 0) / (k - 1)
	}
	// The prior's weight counts every visit of history, odd ones included: they
	// are history, just not evidence of the visit length.
	w := e.priorWeight(n)
	prior := e.Prior.Minutes()
	s := (mean*float64(n) + prior*w) / (float64(n) + w)
	v := (variance*float64(n) + priorVar*prior*prior*w) / (float64(n) + w)
	if len(kept) < 2 {
		v = priorVar * s * s
	}
	return Fit{
		Mean:   time.Duration(s * float64(time.Minute)).Round(time.Millisecond),
		Sigma:  math.Sqrt(math.Log(1 + v/(s*s))),
		Var:    v,
		N:      n,
		visits: kept,
	}
}

// changeT is how clearly (in standard errors) the newest visits must differ
// from the older ones before the older ones stop counting; minSegment is the
// fewest visits on either side of a change.
const (
	changeT    = 3.5
	minSegment = 6
)

// sinceChange returns how many of the newest logs (newest first) came after
// the clearest change in the visit length, or all of them when no split
// differs by changeT standard errors.
func sinceChange(logs []float64) int {
	n := len(logs)
	if n < 2*minSegment {
		return n
	}
	var total, total2 float64
	for _, l := range logs {
		total += l
		total2 += l * l
	}
	best, bestT := n, changeT
	var head, head2 float64
	for k := 1; k <= n-minSegment; k++ {
		head += logs[k-1]
		head2 += logs[k-1] * logs[k-1]
		if k < minSegment {
			continue
		}
		tail, tail2 := total-head, total2-head2
		m1, m2 := head/float64(k), tail/float64(n-k)
		ss := (head2 - float64(k)*m1*m1) + (tail2 - float64(n-k)*m2*m2)
		pooled := ss / float64(n-2)
		if pooled <= 0 {
			continue
		}
		t := math.Abs(m1-m2) / math.Sqrt(pooled*(1/float64(k)+1/float64(n-k)))
		if t > bestT {
			best, bestT = k, t
		}
	}
	return best
}

// quantileIndex is the index of the q-quantile in a sorted slice of n.
func quantileIndex(n int, q float64) int {
	return min(max(int(math.Round(q*float64(n-1))), 0), n-1)
}

// priorWeight is the prior's weight, in visits, with n visits of history: full
// up to PriorVisits visits, then fading linearly to 0 at fadeVisits.
func (e Estimator) priorWeight(n int) float64 {
	pv, win := e.priorVisits(), fadeVisits
	switch {
	case n >= win:
		return 0
	case n <= pv:
		return float64(pv)
	}
	return float64(pv) * float64(win-n) / float64(win-pv)
}

func (e Estimator) priorCV() float64 {
	if e.PriorCV > 0 {
		return e.PriorCV
	}
	return 0.5
}

// ServiceTime is Fit(samples).Mean: the learned per-visit service time S.
func (e Estimator) ServiceTime(samples []time.Duration) time.Duration {
	return e.Fit(samples).Mean
}

// Wait returns the contract's cold-start estimate in whole minutes (≥ 0) for a
// waiting ticket at position (1-based) while called tickets are being served, all
// of them just started, with per-visit service time s (≤ 0: the prior). Tickets
// that are not waiting (position ≤ 0) wait 0. Quote refines it with elapsed time.
func (e Estimator) Wait(position, called int, s time.Duration) int {
	if s <= 0 {
		s = e.Prior
	}
	elapsed := make([]time.Duration, max(called, 0))
	return e.Quote(position, Fit{Mean: s}, elapsed).Wait
}

package queue

import (
	"math"
	"slices"
	"time"
)

// Quote is an estimated wait in whole minutes with the range the wait will
// likely fall in: Low ≤ Wait ≤ High.
type Quote struct {
	Wait      int // the quoted wait (the expected one at cold start; see Estimator)
	Low, High int // the 10th and 90th percentiles
}

// z90 is the standard normal's 90th percentile.
const z90 = 1.2816

// Quote estimates the wait of the waiting ticket at position (1-based) when the
// visits in progress have lasted elapsed (one per called ticket). Only as many
// visits as there are rooms count, the most recently started ones: a ticket
// called beyond that is a patient who has not come yet or a forgotten click, not
// a room in use. Position ≤ 0 (not waiting) quotes 0.
//
// The expected wait is the slots ahead, (position − 1) × slot, plus what is
// likely left of each visit in progress, divided by the rooms. The range treats
// the wait as log-normal with the variance of that sum.
func (e Estimator) Quote(position int, f Fit, elapsed []time.Duration) Quote {
	return e.QuoteFor(position, f, elapsed, 0)
}

// QuoteFor is Quote for a booked patient who arrived early: their appointment
// is untilDue from now, and the walk-ins who arrive before it go ahead of them
// (docs/lines.md). Each minute until then brings Fit.WalkIns walk-ins, a
// load of k = WalkIns × slot / rooms minutes of work per minute; a wait W0 by
// position becomes W0 + k·min(untilDue, W) — W0/(1−k) if the patient is called
// before their time, W0 + k·untilDue if not.
func (e Estimator) QuoteFor(position int, f Fit, elapsed []time.Duration, untilDue time.Duration) Quote {
	if position <= 0 {
		return Quote{}
	}
	qt := e.quoter(f, elapsed)
	return qt.quoteFor(position, untilDue)
}

// quoter holds what Quote works out from the fit and the visits in progress
// alone, so that laying out a queue of thousands quotes each position with a few
// multiplications and one logarithm instead of sorting the visits in progress and
// integrating their remaining time once per waiting ticket. Quote itself goes
// through it, so the two can never disagree.
type quoter struct {
	e        Estimator
	rooms    int
	called   int       // visits in progress, all of them
	learned  bool      // the fit rests on enough history (else: the contract's formula)
	s        float64   // S in minutes
	visitVar float64   // variance of one visit
	slot     float64   // room time of one ticket ahead (a visit, or less: see Fit.Slot)
	slotVar  float64   // its variance
	walkIns  float64   // walk-ins a minute (Fit.WalkIns)
	sVar     float64   // variance of S itself, shared by every visit ahead
	rem      []float64 // what is likely left of each counted visit in progress
	remVar   []float64 // its share of the variance
}

// quoter prepares quotes with fit f while the visits in progress have lasted
// elapsed. Only as many visits as there are rooms count, the most recently
// started ones.
func (e Estimator) quoter(f Fit, elapsed []time.Duration) quoter {
	if f.Mean <= 0 {
		f.Mean = e.Prior
	}
	// Until PriorVisits visits are known the spread is mostly the prior's guess:
	// quotes keep the contract's formula with the S learned so far.
	q := quoter{e: e, rooms: e.rooms(), called: len(elapsed), s: f.Mean.Minutes(), learned: f.N >= e.priorVisits()}
	q.visitVar = f.visitVar()
	q.slot, q.slotVar = f.slot()
	q.walkIns = f.WalkIns
	// S is learned from a window of visits: its error adds to every visit
	// ahead alike, so it grows with the square of their number.
	q.sVar = q.visitVar / float64(e.window())
	if f.N > 0 {
		q.sVar = q.visitVar / float64(f.N+int(e.priorWeight(f.N)))
	}
	inService := slices.Clone(elapsed)
	slices.Sort(inService)
	for _, el := range inService[:min(len(inService), q.rooms)] {
		rem := f.remaining(el)
		q.rem = append(q.rem, rem)
		q.remVar = append(q.remVar, q.visitVar*(rem/q.s)*(rem/q.s))
	}
	return q
}

// quoteFor is QuoteFor for the waiting ticket at position (≥ 1).
func (qt *quoter) quoteFor(position int, untilDue time.Duration) Quote {
	rooms, s := qt.rooms, qt.s
	work := float64(position-1) * qt.slot
	variance := float64(position-1) * qt.slotVar
	for i, rem := range qt.rem {
		work += rem
		variance += qt.remVar[i]
	}
	c := float64(rooms)
	ahead := float64(position - 1)
	variance += ahead * ahead * qt.sVar
	mean, variance := work/c, variance/(c*c)
	if d := untilDue.Minutes(); d > 0 && qt.walkIns > 0 {
		// The walk-ins still to come before the patient's time, as extra
		// visits ahead: their number is Poisson, so it adds its own spread.
		k := qt.walkIns * qt.slot / c
		extra := k * d
		if k < 1 {
			extra = min(extra, mean*k/(1-k))
		}
		mean += extra
		variance += extra * (qt.slotVar + qt.slot*qt.slot) / (qt.slot * c)
	}
	q := Quote{Wait: int(math.Round(mean))}
	q.Low, q.High = q.Wait, q.Wait
	// The range is centred on where the wait is likely to end, which is earlier
	// than the contract's point when several rooms work: spreading the work ahead
	// evenly over c rooms overlooks that the next room frees before the average,
	// by about (c−1)/2c of a visit when the rooms' visits are out of step.
	center := mean - float64(rooms-1)*s/(2*c)
	variance += float64(rooms-1) * s * s / (12 * c * c) // which room frees first
	if center > 0 && variance > 0 {
		// A log-normal with this mean and variance: never negative, long-tailed.
		// Its median is exp(μ) = center/√r and its percentiles the median
		// times exp(±z·σ), with r = 1 + variance/center² and σ² = ln r: one
		// logarithm, one exponential and two roots per patient, for queues of
		// thousands laid out on every change.
		r := 1 + variance/(center*center)
		median, spread := center/math.Sqrt(r), math.Exp(z90*math.Sqrt(math.Log(r)))
		if qt.learned {
			// The median: off by the least on average, raised where a late
			// quote is likely (guard.go).
			q.Wait = int(math.Round(median + guard().raise(math.Sqrt(variance))))
		}
		q.Low = min(q.Wait, int(math.Round(median/spread)))
		q.High = max(q.Wait, int(math.Round(median*spread)))
	} else if qt.learned {
		// No spread (every visit alike), or the next room likely frees before
		// the average says (center ≤ 0): with history the point is where the
		// wait ends, as the median would be; the range keeps the average.
		q.Wait = int(math.Round(max(center, 0)))
		q.Low = q.Wait
	}
	if position <= rooms-qt.called {
		// A room is free for this patient: staff may call them any moment. At
		// cold start the point keeps the contract's average over rooms and the
		// range says so; with history the point says what will happen.
		q.Low = 0
		if qt.learned {
			q.Wait = 0
		}
	}
	return q
}

// remaining is the expected rest, in minutes, of a visit that has lasted elapsed:
// E[X − e | X > e]. With history it is read from the visits that lasted longer
// than e (a visit already long in a clinic with short and long kinds is a long
// one); with few of them, from the fitted log-normal — never more than a whole
// visit then (a visit far beyond the usual length is more likely a forgotten
// click than a visit with hours to go).
func (f Fit) remaining(elapsed time.Duration) float64 {
	s := f.Mean.Minutes()
	e := elapsed.Minutes()
	if e <= 0 {
		return s
	}
	i, _ := slices.BinarySearch(f.visits, e)
	if longer := f.visits[i:]; len(longer) >= 3 {
		sum := 0.0
		for _, x := range longer {
			sum += x - e
		}
		return sum / float64(len(longer))
	}
	if f.Sigma < 1e-6 {
		return max(s-e, 0)
	}
	sg := f.Sigma
	mu := math.Log(s) - sg*sg/2
	le := math.Log(e)
	survive := phi((mu - le) / sg)
	if survive < 1e-9 {
		return s
	}
	rest := s*phi((mu+sg*sg-le)/sg)/survive - e
	return min(max(rest, 0), s)
}

// phi is the standard normal cumulative distribution function.
func phi(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

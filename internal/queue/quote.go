package queue

import (
	"math"
	"slices"
	"time"
)

// Quote is an estimated wait in whole minutes with the range the wait will
// likely fall in: Low ≤ Wait ≤ High.
type Quote struct {
	Wait      int // the expected wait
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
// The expected wait is the visits ahead, (position − 1) × S, plus what is likely
// left of each visit in progress, divided by the rooms. The range treats the wait
// as log-normal with the variance of that sum of visit lengths.
func (e Estimator) Quote(position int, f Fit, elapsed []time.Duration) Quote {
	if position <= 0 {
		return Quote{}
	}
	qt := e.quoter(f, elapsed)
	return qt.quote(position)
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
	s        float64   // S in minutes
	visitVar float64   // variance of one visit
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
	q := quoter{e: e, rooms: e.rooms(), called: len(elapsed), s: f.Mean.Minutes()}
	q.visitVar = q.s * q.s * (math.Exp(f.Sigma*f.Sigma) - 1)
	inService := slices.Clone(elapsed)
	slices.Sort(inService)
	for _, el := range inService[:min(len(inService), q.rooms)] {
		rem := remaining(f, el)
		q.rem = append(q.rem, rem)
		q.remVar = append(q.remVar, q.visitVar*(rem/q.s)*(rem/q.s))
	}
	return q
}

// quote is Quote for the waiting ticket at position (≥ 1).
func (qt *quoter) quote(position int) Quote {
	rooms, s, visitVar := qt.rooms, qt.s, qt.visitVar
	work := float64(position-1) * s
	variance := float64(position-1) * visitVar
	for i, rem := range qt.rem {
		work += rem
		variance += qt.remVar[i]
	}
	c := float64(rooms)
	// S itself is learned from a window of visits: its error adds to every visit
	// ahead alike, so it grows with the square of their number.
	ahead := float64(position - 1)
	variance += ahead * ahead * visitVar / float64(qt.e.window())
	mean, variance := work/c, variance/(c*c)
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
		s2 := math.Log(1 + variance/(center*center))
		mu := math.Log(center) - s2/2
		q.Low = min(q.Wait, int(math.Round(math.Exp(mu-z90*math.Sqrt(s2)))))
		q.High = max(q.Wait, int(math.Round(math.Exp(mu+z90*math.Sqrt(s2)))))
	}
	if position <= rooms-qt.called {
		// A room is free for this patient: staff may call them any moment. The
		// point keeps the contract's average over rooms; the range says so.
		q.Low = 0
	}
	return q
}

// remaining is the expected rest, in minutes, of a visit that has lasted elapsed:
// E[X − e | X > e] for the fitted log-normal X, at most one whole visit (a visit
// far beyond the usual length is more likely a forgotten click than a visit with
// hours to go).
func remaining(f Fit, elapsed time.Duration) float64 {
	s := f.Mean.Minutes()
	e := elapsed.Minutes()
	if e <= 0 {
		return s
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

package queue

import (
	"math"
	"sync"
)

// The under-quote guard (docs/estimates.md, "Under-quote guard"). A patient
// forgives a quote that runs a few minutes long; one told 20 minutes who waits
// 35 stops trusting the clinic. So once the estimator has history it does not
// quote the expected wait but the median — the point that is off by the least
// on average — raised where a wait is likely to run more than lateSlack
// minutes past it.
//
// How far to raise is a trade: each minute added makes every wait that ends
// before it a minute more wrong, and saves the patients whose wait would have
// ended just past the quote plus lateSlack. With the wait taken as normal with
// the spread sd the model gives it, the raise δ is where the two balance:
//
//	2Φ(δ/sd) − 1  =  lateWeight · φ((lateSlack + δ)/sd) / sd
//
// A wait known to within a few minutes needs no raise; a very uncertain one is
// raised little too, because no few minutes make it reliable; the raise goes
// to the waits in between, where it buys the most. lateWeight, the price of one
// late patient in minutes of error, was set with `smartwait simulate --seeds
// 1-30 --scenario all` so that at most 10% of patients wait more than 10
// minutes past their quote on the scenarios' days (docs/estimates.md).
const (
	lateSlack  = 10.0 // minutes past the quote that count as late
	lateWeight = 90.0
)

// guard is the raise for every spread, worked out once: quoting a queue of
// thousands looks each up instead of solving for it.
var guard = sync.OnceValue(newRaiseTable)

// raiseTable holds δ(sd) at sd = 0, raiseStep, 2·raiseStep, … up to raiseMax
// minutes; beyond it the raise barely moves (it tends to lateWeight/2).
type raiseTable []float64

const (
	raiseStep = 0.25 // minutes
	raiseMax  = 512.0
)

func newRaiseTable() raiseTable {
	t := make(raiseTable, int(raiseMax/raiseStep)+1)
	for i := range t {
		t[i] = solveRaise(float64(i)*raiseStep, lateWeight)
	}
	return t
}

// raise returns δ for a wait of spread sd (minutes), interpolated in the table.
func (t raiseTable) raise(sd float64) float64 {
	if !(sd > 0) {
		return 0
	}
	x := sd / raiseStep
	i := int(x)
	if i >= len(t)-1 {
		return t[len(t)-1]
	}
	f := x - float64(i)
	return t[i]*(1-f) + t[i+1]*f
}

// solveRaise finds δ ≥ 0 where the marginal error of raising the quote meets
// the marginal late patients it saves, weighed by weight; 0 when even the
// first minute costs more than it saves.
func solveRaise(sd, weight float64) float64 {
	if sd <= 0 {
		return 0
	}
	gain := func(d float64) float64 {
		cost := 2*phi(d/sd) - 1
		saved := weight * math.Exp(-0.5*sq((lateSlack+d)/sd)) / (sd * math.Sqrt(2*math.Pi))
		return saved - cost
	}
	if gain(0) <= 0 {
		return 0
	}
	lo, hi := 0.0, 4*sd+lateSlack // gain(hi) < 0: the cost is near 1, the saving near 0
	for range 50 {
		mid := (lo + hi) / 2
		if gain(mid) > 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

func sq(x float64) float64 { return x * x }

package queue

import (
	"math"
	"slices"
	"time"
)

// Estimator turns a position into an estimated wait (docs/api.md, Words; docs/estimates.md). Its point
// estimate is the contract's formula
//
//	(position − 1) × S / rooms + (remaining time of the visits in progress) / rooms
//
// where S is the learned mean visit length and a visit in progress that has just
// started has S remaining — so at cold start, with nothing elapsed, it is exactly
// round((position − 1 + inService) × S / rooms), inService = min(called, rooms).
// As a visit goes on, the estimate counts only what is likely left of it.
//
// The zero value of every tuning field means its default, so an Estimator built
// as a struct literal with only Prior and Rooms set behaves like DefaultEstimator.
type Estimator struct {
	Prior       time.Duration // S before the queue has history (SMARTWAIT_SERVICE_MINUTES)
	Rooms       int           // rooms serving in parallel (SMARTWAIT_ROOMS), at least 1
	Window      int           // how many recent completed visits S is learned from; 0: 30
	PriorVisits int           // weight of the prior, in visits, while history is short; 0: 5
	// PriorCV is the assumed spread (standard deviation / mean) of a visit before
	// there is history, for the quoted range; 0: 0.5, typical of clinic visits.
	PriorCV float64
}

// DefaultEstimator is the estimator with the contract's defaults: 15 minutes, one room.
func DefaultEstimator() Estimator {
	return Estimator{Prior: 15 * time.Minute, Rooms: 1, Window: 30, PriorVisits: 5, PriorCV: 0.5}
}

func (e Estimator) window() int {
	if e.Window > 0 {
		return e.Window
	}
	// 30 visits: at 2 rooms and 9-minute visits, the last two hours. Fewer make S
	// noisy (±11% at 20 visits of CV 0.5, and a queue of 13 adds that error 13
	// times); more make it slow to follow a clinic that speeds up or slows down.
	return 30
}

func (e Estimator) priorVisits() int {
	if e.PriorVisits > 0 {
		return e.PriorVisits
	}
	return 5
}

func (e Estimator) rooms() int { return max(e.Rooms, 1) }

// Fit is what the estimator learned of a queue's visit lengths: their mean and
// the spread of their logarithm (visit lengths are close to log-normal: most
// visits near the typical length, a long tail of complicated ones).
type Fit struct {
	Mean  time.Duration // S, the mean visit length
	Sigma float64       // standard deviation of ln(visit length)
}

// Fit learns S from recent completed visits (any order, as Tx.RecentServiceTimes
// returns them). Visit lengths are taken as log-normal and fitted robustly: the
// median and the median absolute deviation of their logarithms, so one forgotten
// "complete" click (a two-hour visit) or a two-minute prescription renewal moves
// neither, while the mean that waits add up — which for skewed visit lengths is
// above the median — follows from the fit. The prior counts as PriorVisits visits
// while history is short and fades to nothing once Window visits are known: a
// prior is a stand-in for history, not a permanent bias.
func (e Estimator) Fit(samples []time.Duration) Fit {
	var logs []float64
	for _, d := range samples {
		if d > 0 && d < 12*time.Hour { // a visit "served" overnight is a forgotten click
			logs = append(logs, math.Log(d.Minutes()))
		}
	}
	priorSigma2 := math.Log(1 + e.priorCV()*e.priorCV())
	if len(logs) == 0 {
		return Fit{Mean: e.Prior, Sigma: math.Sqrt(priorSigma2)}
	}
	slices.Sort(logs)
	mu := middle(logs)
	dev := make([]float64, len(logs))
	for i, l := range logs {
		dev[i] = math.Abs(l - mu)
	}
	slices.Sort(dev)
	// 1.4826 × MAD estimates the standard deviation of a normal; capped so that a
	// wildly mixed history cannot produce absurd means.
	sigma := min(1.4826*middle(dev), 1.0)
	n := float64(len(logs))
	w := e.priorWeight(len(logs))
	mean := math.Exp(mu+sigma*sigma/2) * float64(time.Minute)
	s := (mean*n + float64(e.Prior)*w) / (n + w)
	s2 := (sigma*sigma*n + priorSigma2*w) / (n + w)
	return Fit{Mean: time.Duration(s).Round(time.Millisecond), Sigma: math.Sqrt(s2)}
}

// priorWeight is the prior's weight, in visits, with n visits of history: full
// up to PriorVisits visits, then fading linearly to 0 at Window visits.
func (e Estimator) priorWeight(n int) float64 {
	pv, win := e.priorVisits(), e.window()
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

// middle is the median of sorted xs (len ≥ 1).
func middle(xs []float64) float64 {
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

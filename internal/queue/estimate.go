package queue

import (
	"math"
	"slices"
	"time"
)

// Estimator turns a position into an estimated wait (CONTRACT §1, §6):
// round((position − 1 + inService) × S / rooms) minutes, where inService is
// min(called tickets, rooms) and S the per-visit service time.
type Estimator struct {
	Prior       time.Duration // S before the queue has history (SMARTWAIT_SERVICE_MINUTES)
	Rooms       int           // rooms serving in parallel (SMARTWAIT_ROOMS), at least 1
	Window      int           // how many recent completed visits S is learned from
	PriorVisits int           // weight of the prior, in visits, while history is short
}

// DefaultEstimator is the estimator with the contract's defaults: 15 minutes, one room.
func DefaultEstimator() Estimator {
	return Estimator{Prior: 15 * time.Minute, Rooms: 1, Window: 20, PriorVisits: 5}
}

// ServiceTime learns S from recent completed visits (any order). It is a trimmed
// mean — the shortest and longest fifth dropped, so one forgotten "complete" click
// or a two-minute prescription renewal does not swing every estimate — blended with
// the prior as if the prior were PriorVisits visits, so the first few visits move
// the figure gradually. With no history it is the prior.
func (e Estimator) ServiceTime(samples []time.Duration) time.Duration {
	var kept []time.Duration
	for _, d := range samples {
		if d > 0 && d < 12*time.Hour { // a visit "served" overnight is a forgotten click
			kept = append(kept, d)
		}
	}
	if len(kept) == 0 {
		return e.Prior
	}
	slices.Sort(kept)
	trim := len(kept) / 5
	kept = kept[trim : len(kept)-trim]
	var sum time.Duration
	for _, d := range kept {
		sum += d
	}
	n := float64(len(samples))
	w := float64(e.PriorVisits)
	mean := float64(sum) / float64(len(kept))
	return time.Duration((mean*n + float64(e.Prior)*w) / (n + w))
}

// Wait returns the estimated wait in whole minutes (≥ 0) for a waiting ticket at
// position (1-based) while called tickets are being served, with per-visit service
// time s. Tickets that are not waiting (position ≤ 0) wait 0.
func (e Estimator) Wait(position, called int, s time.Duration) int {
	if position <= 0 {
		return 0
	}
	rooms := max(e.Rooms, 1)
	if s <= 0 {
		s = e.Prior
	}
	inService := min(called, rooms)
	minutes := float64(position-1+inService) * s.Minutes() / float64(rooms)
	return int(math.Round(minutes))
}

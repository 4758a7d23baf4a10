package queue

import (
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
		// 20 samples: 16 of 9 min, then 2 very short and 2 very long ones, trimmed away.
		{"outliers are trimmed", append(repeat(9*m, 16), m, m, 120*m, 90*m), (9*m*20 + 15*m*5) / 25},
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

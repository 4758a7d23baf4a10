package queue

import (
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

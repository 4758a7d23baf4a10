package sim

import (
	"context"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
)

// The targets a scenario's days must meet (issue 14, docs/estimates.md).
const (
	targetVsFixed    = 0.5  // SmartWait's MAE at most this × the fixed rule's
	targetVsOracle   = 0.9  // … and this × the oracle fixed rule's
	targetLate       = 0.10 // at most this share waits > 10 min longer than quoted
	targetLateDays   = 0.9  // … on at least this share of days (27 of 30)
	targetRangeHeld  = 0.75 // the P10–P90 range holds at least this share of waits
	lateMinutes      = 10.0
	rangeToleranceMn = 0.5 // quotes are whole minutes
)

// Summary pools the days of one scenario over many seeds: every called patient
// of every day counts once.
type Summary struct {
	Scenario  string  `json:"scenario"`
	Days      int     `json:"days"`
	Called    int     `json:"called"`
	MeanWait  float64 `json:"meanWait"`
	SmartWait float64 `json:"smartwaitMAE"`
	Fixed     float64 `json:"fixedMAE"`
	Oracle    float64 `json:"oracleMAE"`
	// Late is the pooled share who waited more than 10 minutes longer than
	// SmartWait quoted; LateDays how many days kept it at most 10%.
	Late     float64 `json:"late"`
	LateDays int     `json:"lateDays"`
	InRange  float64 `json:"inRange"`
	// Fails says which targets the scenario misses; empty when it passes.
	Fails []string `json:"fails"`
	// Bound and BoundGuarded pool the perfect-knowledge quotes (bound.go);
	// nil for scenarios they are not worked out for.
	Bound        *Pooled `json:"bound,omitempty"`
	BoundGuarded *Pooled `json:"boundGuarded,omitempty"`
	// BoundBest is the perfect-knowledge point with the least MAE that meets
	// the late targets (pooled and on enough days), among boundWeights; nil
	// when none does.
	BoundBest *Pooled `json:"boundBest,omitempty"`
}

// Pooled is one estimator's figures over a scenario's days.
type Pooled struct {
	Weight   float64 `json:"weight,omitempty"` // the guard's price of a late patient, for BoundBest
	MAE      float64 `json:"mae"`
	Late     float64 `json:"late"`     // share waited > 10 min longer than quoted
	LateDays int     `json:"lateDays"` // days with at most 10% late
	// errSum, late and called are the unrounded totals: targets are checked
	// on them.
	errSum       float64
	late, called int
}

// pool pools quote's errors over the called patients of days.
func pool(days []*Result, quote func(Patient) int) *Pooled {
	var p Pooled
	for _, d := range days {
		dayLate, dayCalled := 0, 0
		for _, pt := range d.Patients {
			if pt.Wait < 0 {
				continue
			}
			dayCalled++
			p.errSum += math.Abs(pt.Wait - float64(quote(pt)))
			if pt.Wait-float64(quote(pt)) > lateMinutes {
				dayLate++
			}
		}
		p.called += dayCalled
		p.late += dayLate
		if dayCalled > 0 && float64(dayLate) <= targetLate*float64(dayCalled) {
			p.LateDays++
		}
	}
	if n := float64(p.called); n > 0 {
		p.MAE, p.Late = round1(p.errSum/n), round3(float64(p.late)/n)
	}
	return &p
}

// ParseSeeds parses "7" or "1-30".
func ParseSeeds(s string) ([]uint64, error) {
	lo, hi, isRange := strings.Cut(s, "-")
	a, err := strconv.ParseUint(lo, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("seeds %q: want N or FROM-TO", s)
	}
	b := a
	if isRange {
		if b, err = strconv.ParseUint(hi, 10, 64); err != nil || b < a || b-a >= 1000 {
			return nil, fmt.Errorf("seeds %q: want FROM-TO with FROM ≤ TO, at most 1000 seeds", s)
		}
	}
	var out []uint64
	for n := a; n <= b; n++ {
		out = append(out, n)
	}
	return out, nil
}

// RunSeeds runs scenario sc once per seed, as many at a time as there are CPUs,
// and returns the days in seed order.
func RunSeeds(ctx context.Context, sc Scenario, seeds []uint64) ([]*Result, error) {
	out := make([]*Result, len(seeds))
	errs := make([]error, len(seeds))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, seed := range seeds {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			day := sc
			day.Seed = seed
			out[i], errs[i] = Run(ctx, day, nil)
			if out[i] != nil {
				out[i].Patients = compact(out[i].Patients)
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("seed %d: %w", seeds[i], err)
		}
	}
	return out, nil
}

// compact keeps only what Summarize needs of each patient (not their updates).
func compact(ps []Patient) []Patient {
	for i := range ps {
		ps[i].Updates = nil
	}
	return ps
}

// Summarize pools the days of one scenario and checks them against the targets.
func Summarize(days []*Result) Summary {
	var s Summary
	if len(days) == 0 {
		return s
	}
	s.Scenario, s.Days = days[0].Scenario.Name, len(days)
	sw := pool(days, func(p Patient) int { return p.Quote })
	fixed := pool(days, func(p Patient) int { return p.Fixed }).errSum
	oracle := pool(days, func(p Patient) int { return p.Oracle }).errSum
	s.Called, s.LateDays = sw.called, sw.LateDays
	if s.Called == 0 {
		return s
	}
	var wait float64
	held := 0
	for _, d := range days {
		for _, p := range d.Patients {
			if p.Wait < 0 {
				continue
			}
			wait += p.Wait
			if float64(p.QuoteLow)-rangeToleranceMn <= p.Wait && p.Wait <= float64(p.QuoteHigh)+rangeToleranceMn {
				held++
			}
		}
	}
	if days[0].Scenario.bounded() {
		s.Bound = pool(days, func(p Patient) int { return p.Bound })
		s.BoundGuarded = pool(days, func(p Patient) int { return p.BoundGuarded })
		for k, w := range boundWeights {
			b := pool(days, func(p Patient) int { return p.boundSweep[k] })
			meets := float64(b.late) <= targetLate*float64(b.called) && float64(b.LateDays) >= targetLateDays*float64(len(days))
			if meets && (s.BoundBest == nil || b.errSum < s.BoundBest.errSum) {
				b.Weight, s.BoundBest = w, b
			}
		}
	}
	n := float64(s.Called)
	s.MeanWait, s.SmartWait, s.Fixed, s.Oracle = round1(wait/n), sw.MAE, round1(fixed/n), round1(oracle/n)
	s.Late, s.InRange = sw.Late, round3(float64(held)/n)
	// The ratios are checked on the unrounded pooled errors.
	if sw.errSum > targetVsFixed*fixed {
		s.Fails = append(s.Fails, fmt.Sprintf("MAE %.2f× the fixed rule's", sw.errSum/fixed))
	}
	if sw.errSum > targetVsOracle*oracle {
		s.Fails = append(s.Fails, fmt.Sprintf("MAE %.2f× the oracle's", sw.errSum/oracle))
	}
	if float64(sw.late) > targetLate*n {
		s.Fails = append(s.Fails, fmt.Sprintf("%.1f%% late in all", 100*float64(sw.late)/n))
	}
	if float64(s.LateDays) < targetLateDays*float64(s.Days) {
		s.Fails = append(s.Fails, fmt.Sprintf("only %d of %d days ≤ 10%% late", s.LateDays, s.Days))
	}
	if float64(held) < targetRangeHeld*n {
		s.Fails = append(s.Fails, fmt.Sprintf("range held %.1f%%", 100*float64(held)/n))
	}
	return s
}

// WriteSummaries prints one row per scenario, as docs/estimates.md records it.
func WriteSummaries(w io.Writer, seeds string, rows []Summary) error {
	fmt.Fprintf(w, "Seeds %s; targets: MAE ≤ %.1f× fixed and ≤ %.1f× oracle, ≤ %.0f%% waited > 10 min longer than quoted in all and on ≥ %.0f%% of days, range held ≥ %.0f%%\n\n",
		seeds, targetVsFixed, targetVsOracle, targetLate*100, targetLateDays*100, targetRangeHeld*100)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tdays\tmean wait\tSmartWait MAE\tfixed MAE\toracle MAE\t÷ fixed\t÷ oracle\t> 10 late\tdays ≤ 10%\trange held\tmeets targets\t")
	for _, s := range rows {
		verdict := "yes"
		if len(s.Fails) > 0 {
			verdict = "no: " + strings.Join(s.Fails, "; ")
		}
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.2f\t%.2f\t%.1f%%\t%d/%d\t%.1f%%\t%s\t\n",
			s.Scenario, s.Days, s.MeanWait, s.SmartWait, s.Fixed, s.Oracle, ratio(s.SmartWait, s.Fixed), ratio(s.SmartWait, s.Oracle),
			s.Late*100, s.LateDays, s.Days, s.InRange*100, verdict)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if !slices.ContainsFunc(rows, func(s Summary) bool { return s.Bound != nil }) {
		return nil
	}
	fmt.Fprintln(w, "\nPerfect knowledge (the day's true model and what staff see; not the visits' lengths nor the patients' choices to come): no estimator's MAE beats its median's")
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tmedian MAE\t÷ fixed\t÷ oracle\t> 10 late\tdays ≤ 10%\tguarded (90) MAE\t÷ fixed\t÷ oracle\t> 10 late\tdays ≤ 10%\tleast MAE, late met\t÷ fixed\t÷ oracle\tat price\t")
	for _, s := range rows {
		b, g, best := s.Bound, s.BoundGuarded, s.BoundBest
		if b == nil || g == nil {
			fmt.Fprintf(tw, "%s\t—\t\t\t\t\t—\t\t\t\t\t—\t\t\t\t\n", s.Scenario)
			continue
		}
		fmt.Fprintf(tw, "%s\t%.1f\t%.2f\t%.2f\t%.1f%%\t%d/%d\t%.1f\t%.2f\t%.2f\t%.1f%%\t%d/%d\t", s.Scenario,
			b.MAE, ratio(b.MAE, s.Fixed), ratio(b.MAE, s.Oracle), b.Late*100, b.LateDays, s.Days,
			g.MAE, ratio(g.MAE, s.Fixed), ratio(g.MAE, s.Oracle), g.Late*100, g.LateDays, s.Days)
		if best == nil {
			fmt.Fprintf(tw, "none\t\t\t\t\n")
			continue
		}
		fmt.Fprintf(tw, "%.1f\t%.2f\t%.2f\t%.0f\t\n", best.MAE, ratio(best.MAE, s.Fixed), ratio(best.MAE, s.Oracle), best.Weight)
	}
	return tw.Flush()
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return math.Inf(1)
	}
	return a / b
}

package sim

import (
	"fmt"
	"io"
	"math"
	"slices"
	"text/tabwriter"
	"time"

	"smartwait/internal/queue"
)

// Result is a simulated day: its records and how accurate each estimator was.
// Accuracy counts every patient who was called (served or no-show); patients who
// left before being called have no actual wait to compare.
type Result struct {
	Scenario    Scenario `json:"scenario"`
	DayMinutes  float64  `json:"dayMinutes"`  // first possible to last possible arrival
	Utilisation float64  `json:"utilisation"` // measured share of room time in use, opening to the last visit's end
	Called      int      `json:"called"`
	NoShows     int      `json:"noShows"`
	Cancelled   int      `json:"cancelled"`
	MeanWait    float64  `json:"meanWait"`
	SmartWait   Accuracy `json:"smartwait"`
	Fixed       Accuracy `json:"fixed"`
	Oracle      Accuracy `json:"oracle"` // the fixed rule told the day's true mean visit
	// Bound and BoundGuarded are the perfect-knowledge quotes' accuracy
	// (bound.go), at check-in only; nil on days it is not worked out for.
	Bound        *Accuracy `json:"bound,omitempty"`
	BoundGuarded *Accuracy `json:"boundGuarded,omitempty"`
	// InRange is the share of called patients whose wait fell inside the quoted
	// range QuoteLow..QuoteHigh (±0.5 min for rounding).
	InRange  float64   `json:"inRange"`
	Hours    []Bin     `json:"hours"` // by hour of check-in since opening
	Patients []Patient `json:"patients"`
}

// Accuracy measures one estimator's quotes against actual waits, in minutes.
type Accuracy struct {
	MAE      float64 `json:"mae"`      // mean |actual − quoted at check-in|
	MedianAE float64 `json:"medianAE"` // median of the same
	Bias     float64 `json:"bias"`     // mean actual − quoted (> 0: under-estimates)
	Under    float64 `json:"under"`    // share who waited longer than quoted
	Over10   float64 `json:"over10"`   // share who waited more than 10 min longer than quoted
	// UpdatesMAE is the mean error of every quote a patient was given — at
	// check-in and after each change that moved them — against the rest of the
	// wait from that moment.
	UpdatesMAE float64 `json:"updatesMAE"`
}

// Bin is the accuracy of the patients who checked in during one hour.
type Bin struct {
	Hour      int      `json:"hour"` // hours since opening
	Called    int      `json:"called"`
	MeanWait  float64  `json:"meanWait"`
	SmartWait Accuracy `json:"smartwait"`
	Fixed     Accuracy `json:"fixed"`
	Oracle    Accuracy `json:"oracle"`
}

// estimators are the quotes a Result compares: SmartWait's, the fixed rule's and
// the oracle fixed rule's, at check-in and at each later change.
var estimators = []struct {
	name   string
	quote  func(Patient) int
	update func(Update) int
	pick   func(*Result) *Accuracy
	bin    func(*Bin) *Accuracy
}{
	{"SmartWait", func(p Patient) int { return p.Quote }, func(u Update) int { return u.Quote },
		func(r *Result) *Accuracy { return &r.SmartWait }, func(b *Bin) *Accuracy { return &b.SmartWait }},
	{"fixed 15 min", func(p Patient) int { return p.Fixed }, func(u Update) int { return u.Fixed },
		func(r *Result) *Accuracy { return &r.Fixed }, func(b *Bin) *Accuracy { return &b.Fixed }},
	{"oracle fixed", func(p Patient) int { return p.Oracle }, func(u Update) int { return u.Oracle },
		func(r *Result) *Accuracy { return &r.Oracle }, func(b *Bin) *Accuracy { return &b.Oracle }},
}

func summarize(sc Scenario, day, span time.Duration, ps []Patient, roomTime, busy time.Duration) *Result {
	res := &Result{Scenario: sc, DayMinutes: round1(day.Minutes()), Patients: ps}
	var called []Patient
	inRange := 0
	for _, p := range ps {
		switch p.Outcome {
		case queue.StatusNoShow:
			res.NoShows++
		case queue.StatusCancelled:
			res.Cancelled++
		}
		if p.Wait < 0 {
			continue
		}
		called = append(called, p)
		if float64(p.QuoteLow)-0.5 <= p.Wait && p.Wait <= float64(p.QuoteHigh)+0.5 {
			inRange++
		}
	}
	res.Called = len(called)
	if n := len(called); n > 0 {
		res.InRange = round3(float64(inRange) / float64(n))
		res.MeanWait = round1(meanOf(called, func(p Patient) float64 { return p.Wait }))
	}
	if roomTime > 0 && span > 0 {
		res.Utilisation = round3(busy.Minutes() / roomTime.Minutes())
	}
	for _, e := range estimators {
		*e.pick(res) = accuracy(called, e.quote, e.update)
	}
	if sc.bounded() && len(called) > 0 {
		b := accuracy(called, func(p Patient) int { return p.Bound }, nil)
		g := accuracy(called, func(p Patient) int { return p.BoundGuarded }, nil)
		res.Bound, res.BoundGuarded = &b, &g
	}
	byHour := map[int][]Patient{}
	last := 0
	for _, p := range called {
		h := int(p.CheckIn / 60)
		byHour[h] = append(byHour[h], p)
		last = max(last, h)
	}
	for h := 0; h <= last; h++ {
		b := byHour[h]
		if len(b) == 0 {
			continue
		}
		bin := Bin{Hour: h, Called: len(b), MeanWait: round1(meanOf(b, func(p Patient) float64 { return p.Wait }))}
		for _, e := range estimators {
			*e.bin(&bin) = accuracy(b, e.quote, e.update)
		}
		res.Hours = append(res.Hours, bin)
	}
	return res
}

// accuracy measures the quotes quote (at check-in) and update (later; nil:
// none) against the actual waits of called patients.
func accuracy(called []Patient, quote func(Patient) int, update func(Update) int) Accuracy {
	if len(called) == 0 {
		return Accuracy{}
	}
	var a Accuracy
	errs := make([]float64, 0, len(called))
	var sum, bias, all float64
	var under, over10, quotes int
	for _, p := range called {
		d := p.Wait - float64(quote(p))
		errs = append(errs, math.Abs(d))
		sum += math.Abs(d)
		bias += d
		if d > 0.5 { // quotes are whole minutes: half a minute is rounding, not an under-estimate
			under++
		}
		if d > 10 {
			over10++
		}
		all += math.Abs(d)
		quotes++
		for _, u := range p.Updates {
			if update == nil {
				break
			}
			all += math.Abs(p.CheckIn + p.Wait - u.At - float64(update(u)))
			quotes++
		}
	}
	n := float64(len(called))
	slices.Sort(errs)
	a.MAE, a.Bias = round1(sum/n), round1(bias/n)
	a.MedianAE = round1(median(errs))
	a.Under, a.Over10 = round3(float64(under)/n), round3(float64(over10)/n)
	a.UpdatesMAE = round1(all / float64(quotes))
	return a
}

// WriteReport prints the result as a human-readable report.
func WriteReport(w io.Writer, r *Result) error {
	sc := r.Scenario
	drift := ""
	if sc.ServiceEnd != 0 {
		drift = fmt.Sprintf(" → %.0f", sc.ServiceEnd.Minutes())
	}
	fmt.Fprintf(w, "Scenario %q, seed %d: %d patients, %d rooms, visits %.0f%s min (CV %.2f), prior %.0f min, %s arrivals\n",
		sc.Name, sc.Seed, sc.Patients, sc.Rooms, sc.ServiceMean.Minutes(), drift, sc.ServiceCV, sc.Prior.Minutes(), sc.Profile)
	if c := sc.Changes(time.Duration(r.DayMinutes * float64(time.Minute))); c != "" {
		fmt.Fprintf(w, "Through the day: %s\n", c)
	}
	fmt.Fprintf(w, "Day of %.1f h, rooms busy %.0f%%; %d called (%d no-shows), %d left early; mean wait %.1f min\n\n",
		r.DayMinutes/60, r.Utilisation*100, r.Called, r.NoShows, r.Cancelled, r.MeanWait)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "estimator\tMAE\tmedian AE\tbias\twaited longer\twaited >10 min longer\tMAE, all quotes\t")
	for _, e := range estimators {
		a := *e.pick(r)
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%+.1f\t%.1f%%\t%.1f%%\t%.1f\t\n", e.name, a.MAE, a.MedianAE, a.Bias, a.Under*100, a.Over10*100, a.UpdatesMAE)
	}
	for _, b := range []struct {
		name string
		a    *Accuracy
	}{{"perfect knowledge, median", r.Bound}, {"perfect knowledge, guarded", r.BoundGuarded}} {
		if a := b.a; a != nil {
			fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%+.1f\t%.1f%%\t%.1f%%\t—\t\n", b.name, a.MAE, a.MedianAE, a.Bias, a.Under*100, a.Over10*100)
		}
	}
	tw.Flush()
	if r.Bound != nil {
		fmt.Fprintln(w, "\nPerfect knowledge: quotes drawn from the day's true model and what staff see, not from the visits' lengths nor the patients' choices to come; no estimator's MAE beats its median's.")
	}
	fmt.Fprintf(w, "\nSmartWait's quoted range held the actual wait for %.1f%% of patients.\n\n", r.InRange*100)
	fmt.Fprintln(w, "Through the day (by hour of check-in; minutes):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "hour\tcalled\tmean wait\tSmartWait MAE\t>10 late\tfixed MAE\t>10 late\toracle MAE\t")
	for _, b := range r.Hours {
		fmt.Fprintf(tw, "%d\t%d\t%.1f\t%.1f\t%.0f%%\t%.1f\t%.0f%%\t%.1f\t\n", b.Hour, b.Called, b.MeanWait, b.SmartWait.MAE, b.SmartWait.Over10*100, b.Fixed.MAE, b.Fixed.Over10*100, b.Oracle.MAE)
	}
	return tw.Flush()
}

func meanOf(ps []Patient, f func(Patient) float64) float64 {
	s := 0.0
	for _, p := range ps {
		s += f(p)
	}
	return s / float64(len(ps))
}

// median of sorted xs.
func median(xs []float64) float64 {
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }
func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

package sim

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// WriteSVG draws the day as a self-contained SVG image in two panels: above,
// every called patient's actual wait against SmartWait's quote at check-in (with
// its range) and the fixed rule's quote, by time of check-in; below, each
// estimator's mean absolute error per hour of the day.
func WriteSVG(w io.Writer, r *Result) error {
	const (
		width, left, right = 960.0, 60.0, 20.0
		top1, h1           = 50.0, 300.0
		top2, h2           = 420.0, 160.0
		height             = 640.0
	)
	plotW := width - left - right
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	b.WriteString(`<rect width="100%" height="100%" fill="white"/>` + "\n")
	sc := r.Scenario
	drift := ""
	if sc.ServiceEnd != 0 {
		drift = fmt.Sprintf("→%.0f", sc.ServiceEnd.Minutes())
	}
	fmt.Fprintf(&b, `<text x="%.0f" y="22" font-size="15" font-weight="bold">Scenario %q (seed %d): %d patients, %d rooms, visits %.0f%s min, prior %.0f min</text>`+"\n",
		left, sc.Name, sc.Seed, sc.Patients, sc.Rooms, sc.ServiceMean.Minutes(), drift, sc.Prior.Minutes())
	if c := sc.Changes(time.Duration(r.DayMinutes * float64(time.Minute))); c != "" {
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="end">%s</text>`+"\n", width-right, top1-6, c)
	}
	fmt.Fprintf(&b, `<text x="%.0f" y="40">MAE: SmartWait %.1f min, fixed rule %.1f, oracle fixed %.1f · waited &gt;10 min longer than quoted: SmartWait %.1f%%, fixed %.1f%% · range held %.0f%%</text>`+"\n",
		left, r.SmartWait.MAE, r.Fixed.MAE, r.Oracle.MAE, r.SmartWait.Over10*100, r.Fixed.Over10*100, r.InRange*100)

	// Scales: x is hours since opening, shared by both panels.
	hours := math.Max(1, math.Ceil(r.DayMinutes/60))
	for _, p := range r.Patients {
		hours = math.Max(hours, math.Ceil(p.CheckIn/60))
	}
	x := func(minutes float64) float64 { return left + minutes/60/hours*plotW }
	maxY := 10.0
	for _, p := range r.Patients {
		if p.Wait >= 0 {
			maxY = math.Max(maxY, math.Max(p.Wait, float64(max(p.Fixed, p.QuoteHigh))))
		}
	}
	maxY = niceCeil(maxY)
	y1 := func(v float64) float64 { return top1 + h1 - v/maxY*h1 }
	axes(&b, left, top1, plotW, h1, hours, maxY, "wait, minutes", y1)
	// The day's changes (a room closes, visits jump) as dashed lines.
	for _, at := range sc.Steps(time.Duration(r.DayMinutes * float64(time.Minute))) {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="#555" stroke-dasharray="4 3"/>`+"\n", x(at), top1, x(at), top1+h1)
	}

	for _, p := range r.Patients {
		if p.Wait < 0 {
			continue
		}
		cx := x(p.CheckIn)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#9ecae1" stroke-width="2"/>`, cx, y1(float64(p.QuoteLow)), cx, y1(float64(p.QuoteHigh)))
	}
	b.WriteString("\n")
	for _, p := range r.Patients {
		if p.Wait < 0 {
			continue
		}
		cx := x(p.CheckIn)
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="1.8" fill="#fd8d3c"/>`, cx, y1(float64(p.Fixed)))
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="1.8" fill="#3182bd"/>`, cx, y1(float64(p.Quote)))
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.2" fill="none" stroke="black" stroke-width="0.8"/>`, cx, y1(p.Wait))
	}
	b.WriteString("\n")
	legend(&b, left+10, top1+12, []legendItem{
		{"actual wait", `<circle cx="5" cy="-4" r="3" fill="none" stroke="black"/>`},
		{"SmartWait quote", `<circle cx="5" cy="-4" r="3" fill="#3182bd"/>`},
		{"SmartWait range (P10–P90)", `<line x1="5" y1="-10" x2="5" y2="2" stroke="#9ecae1" stroke-width="3"/>`},
		{"fixed 15 min rule", `<circle cx="5" cy="-4" r="3" fill="#fd8d3c"/>`},
	})

	// Lower panel: MAE per hour.
	maxE := 5.0
	for _, h := range r.Hours {
		maxE = math.Max(maxE, math.Max(h.SmartWait.MAE, h.Fixed.MAE))
	}
	maxE = niceCeil(maxE)
	y2 := func(v float64) float64 { return top2 + h2 - v/maxE*h2 }
	axes(&b, left, top2, plotW, h2, hours, maxE, "MAE per hour, min", y2)
	for _, series := range []struct {
		color string
		get   func(Bin) float64
	}{{"#fd8d3c", func(h Bin) float64 { return h.Fixed.MAE }}, {"#3182bd", func(h Bin) float64 { return h.SmartWait.MAE }}} {
		var pts []string
		for _, h := range r.Hours {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(float64(h.Hour)*60+30), y2(series.get(h))))
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n", series.color, strings.Join(pts, " "))
	}
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="middle">hours since opening (by check-in time)</text>`+"\n", left+plotW/2, height-8)
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// axes draws a panel's frame, horizontal grid lines and tick labels.
func axes(b *strings.Builder, left, top, w, h, hours, maxY float64, label string, y func(float64) float64) {
	fmt.Fprintf(b, `<rect x="%.0f" y="%.0f" width="%.0f" height="%.0f" fill="none" stroke="#888"/>`+"\n", left, top, w, h)
	step := maxY / 5
	for v := 0.0; v <= maxY+1e-9; v += step {
		fmt.Fprintf(b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#eee"/><text x="%.0f" y="%.1f" text-anchor="end">%g</text>`+"\n",
			left, y(v), left+w, y(v), left-6, y(v)+4, math.Round(v*10)/10)
	}
	every := math.Max(1, math.Ceil(hours/24))
	for hr := 0.0; hr <= hours; hr += every {
		px := left + hr/hours*w
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="#888"/><text x="%.1f" y="%.0f" text-anchor="middle">%g</text>`+"\n",
			px, top+h, px, top+h+4, px, top+h+16, hr)
	}
	fmt.Fprintf(b, `<text transform="translate(%.0f %.0f) rotate(-90)" text-anchor="middle">%s</text>`+"\n", left-42, top+h/2, label)
}

type legendItem struct{ text, mark string }

func legend(b *strings.Builder, x, y float64, items []legendItem) {
	for i, it := range items {
		fmt.Fprintf(b, `<g transform="translate(%.0f %.0f)">%s<text x="14" y="0">%s</text></g>`+"\n", x, y+float64(i)*16, it.mark, it.text)
	}
}

// niceCeil rounds v up to a round number, for axis limits.
func niceCeil(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"time"
)

// result is one run's figures, written as one JSON line so that a script can
// repeat runs and -summarize can take medians.
type result struct {
	Label       string             `json:"label"`
	At          string             `json:"at"`
	Instances   int                `json:"instances"`
	Clinics     int                `json:"clinics"`
	Lines       int                `json:"lines"`
	Pinned      bool               `json:"pinned"`
	Checkins    int                `json:"checkins"`
	Concurrency int                `json:"concurrency"`
	Seconds     float64            `json:"seconds"`
	Rate        float64            `json:"rate"`      // check-ins per second
	UnderLoad   latencies          `json:"underLoad"` // fan-out while the check-ins ran
	Idle        latencies          `json:"idle"`      // fan-out after, one call at a time
	CPU         map[string]float64 `json:"cpu"`       // cores used during the check-ins
	LoadBefore  float64            `json:"loadBefore"`
	LoadAfter   float64            `json:"loadAfter"`
}

// latencies are fan-out percentiles in milliseconds (0 without samples).
type latencies struct {
	LocalP50  float64 `json:"localP50"`
	LocalP99  float64 `json:"localP99"`
	Local     int     `json:"local"`
	RemoteP50 float64 `json:"remoteP50"`
	RemoteP99 float64 `json:"remoteP99"`
	Remote    int     `json:"remote"`
}

func newLatencies(s samples) latencies {
	return latencies{
		LocalP50: pct(s.local, 0.50), LocalP99: pct(s.local, 0.99), Local: len(s.local),
		RemoteP50: pct(s.remote, 0.50), RemoteP99: pct(s.remote, 0.99), Remote: len(s.remote),
	}
}

// pct is the nearest-rank percentile of ds in milliseconds.
func pct(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := max(0, int(math.Ceil(p*float64(len(s))))-1)
	return math.Round(float64(s[i])/float64(time.Microsecond)) / 1000
}

// summarize reads result lines and writes, per label in the order first seen,
// the median of each figure over its runs as a Markdown table.
func summarize(r io.Reader, w io.Writer) error {
	var order []string
	runs := map[string][]result{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var res result
		if err := json.Unmarshal([]byte(line), &res); err != nil {
			return fmt.Errorf("summarize: %w", err)
		}
		if _, ok := runs[res.Label]; !ok {
			order = append(order, res.Label)
		}
		runs[res.Label] = append(runs[res.Label], res)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	fmt.Fprintln(w, "| setup | runs | check-ins/s, median (runs) | fan-out under load p50 / p99, same · other instance | fan-out idle p50 / p99, same · other | CPU cores: instances · PostgreSQL · Redis · load generator · others | load avg |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	for _, label := range order {
		rs := runs[label]
		med := func(f func(result) float64) float64 {
			v := make([]float64, len(rs))
			for i, r := range rs {
				v[i] = f(r)
			}
			return median(v)
		}
		var each []string
		for _, r := range rs {
			each = append(each, fmt.Sprintf("%.0f", r.Rate))
		}
		inst := func(r result) float64 {
			t := 0.0
			for k, v := range r.CPU {
				if strings.HasPrefix(k, "instance") {
					t += v
				}
			}
			return t
		}
		fmt.Fprintf(w, "| %s | %d | **%.0f** (%s) | %s | %s | %.2f · %.2f · %.2f · %.2f · %.2f | %.1f–%.1f |\n",
			label, len(rs), med(func(r result) float64 { return r.Rate }), strings.Join(each, ", "),
			pair(med, func(r result) latencies { return r.UnderLoad }),
			pair(med, func(r result) latencies { return r.Idle }),
			med(inst), med(func(r result) float64 { return r.CPU["postgres"] }),
			med(func(r result) float64 { return r.CPU["redis"] }), med(func(r result) float64 { return r.CPU["bench"] }),
			med(func(r result) float64 { return r.CPU["others"] }),
			minOf(rs, func(r result) float64 { return min(r.LoadBefore, r.LoadAfter) }),
			maxOf(rs, func(r result) float64 { return max(r.LoadBefore, r.LoadAfter) }))
	}
	return nil
}

// pair formats the median local and remote percentiles of one fan-out phase.
func pair(med func(func(result) float64) float64, get func(result) latencies) string {
	s := fmt.Sprintf("%.1f / %.1f ms", med(func(r result) float64 { return get(r).LocalP50 }), med(func(r result) float64 { return get(r).LocalP99 }))
	if med(func(r result) float64 { return float64(get(r).Remote) }) > 0 {
		s += fmt.Sprintf(" · %.1f / %.1f ms", med(func(r result) float64 { return get(r).RemoteP50 }), med(func(r result) float64 { return get(r).RemoteP99 }))
	}
	return s
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func minOf(rs []result, f func(result) float64) float64 {
	m := math.Inf(1)
	for _, r := range rs {
		m = min(m, f(r))
	}
	return m
}

func maxOf(rs []result, f func(result) float64) float64 {
	m := math.Inf(-1)
	for _, r := range rs {
		m = max(m, f(r))
	}
	return m
}

// appendResult adds res as one line to the file at path.
func appendResult(path string, res result) error {
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func sortedKeys(m map[string]float64) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

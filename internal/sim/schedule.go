package sim

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Step is a change during the day: from At on, a setting (rooms serving, or the
// mean visit in minutes) is Value. At is a time since opening, or, when Share is
// above 0, that share of the day (0.5: mid-day) — the built-in scenarios use
// shares so that a change stays at mid-day whatever the day's length.
type Step struct {
	Value float64       `json:"value"`
	At    time.Duration `json:"-"`
	Share float64       `json:"share,omitempty"`
}

// MarshalJSON writes At in minutes, like every other duration of a Result.
func (s Step) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Value float64 `json:"value"`
		At    float64 `json:"at"`
		Share float64 `json:"share,omitempty"`
	}{s.Value, s.At.Minutes(), s.Share})
}

// Mode is one kind of visit in a mixture: Share of visits are log-normal with
// mean Mean and spread CV.
type Mode struct {
	Share float64       `json:"share"`
	Mean  time.Duration `json:"-"`
	CV    float64       `json:"cv"`
}

// MarshalJSON writes Mean in minutes.
func (m Mode) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Share float64 `json:"share"`
		Mean  float64 `json:"mean"`
		CV    float64 `json:"cv"`
	}{m.Share, m.Mean.Minutes(), m.CV})
}

// ParseSteps parses a schedule as the simulate command takes it: comma-separated
// VALUE@WHEN, WHEN a duration since opening ("0", "90m", "4h") or a share of the
// day ("50%"). "2@0,1@4h": two rooms, one from four hours on.
func ParseSteps(s string) ([]Step, error) {
	var out []Step
	for _, part := range strings.Split(s, ",") {
		v, when, ok := strings.Cut(strings.TrimSpace(part), "@")
		if !ok {
			return nil, fmt.Errorf("%q: want VALUE@WHEN, e.g. 2@0 or 1@4h", part)
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || x < 0 || math.IsInf(x, 0) || math.IsNaN(x) {
			return nil, fmt.Errorf("%q: %q is not a number ≥ 0", part, v)
		}
		st := Step{Value: x}
		switch {
		case strings.HasSuffix(when, "%"):
			pct, err := strconv.ParseFloat(strings.TrimSuffix(when, "%"), 64)
			if err != nil || pct < 0 || pct > 100 {
				return nil, fmt.Errorf("%q: %q is not a share of the day from 0%% to 100%%", part, when)
			}
			st.Share = pct / 100 // 0% is the opening, like "0"
		case when == "0":
		default:
			d, err := time.ParseDuration(when)
			if err != nil || d < 0 {
				return nil, fmt.Errorf("%q: %q is not a time since opening (0, 90m, 4h) or a share (50%%)", part, when)
			}
			st.At = d
		}
		out = append(out, st)
	}
	return out, nil
}

// at is when the step happens in a day of length day.
func (s Step) at(day time.Duration) time.Duration {
	if s.Share > 0 {
		return time.Duration(s.Share * float64(day))
	}
	return s.At
}

// valueAt is the value of a schedule at time t of a day of length day: the last
// step at or before t, else start.
func valueAt(steps []Step, start float64, t, day time.Duration) float64 {
	v, last := start, time.Duration(-1)
	for _, s := range steps {
		if at := s.at(day); at <= t && at >= last {
			v, last = s.Value, at
		}
	}
	return v
}

// roomsAt is how many rooms serve at time t of a day of length day.
func (s Scenario) roomsAt(t, day time.Duration) int {
	return int(valueAt(s.RoomSteps, float64(s.Rooms), t, day))
}

// maxRooms is the most rooms that ever serve in the day.
func (s Scenario) maxRooms() int {
	n := s.Rooms
	for _, st := range s.RoomSteps {
		n = max(n, int(st.Value))
	}
	return n
}

// serviceMeanAt is the mean visit at time t of a day of length day: drift from
// ServiceMean to ServiceEnd over the day, then any step.
func (s Scenario) serviceMeanAt(t, day time.Duration) time.Duration {
	mean := s.ServiceMean
	if s.ServiceEnd != 0 && day > 0 {
		u := min(max(float64(t)/float64(day), 0), 1)
		mean += time.Duration(u * float64(s.ServiceEnd-s.ServiceMean))
	}
	return time.Duration(valueAt(s.ServiceSteps, mean.Minutes(), t, day) * float64(time.Minute))
}

// dayLength is how long arrivals go on: the arrival rate is set so that rooms are
// busy Utilisation of the room time the day has, counting a no-show's grace as
// room time. With schedules, the day's own length sets when absolute steps fall
// inside it, so it is found by iterating to a fixed point.
func (s Scenario) dayLength() time.Duration {
	day := time.Duration(float64(s.Patients) * s.perPatient(s.ServiceMean) / (s.Utilisation * float64(s.Rooms)))
	for range 50 {
		const samples = 200
		var visit, rooms float64
		for i := range samples {
			t := time.Duration((float64(i) + 0.5) / samples * float64(day))
			visit += s.perPatient(s.serviceMeanAt(t, day))
			rooms += float64(max(s.roomsAt(t, day), 0))
		}
		next := time.Duration(float64(s.Patients) * (visit / samples) / (s.Utilisation * max(rooms/samples, 0.01)))
		if d := next - day; d < time.Second && d > -time.Second {
			return next
		}
		day = next
	}
	return day
}

// perPatient is the mean room time a patient takes when visits average mean.
func (s Scenario) perPatient(mean time.Duration) float64 {
	return (1-s.NoShowRate)*float64(mean) + s.NoShowRate*float64(s.NoShowGrace)
}

// validSteps reports the first step that makes no sense.
func validSteps(steps []Step, what string, lo, hi float64) error {
	for _, st := range steps {
		if st.Value < lo || st.Value > hi || st.Share < 0 || st.Share > 1 || st.At < 0 {
			return fmt.Errorf("%s step %v@%v: value must be between %g and %g", what, st.Value, st.at(0), lo, hi)
		}
	}
	return nil
}

// validMix reports a mixture that makes no sense.
func validMix(mix []Mode) error {
	if len(mix) == 0 {
		return nil
	}
	total := 0.0
	for _, m := range mix {
		if m.Share <= 0 || m.Mean <= 0 || m.CV < 0 || m.CV > 3 {
			return fmt.Errorf("visit mix %+v: shares and means must be above 0, CV between 0 and 3", m)
		}
		total += m.Share
	}
	if math.Abs(total-1) > 1e-6 {
		return fmt.Errorf("visit mix shares add up to %g, not 1", total)
	}
	return nil
}

// mixMean is the mixture's own mean.
func mixMean(mix []Mode) time.Duration {
	var m float64
	for _, x := range mix {
		m += x.Share * float64(x.Mean)
	}
	return time.Duration(m)
}

// sortedSteps returns the steps by time in a day of length day.
func sortedSteps(steps []Step, day time.Duration) []Step {
	out := slices.Clone(steps)
	slices.SortStableFunc(out, func(a, b Step) int { return cmp.Compare(a.at(day), b.at(day)) })
	return out
}

// Changes describes what the scenario's day changes, for reports: "2 rooms → 1
// at 17.1 h; visits: 80% ≈6 min, 20% ≈21 min" ("" when nothing does). day is
// the day's length, which places steps given as shares.
func (s Scenario) Changes(day time.Duration) string {
	var parts []string
	for _, st := range sortedSteps(s.RoomSteps, day) {
		parts = append(parts, fmt.Sprintf("%g rooms from %.1f h", st.Value, st.at(day).Hours()))
	}
	for _, st := range sortedSteps(s.ServiceSteps, day) {
		parts = append(parts, fmt.Sprintf("visits %g min from %.1f h", st.Value, st.at(day).Hours()))
	}
	if len(s.Mix) > 0 {
		var kinds []string
		for _, m := range s.Mix {
			kinds = append(kinds, fmt.Sprintf("%.0f%% ≈%.0f min", m.Share*100, m.Mean.Minutes()))
		}
		parts = append(parts, "visits "+strings.Join(kinds, ", "))
	}
	if s.Booked > 0 {
		parts = append(parts, fmt.Sprintf("%.0f%% booked, arriving %.0f±%.0f min early", s.Booked*100, s.Early.Minutes(), s.EarlySpread.Minutes()))
	}
	return strings.Join(parts, "; ")
}

// Steps gives when each change of the day happens, in minutes since opening,
// for the plot's markers.
func (s Scenario) Steps(day time.Duration) []float64 {
	var out []float64
	for _, st := range append(sortedSteps(s.RoomSteps, day), sortedSteps(s.ServiceSteps, day)...) {
		out = append(out, st.at(day).Minutes())
	}
	return out
}

// Package sim is SmartWait's clinic simulator: a discrete-event simulation of a
// clinic day that drives the real queue.Service, on a throwaway SQLite file and a
// simulated clock, and measures how far the waits it quotes are from the waits
// patients then have.
//
// Patients arrive as a Poisson process whose rate follows a time-of-day profile;
// visits last a log-normal time whose mean may drift through the day; some
// patients leave before they are called (cancel) and some do not come when called
// (no-show). Staff call the next patient the moment a room frees. Every quote the
// service gives is recorded beside the quote of the fixed rule SmartWait replaced,
// so a Result compares the two on the same patients. A run is a pure function of
// its Scenario: the same seed gives the same figures.
package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"smartwait/internal/queue"
)

// Scenario describes one simulated clinic day.
type Scenario struct {
	Name        string  `json:"name"`
	Patients    int     `json:"patients"`    // arrivals in the day
	Rooms       int     `json:"rooms"`       // rooms serving in parallel
	Utilisation float64 `json:"utilisation"` // share of room time busy, on average over the day
	// ServiceMean is the mean visit length at opening and ServiceEnd at the last
	// arrival (0: no drift); the mean moves linearly in between.
	// Durations are written to JSON in minutes.
	ServiceMean time.Duration `json:"-"`
	ServiceEnd  time.Duration `json:"-"`
	ServiceCV   float64       `json:"serviceCV"` // standard deviation / mean of a visit (log-normal)
	Prior       time.Duration `json:"-"`         // the estimator's prior (SMARTWAIT_SERVICE_MINUTES)
	NoShowRate  float64       `json:"noShowRate"`
	CancelRate  float64       `json:"cancelRate"` // share of patients who intend to leave early
	// NoShowGrace is how long staff wait for a called patient who does not come
	// before marking the no-show and calling the next one.
	NoShowGrace time.Duration `json:"-"`
	// Patience is the mean time (exponential) a patient who intends to leave waits
	// before cancelling, if not called first.
	Patience time.Duration `json:"-"`
	Profile  string        `json:"profile"` // arrival profile: "clinic" or "flat"
	// RoomSteps change how many rooms serve during the day (staff open and
	// close rooms in SmartWait as they would at the desk); Rooms is the count at
	// opening. ServiceSteps set the mean visit from a time on (a new doctor, a
	// harder case mix). Mix, when set, draws visits from a mixture of log-normal
	// kinds instead of one (its means are scaled so that the mixture's mean is
	// the mean visit of the moment).
	RoomSteps []Step `json:"roomSteps,omitempty"`
	// Unannounced: staff stop and start serving in rooms as RoomSteps say but
	// never touch the dashboard — a room stays open in SmartWait, quiet.
	Unannounced bool `json:"unannounced,omitempty"`
	// Urgent is the share of patients the front desk marks urgent as they
	// check in: they go ahead of everyone not urgent.
	Urgent float64 `json:"urgent,omitempty"`
	// Booked is the share of patients with an appointment on a line that
	// orders by appointment (docs/lines.md): they arrive Early before their
	// slot on average (normal, spread EarlySpread; some come late), and the
	// walk-ins who arrive before their slot go ahead of them.
	Booked       float64       `json:"booked,omitempty"`
	Early        time.Duration `json:"-"`
	EarlySpread  time.Duration `json:"-"`
	ServiceSteps []Step        `json:"serviceSteps,omitempty"`
	Mix          []Mode        `json:"mix,omitempty"`
	Seed         uint64        `json:"seed"`
	Open         time.Time     `json:"open"` // when the first arrival may come

	// Estimator is the estimator under test; the zero value means the service's
	// default with Prior and Rooms from the scenario.
	Estimator queue.Estimator `json:"-"`
	// Bound also works out the perfect-knowledge quotes (bound.go), which
	// takes a few hundred draws of the line's future per check-in.
	Bound bool `json:"bound,omitempty"`
}

// Default is the default scenario: 300 patients, visits of 9 minutes on
// average while the estimator's prior is left at 15, two rooms, 85% busy.
func Default() Scenario {
	return Scenario{
		Name:        "default",
		Patients:    300,
		Rooms:       2,
		Utilisation: 0.85,
		ServiceMean: 9 * time.Minute,
		ServiceCV:   0.5,
		Prior:       15 * time.Minute,
		NoShowRate:  0.05,
		CancelRate:  0.05,
		NoShowGrace: 3 * time.Minute,
		Patience:    20 * time.Minute,
		Profile:     "clinic",
		Seed:        1,
		Open:        time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC),
	}
}

// Drift is Default with the mean visit growing from 8 to 14 minutes through the
// day (a clinic that falls behind as cases get harder or staff tire).
func Drift() Scenario {
	s := Default()
	s.Name = "drift"
	s.ServiceMean, s.ServiceEnd = 8*time.Minute, 14*time.Minute
	return s
}

// builtins are the named scenarios, in the order reports list them: each is a
// day real clinics have that a fixed setting gets wrong (docs/estimates.md).
var builtins = []func() Scenario{
	Default,
	Drift,
	func() Scenario { // one of two rooms closes at mid-day, staff close it in SmartWait
		s := Default()
		s.Name, s.RoomSteps = "room-closes", []Step{{Value: 1, Share: 0.5}}
		return s
	},
	func() Scenario { // the same, but nobody closes the room on the dashboard
		s := Default()
		s.Name, s.RoomSteps, s.Unannounced = "room-left-open", []Step{{Value: 1, Share: 0.5}}, true
		return s
	},
	func() Scenario { // visits double at mid-day: a new doctor, a harder case mix
		s := Default()
		s.Name, s.ServiceSteps = "visit-jump", []Step{{Value: 18, Share: 0.5}}
		return s
	},
	func() Scenario { // four in five visits short, one in five long: mean 9, median ≈ 6.5
		s := Default()
		s.Name = "bimodal"
		s.Mix = []Mode{{Share: 0.8, Mean: 6 * time.Minute, CV: 0.3}, {Share: 0.2, Mean: 21 * time.Minute, CV: 0.3}}
		return s
	},
	func() Scenario { // a single room: no second room to absorb a long visit
		s := Default()
		s.Name, s.Rooms = "one-room", 1
		return s
	},
	func() Scenario { // visits as spread as they are long
		s := Default()
		s.Name, s.ServiceCV = "high-variance", 1.0
		return s
	},
	func() Scenario { // one in five called patients never comes
		s := Default()
		s.Name, s.NoShowRate = "no-shows", 0.2
		return s
	},
	func() Scenario { // one in ten marked urgent at the desk: they go first
		s := Default()
		s.Name, s.Urgent = "urgent", 0.1
		return s
	},
	func() Scenario { // half the patients booked, arriving around 10 minutes early
		s := Default()
		s.Name, s.Booked, s.Early, s.EarlySpread = "appointments", 0.5, 10*time.Minute, 10*time.Minute
		return s
	},
	func() Scenario { // a quiet clinic: the prior matters for most of the day
		s := Default()
		s.Name, s.Patients, s.Utilisation = "low-volume", 60, 0.6
		return s
	},
}

// Scenarios returns the named built-in scenarios.
func Scenarios() map[string]Scenario {
	m := map[string]Scenario{}
	for _, f := range builtins {
		s := f()
		m[s.Name] = s
	}
	return m
}

// Names lists the built-in scenarios in report order.
func Names() []string {
	out := make([]string, len(builtins))
	for i, f := range builtins {
		out[i] = f().Name
	}
	return out
}

// Validate reports the first nonsensical field.
func (s Scenario) Validate() error {
	switch {
	case s.Patients < 1 || s.Patients > 100000:
		return errors.New("patients must be between 1 and 100000")
	case s.Rooms < 1 || s.Rooms > 100:
		return errors.New("rooms must be between 1 and 100")
	case s.Utilisation <= 0 || s.Utilisation > 2:
		return errors.New("utilisation must be above 0 and at most 2")
	case s.ServiceMean < time.Minute/2 || s.ServiceMean > 8*time.Hour:
		return errors.New("service mean must be between 30s and 8h")
	case s.ServiceEnd != 0 && (s.ServiceEnd < time.Minute/2 || s.ServiceEnd > 8*time.Hour):
		return errors.New("service end must be 0 (no drift) or between 30s and 8h")
	case s.ServiceCV < 0 || s.ServiceCV > 3:
		return errors.New("service CV must be between 0 and 3")
	case s.Prior < time.Minute || s.Prior > 8*time.Hour:
		return errors.New("prior must be between 1m and 8h")
	case s.NoShowRate < 0 || s.NoShowRate >= 1:
		return errors.New("no-show rate must be in [0, 1)")
	case s.CancelRate < 0 || s.CancelRate >= 1:
		return errors.New("cancel rate must be in [0, 1)")
	case s.NoShowGrace < 0 || s.Patience < 0:
		return errors.New("no-show grace and patience must not be negative")
	case s.Urgent < 0 || s.Urgent > 0.5:
		return errors.New("urgent share must be in [0, 0.5]")
	case s.Booked < 0 || s.Booked > 1:
		return errors.New("booked share must be in [0, 1]")
	case s.EarlySpread < 0 || s.Early < -2*time.Hour || s.Early > 2*time.Hour:
		return errors.New("early arrival must be within 2h of the slot, with a spread ≥ 0")
	}
	if err := validSteps(s.RoomSteps, "rooms", 1, 100); err != nil {
		return err
	}
	if err := validSteps(s.ServiceSteps, "visit", 0.5, 480); err != nil {
		return err
	}
	if err := validMix(s.Mix); err != nil {
		return err
	}
	if _, ok := profiles[s.Profile]; !ok {
		return fmt.Errorf("unknown profile %q (clinic, flat)", s.Profile)
	}
	return nil
}

// profiles are arrival-rate multipliers over the day (knots at equal spacing,
// linear in between, mean 1 after normalisation). "clinic" has a morning peak, a
// lunch dip and a smaller afternoon peak: the peaks run above capacity, so the
// queue builds and drains as in a real clinic.
var profiles = map[string][]float64{
	"clinic": {0.6, 1.4, 1.3, 1.0, 0.6, 0.9, 1.2, 1.1, 0.8, 0.6},
	"flat":   {1, 1},
}

// rateAt is the profile's multiplier at fraction u ∈ [0, 1] of the day.
func rateAt(knots []float64, u float64) float64 {
	u = min(max(u, 0), 1)
	x := u * float64(len(knots)-1)
	i := min(int(x), len(knots)-2)
	f := x - float64(i)
	return knots[i]*(1-f) + knots[i+1]*f
}

// MarshalJSON writes the scenario with its durations in minutes, the unit of
// every other figure in a Result.
func (s Scenario) MarshalJSON() ([]byte, error) {
	type plain Scenario // without this method
	m := func(d time.Duration) float64 { return d.Minutes() }
	return json.Marshal(struct {
		plain
		ServiceMean float64 `json:"serviceMean"`
		ServiceEnd  float64 `json:"serviceEnd"`
		Prior       float64 `json:"prior"`
		NoShowGrace float64 `json:"noShowGrace"`
		Patience    float64 `json:"patience"`
		Early       float64 `json:"early,omitempty"`
		EarlySpread float64 `json:"earlySpread,omitempty"`
	}{plain(s), m(s.ServiceMean), m(s.ServiceEnd), m(s.Prior), m(s.NoShowGrace), m(s.Patience), m(s.Early), m(s.EarlySpread)})
}

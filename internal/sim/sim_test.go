package sim

import (
	"context"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"smartwait/internal/queue"
	"smartwait/internal/sqlite"
)

// TestEstimatorBeatsFixedRule is issue 7's acceptance bound, on both scenarios
// with a fixed seed (accuracy is deterministic under a seed): SmartWait's mean
// absolute error is at most half the fixed rule's, and at most 10% of patients
// wait more than 10 minutes longer than quoted.
func TestEstimatorBeatsFixedRule(t *testing.T) {
	for _, sc := range []Scenario{Default(), Drift()} {
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			res := mustRun(t, sc)
			sw, fixed := res.SmartWait, res.Fixed
			t.Logf("SmartWait MAE %.1f (>10 late %.1f%%), fixed MAE %.1f (>10 late %.1f%%), range held %.1f%%",
				sw.MAE, sw.Over10*100, fixed.MAE, fixed.Over10*100, res.InRange*100)
			if res.Called < sc.Patients*8/10 {
				t.Fatalf("only %d of %d patients called", res.Called, sc.Patients)
			}
			if sw.MAE > fixed.MAE/2 {
				t.Errorf("SmartWait MAE %.1f min, more than half the fixed rule's %.1f", sw.MAE, fixed.MAE)
			}
			if sw.Over10 > 0.10 {
				t.Errorf("%.1f%% waited more than 10 min longer than quoted, want ≤ 10%%", sw.Over10*100)
			}
			// The quoted P10–P90 range should hold about 80% of waits.
			if res.InRange < 0.7 {
				t.Errorf("the quoted range held %.1f%% of waits, want at least 70%%", res.InRange*100)
			}
			if sw.UpdatesMAE > fixed.UpdatesMAE/2 {
				t.Errorf("over every quote, SmartWait MAE %.1f, fixed %.1f", sw.UpdatesMAE, fixed.UpdatesMAE)
			}
		})
	}
}

// TestRunIsRepeatable checks that a seed fixes the whole day, and that another
// seed gives another day.
func TestRunIsRepeatable(t *testing.T) {
	t.Parallel()
	sc := Default()
	sc.Patients = 40
	a, b := mustRun(t, sc), mustRun(t, sc)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("two runs with seed %d differ:\n%+v\n%+v", sc.Seed, a.SmartWait, b.SmartWait)
	}
	sc.Seed++
	if c := mustRun(t, sc); reflect.DeepEqual(a.Patients, c.Patients) {
		t.Fatal("seeds 1 and 2 gave the same day")
	}
}

// TestRunSeedsMatchesRun: RunSeeds runs its days in parallel, and each is the
// day Run gives for that seed, in seed order (less the updates it drops). The
// test script runs this package's long days without the race detector and
// this test with it (scripts/test.sh, go_test).
func TestRunSeedsMatchesRun(t *testing.T) {
	t.Parallel()
	sc := Default()
	sc.Patients, sc.Bound = 40, true
	seeds := []uint64{3, 1, 2, 5}
	days, err := RunSeeds(context.Background(), sc, seeds)
	if err != nil {
		t.Fatal(err)
	}
	for i, seed := range seeds {
		one := sc
		one.Seed = seed
		want := mustRun(t, one)
		want.Patients = compact(want.Patients)
		if !reflect.DeepEqual(days[i], want) {
			t.Errorf("RunSeeds' day %d (seed %d) differs from Run's", i, seed)
		}
	}
}

// TestRunAccountsForEveryPatient checks the records a run keeps.
func TestRunAccountsForEveryPatient(t *testing.T) {
	t.Parallel()
	sc := Default()
	sc.Patients, sc.NoShowRate, sc.CancelRate, sc.Patience = 80, 0.1, 0.3, 10*time.Minute
	res := mustRun(t, sc)
	if len(res.Patients) != sc.Patients {
		t.Fatalf("%d records for %d patients", len(res.Patients), sc.Patients)
	}
	outcomes := map[queue.Status]int{}
	prev := -1.0
	for _, p := range res.Patients {
		outcomes[p.Outcome]++
		if p.CheckIn < prev {
			t.Fatalf("patient %d checked in before patient %d", p.N, p.N-1)
		}
		prev = p.CheckIn
		if (p.Wait < 0) != (p.Outcome == queue.StatusCancelled) {
			t.Errorf("patient %d: outcome %s with wait %.1f", p.N, p.Outcome, p.Wait)
		}
		if !(p.QuoteLow <= p.Quote && p.Quote <= p.QuoteHigh) || p.Position < 1 {
			t.Errorf("patient %d: position %d, quote %d not within %d..%d", p.N, p.Position, p.Quote, p.QuoteLow, p.QuoteHigh)
		}
	}
	if outcomes[queue.StatusCompleted]+outcomes[queue.StatusNoShow]+outcomes[queue.StatusCancelled] != sc.Patients {
		t.Errorf("outcomes %v do not add up to %d", outcomes, sc.Patients)
	}
	if outcomes[queue.StatusNoShow] == 0 || outcomes[queue.StatusCancelled] == 0 {
		t.Errorf("outcomes %v: want some no-shows and cancellations", outcomes)
	}
	if res.Called != outcomes[queue.StatusCompleted]+outcomes[queue.StatusNoShow] || res.Cancelled != outcomes[queue.StatusCancelled] {
		t.Errorf("summary called %d cancelled %d, outcomes %v", res.Called, res.Cancelled, outcomes)
	}
	// The first patient of the day finds an idle clinic: quoted 0, called at once.
	if p := res.Patients[0]; p.Quote != 0 || p.Fixed != 0 || p.Wait != 0 {
		t.Errorf("first patient quoted %d (fixed %d), waited %.1f", p.Quote, p.Fixed, p.Wait)
	}
	if res.Utilisation < 0.5 || res.Utilisation > 1 {
		t.Errorf("measured utilisation %.2f for a scenario at %.2f", res.Utilisation, sc.Utilisation)
	}
}

func TestScenarioValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Scenario)
	}{
		{"no patients", func(s *Scenario) { s.Patients = 0 }},
		{"no rooms", func(s *Scenario) { s.Rooms = 0 }},
		{"overloaded beyond reason", func(s *Scenario) { s.Utilisation = 3 }},
		{"instant visits", func(s *Scenario) { s.ServiceMean = time.Second }},
		{"negative CV", func(s *Scenario) { s.ServiceCV = -1 }},
		{"everyone a no-show", func(s *Scenario) { s.NoShowRate = 1 }},
		{"unknown profile", func(s *Scenario) { s.Profile = "lunar" }},
	}
	if err := Default().Validate(); err != nil {
		t.Fatalf("default scenario: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := Default()
			tt.edit(&sc)
			if sc.Validate() == nil {
				t.Error("Validate accepted it")
			}
			if _, err := Run(context.Background(), sc, nil); err == nil {
				t.Error("Run accepted it")
			}
		})
	}
}

func mustRun(tb testing.TB, sc Scenario) *Result {
	tb.Helper()
	res, err := Run(context.Background(), sc, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

// TestScenariosMeetTheirTargets runs four days of the scenarios whose causes
// issue 14 named, and checks the pooled figures against the targets. Before
// the estimator learned no-shows and an unbiased mean, bimodal days had 15%
// of patients wait more than 10 minutes past their quote and a range that held
// 64% of waits, and the no-show days' range held 69%; before it noticed quiet
// rooms, 43% waited that long on days a room was left open unused.
func TestScenariosMeetTheirTargets(t *testing.T) {
	if testing.Short() {
		t.Skip("four simulated days per scenario; run without -short")
	}
	all := Scenarios()
	for _, name := range []string{"bimodal", "no-shows", "appointments", "room-closes", "room-left-open"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			days, err := RunSeeds(context.Background(), all[name], []uint64{1, 2, 3, 4})
			if err != nil {
				t.Fatal(err)
			}
			s := Summarize(days)
			t.Logf("%+v", s)
			if s.Late > 0.10 {
				t.Errorf("%.1f%% waited more than 10 min longer than quoted, want ≤ 10%%", s.Late*100)
			}
			if s.InRange < 0.75 {
				t.Errorf("the range held %.1f%% of waits, want ≥ 75%%", s.InRange*100)
			}
			if s.SmartWait > s.Fixed*0.75 {
				t.Errorf("MAE %.1f, fixed rule's %.1f", s.SmartWait, s.Fixed)
			}
		})
	}
}

func TestParseSteps(t *testing.T) {
	got, err := ParseSteps("2@0,1@4h, 3@50%")
	if err != nil {
		t.Fatal(err)
	}
	want := []Step{{Value: 2}, {Value: 1, At: 4 * time.Hour}, {Value: 3, Share: 0.5}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseSteps = %+v, want %+v", got, want)
	}
	for _, bad := range []string{"", "2", "x@1h", "2@soon", "2@-1h", "2@150%", "-1@0", "NaN@0"} {
		if _, err := ParseSteps(bad); err == nil {
			t.Errorf("ParseSteps(%q) accepted it", bad)
		}
	}
	sc := Default()
	sc.RoomSteps = []Step{{Value: 0, At: time.Hour}}
	if sc.Validate() == nil {
		t.Error("a schedule down to 0 rooms was accepted")
	}
}

// A room schedule is staff opening and closing rooms in SmartWait: the line's
// estimator then counts the rooms open now, not the setting.
func TestStaffOpenAndCloseRooms(t *testing.T) {
	ctx := context.Background()
	sc := Default()
	sc.RoomSteps = []Step{{Value: 1, Share: 0.5}, {Value: 3, Share: 0.75}}
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "sim.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := newRunner(sc, db)
	db.Now = r.now
	if err := r.setUpRooms(ctx); err != nil {
		t.Fatal(err)
	}
	open := func() (names []string, estimated int) {
		rooms, err := r.svc.Rooms(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, rm := range rooms {
			if rm.Open {
				names = append(names, rm.Name)
			}
		}
		lines, err := r.svc.Lines(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		q := lines[0].Queue
		return names, r.svc.LineEstimator(q).Rooms
	}
	if names, n := open(); !slices.Equal(names, []string{"Room 1", "Room 2"}) || n != 2 {
		t.Fatalf("at opening: open %v, estimator counts %d", names, n)
	}
	for _, tc := range []struct {
		want  int
		names []string
	}{{1, []string{"Room 1"}}, {3, []string{"Room 1", "Room 2", "Room 3"}}} {
		if err := r.staff(ctx, tc.want); err != nil {
			t.Fatal(err)
		}
		if names, n := open(); !slices.Equal(names, tc.names) || n != tc.want {
			t.Errorf("staff to %d rooms: open %v, estimator counts %d", tc.want, names, n)
		}
	}
	// The schedule's events are in the day: mid-day and three quarters in.
	var at []time.Duration
	for r.events.Len() > 0 {
		if ev := r.events.pop(); ev.kind == evRooms {
			at = append(at, ev.at.Sub(sc.Open))
		}
	}
	if len(at) != 2 || at[0] != r.dayLength/2 || at[1] != r.dayLength*3/4 {
		t.Errorf("room changes at %v in a day of %v", at, r.dayLength)
	}
}

// The day is as long as it takes the scenario's patients to keep the rooms
// that serve busy the scenario's share of the time: with one of two rooms
// closed for half the day, 1.5 rooms on average.
func TestDayLengthFollowsTheSchedule(t *testing.T) {
	sc := Scenarios()["room-closes"]
	plain := Default()
	if got, want := sc.dayLength(), time.Duration(float64(plain.dayLength())*2/1.5); absDur(got-want) > time.Minute {
		t.Errorf("room-closes day %v, want %v", got, want)
	}
	jump := Scenarios()["visit-jump"] // 9 then 18 minutes: 13.5 on average
	if got, want := jump.dayLength(), time.Duration(float64(plain.dayLength())*(0.95*13.5+0.05*3)/(0.95*9+0.05*3)); absDur(got-want) > time.Minute {
		t.Errorf("visit-jump day %v, want %v", got, want)
	}
}

func absDur(d time.Duration) time.Duration { return max(d, -d) }

// A mixture of visit kinds keeps the mean of the moment, whatever its shape.
func TestVisitMixKeepsTheMean(t *testing.T) {
	sc := Scenarios()["bimodal"]
	r := newRunner(sc, nil)
	var sum time.Duration
	long := 0
	const n = 40000
	for range n {
		d := r.visit()
		sum += d
		if d > 13*time.Minute { // the modes (6 and 21, CV 0.3) barely overlap here
			long++
		}
	}
	if mean := (sum / n).Minutes(); math.Abs(mean-9) > 0.15 {
		t.Errorf("mean visit %.2f min, want 9", mean)
	}
	if share := float64(long) / n; share < 0.17 || share > 0.21 {
		t.Errorf("%.1f%% visits over 13 min, want about 19%% (one in five long ones, most of them)", share*100)
	}
}

// Summarize pools the days and says which targets they miss.
func TestSummarize(t *testing.T) {
	day := func(quotes ...[3]float64) *Result { // wait, quote, fixed
		r := &Result{Scenario: Scenario{Name: "x"}}
		for _, q := range quotes {
			r.Patients = append(r.Patients, Patient{Wait: q[0], Quote: int(q[1]), QuoteLow: int(q[1]) - 2, QuoteHigh: int(q[1]) + 2, Fixed: int(q[2]), Oracle: int(q[2])})
		}
		return r
	}
	good := day([3]float64{10, 10, 30}, [3]float64{20, 21, 40}, [3]float64{-1, 5, 5})
	s := Summarize([]*Result{good, good})
	if s.Days != 2 || s.Called != 4 || s.SmartWait != 0.5 || s.Fixed != 20 || s.Late != 0 || s.LateDays != 2 || s.InRange != 1 || len(s.Fails) != 0 {
		t.Errorf("good days: %+v", s)
	}
	late := day([3]float64{30, 10, 30}, [3]float64{20, 21, 40})
	s = Summarize([]*Result{good, late})
	if s.Late != 0.25 || s.LateDays != 1 || len(s.Fails) != 2 || !strings.Contains(s.Fails[1], "1 of 2 days") {
		t.Errorf("a late day: %+v", s)
	}
}

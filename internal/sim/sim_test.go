package sim

import (
	"context"
	"reflect"
	"testing"
	"time"

	"smartwait/internal/queue"
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

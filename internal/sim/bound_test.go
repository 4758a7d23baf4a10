package sim

import (
	"slices"
	"testing"
)

// The perfect-knowledge median is the best quote any estimator can give on
// average: over days of two scenarios it beats SmartWait's and the oracle
// fixed rule's MAE, and it is a median — about as many waits end after it as
// before. A bound drawn from a wrong model of the day (a room schedule, a
// leaving rate or a visit mixture misread) fails one or the other.
func TestPerfectKnowledgeBoundsEveryEstimator(t *testing.T) {
	for _, name := range []string{"one-room", "bimodal"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var bound, sw, oracle, called float64
			above, counted := 0, 0
			for seed := uint64(1); seed <= 2; seed++ {
				sc := Scenarios()[name]
				sc.Seed, sc.Bound = seed, true
				res := mustRun(t, sc)
				if res.Bound == nil || res.BoundGuarded == nil {
					t.Fatal("no perfect-knowledge figures on a first-come day")
				}
				n := float64(res.Called)
				bound += res.Bound.MAE * n
				sw += res.SmartWait.MAE * n
				oracle += res.Oracle.MAE * n
				called += n
				for _, p := range res.Patients {
					if p.Wait >= 0 && p.Bound >= 10 {
						counted++
						if p.Wait > float64(p.Bound) {
							above++
						}
					}
					if p.Wait >= 0 && p.BoundGuarded < p.Bound {
						t.Fatalf("patient %d: guarded %d below the median %d", p.N, p.BoundGuarded, p.Bound)
					}
				}
			}
			share := float64(above) / float64(counted)
			bound, sw, oracle = bound/called, sw/called, oracle/called
			t.Logf("MAE: perfect median %.2f, SmartWait %.2f, oracle fixed %.2f; waits past the median %.1f%% of %d",
				bound, sw, oracle, share*100, counted)
			if bound >= sw || bound >= oracle {
				t.Errorf("perfect-knowledge MAE %.1f not below SmartWait's %.1f and the oracle's %.1f", bound, sw, oracle)
			}
			if share < 0.3 || share > 0.7 {
				t.Errorf("%.1f%% of waits ended after the perfect-knowledge median, want about half", share*100)
			}
		})
	}
}

// guardedPoints trades error for late patients: the median at no price, a
// quote that leaves nobody late at a high one, and never lower as the price
// rises.
func TestGuardedPoints(t *testing.T) {
	var waits []float64
	for i := range 101 {
		waits = append(waits, 20+float64(i)*0.4) // 20..60, median 40
	}
	slices.Sort(waits)
	got := guardedPoints(waits, 40)
	if got[0] != 40 {
		t.Errorf("at price 0: %d, want the median 40", got[0])
	}
	if last := got[len(got)-1]; last < 50 || last > 51 {
		t.Errorf("at price %v: %d, want 50 (nobody more than 10 past it)", boundWeights[len(boundWeights)-1], last)
	}
	if !slices.IsSorted(got) {
		t.Errorf("quotes fall as the price of a late patient rises: %v", got)
	}
	if boundWeights[boundGuard] != 90 {
		t.Errorf("boundGuard is price %v, want SmartWait's 90", boundWeights[boundGuard])
	}
}

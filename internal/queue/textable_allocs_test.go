//go:build !race

// Allocation bounds: the race detector changes allocation counts (sync.Pool
// drops items at random under -race), so these run without it; scripts/test.sh
// runs them in its "go test" section.

package queue

import "testing"

// TestCheckInPhoneAllocs holds a check-in's phone handling (validation, then
// textable) to one match of the number against its region's patterns:
// IsValidNumber and then GetNumberType matched it twice.
func TestCheckInPhoneAllocs(t *testing.T) {
	const max = 120 // 105 with phonenumbers v1.8.1; 150 when it matched twice
	countries := Config{PhoneRegion: "US"}.smsCountries()
	if n := testing.AllocsPerRun(100, func() {
		_, p, err := parsePhone("(415) 555-2671", "US")
		if err == nil {
			err = textable(p, "+14155552671", countries)
		}
		if err != nil {
			t.Fatal(err)
		}
	}); n > max {
		t.Errorf("%v allocations per check-in's phone, want at most %v", n, max)
	}
}

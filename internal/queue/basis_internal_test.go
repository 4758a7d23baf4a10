package queue

import (
	"testing"
	"time"
)

// storedTime is Truncate(storePrecision), exactly (the same wall, location and
// no monotonic reading), whether t needs truncating or not.
func TestStoredTimeIsTruncate(t *testing.T) {
	now := time.Now() // with a monotonic reading
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		ny = time.FixedZone("EST", -5*3600)
	}
	times := []time.Time{
		{},
		now,
		now.Truncate(time.Second),
		now.Truncate(storePrecision),
		now.Add(time.Microsecond),
		now.In(ny),
		time.Date(2026, 3, 2, 9, 30, 0, 999_999_999, time.UTC),
		time.Date(2026, 3, 2, 9, 30, 0, 5_000_000, ny),
		time.Date(1969, 12, 31, 23, 59, 59, 123_456_789, time.UTC),
		time.UnixMilli(1_700_000_000_123),
	}
	for _, tm := range times {
		if got, want := storedTime(tm), tm.Truncate(storePrecision); got != want {
			t.Errorf("storedTime(%v) = %#v, want %#v", tm, got, want)
		}
	}
}

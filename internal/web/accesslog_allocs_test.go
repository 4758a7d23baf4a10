//go:build !race

// Allocation bounds: the race detector changes allocation counts (sync.Pool
// drops items at random under -race), so these run without it; scripts/test.sh
// runs them in its "go test" section.

package web

import (
	"log/slog"
	"testing"
)

// TestAccessLogAllocs holds the access log and request metrics to a fixed number
// of allocations per request, however many fields the line has: the response
// writer wrapper, and at info the one slog makes for attrs beyond its five inline.
// Formatting the status code or looking up the series by label (WithLabelValues)
// on every request would each add one.
func TestAccessLogAllocs(t *testing.T) {
	for _, tc := range []struct {
		level slog.Level
		max   float64
	}{{slog.LevelInfo, 2}, {slog.LevelWarn, 1}} {
		t.Run(tc.level.String(), func(t *testing.T) {
			h, req, w := accessLogStack(t, tc.level)
			if n := testing.AllocsPerRun(200, func() { h.ServeHTTP(w, req) }); n > tc.max {
				t.Errorf("%v allocations per request, want at most %v", n, tc.max)
			}
		})
	}
}

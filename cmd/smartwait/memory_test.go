package main

import (
	"math"
	"path/filepath"
	"runtime/debug"
	"testing"
)

// TestServeSetsTheMemoryLimit: the server gives the Go runtime the soft memory
// limit of SMARTWAIT_MEMORY_LIMIT (64 MiB by default) while it runs, and puts
// the previous one back when it stops; 0 leaves the runtime's own.
func TestServeSetsTheMemoryLimit(t *testing.T) {
	orig := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(orig)
	for _, tt := range []struct {
		name  string
		value string // "" for the default
		want  int64
	}{
		{"default", "", 64 << 20},
		{"set", "200MiB", 200 << 20},
		{"off", "0", math.MaxInt64},
	} {
		t.Run(tt.name, func(t *testing.T) {
			debug.SetMemoryLimit(math.MaxInt64) // what a process starts with, without GOMEMLIMIT
			vars := map[string]string{"DATABASE_URL": filepath.Join(t.TempDir(), "mem.db")}
			if tt.value != "" {
				vars["SMARTWAIT_MEMORY_LIMIT"] = tt.value
			}
			s := startServer(t, vars)
			if got := debug.SetMemoryLimit(-1); got != tt.want {
				t.Errorf("memory limit while serving = %d, want %d", got, tt.want)
			}
			if err := s.stop(); err != nil {
				t.Fatal(err)
			}
			if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
				t.Errorf("memory limit after stop = %d, want the previous %d", got, int64(math.MaxInt64))
			}
		})
	}
}

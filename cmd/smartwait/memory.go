package main

import (
	"context"
	"errors"
	"runtime/debug"
	"strconv"
	"strings"
)

// DefaultMemoryLimit is the default of SMARTWAIT_MEMORY_LIMIT: 64 MiB of Go
// memory (heap, stacks, runtime), about what 5,000 idle Socket.IO clients
// after 5,000 check-ins need live plus a fifth, so such a server stays near
// 110 MiB of RSS instead of the ~125 MiB GOGC=100 lets it reach (it keeps up
// to twice the live heap). Measured: docs/benchmarks.md, "Memory and fan-out
// (issue 11)"; the trade-offs: docs/decisions.md.
const DefaultMemoryLimit = 64 << 20

// minMemoryLimit is the smallest limit accepted: below it the live memory of
// an idle server with a day's queue would already be over it, and the
// collector would run all the time.
const minMemoryLimit = 32 << 20

// parseMemoryLimit reads SMARTWAIT_MEMORY_LIMIT: 0 (no limit of ours) or a
// size written as GOMEMLIMIT is: a whole number of bytes with an optional
// unit B, KiB, MiB, GiB or TiB ("64MiB", "1GiB").
func parseMemoryLimit(c *Config, v string) error {
	n, err := parseBytes(v)
	if err != nil || (n != 0 && (n < minMemoryLimit || n > 1<<40)) {
		return errors.New("must be 0 or a size from 32MiB to 1TiB, e.g. 64MiB or 1GiB")
	}
	c.MemoryLimit = n
	return nil
}

// parseBytes parses a whole number with an optional binary unit.
func parseBytes(v string) (int64, error) {
	units := []struct {
		suffix string
		shift  uint
	}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}}
	shift := uint(0)
	for _, u := range units {
		if s, ok := strings.CutSuffix(v, u.suffix); ok {
			v, shift = s, u.shift
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > (1<<62)>>shift {
		return 0, errors.New("not a size")
	}
	return n << shift, nil
}

// setMemoryLimit gives the Go runtime its soft memory limit (limit > 0) for
// the life of the server, and puts the previous one back when it stops (tests
// run several servers in one process). Soft: when the live memory is above it
// the collector runs more often, using at most half the CPU, and the process
// grows past it; nothing fails. 0 leaves the runtime's own (GOMEMLIMIT, else
// none).
func (a *app) setMemoryLimit(limit int64) {
	if limit <= 0 {
		return
	}
	prev := debug.SetMemoryLimit(limit)
	a.log.Info("memory limit", "bytes", limit)
	a.onStop("memory limit", func(context.Context) error {
		debug.SetMemoryLimit(prev)
		return nil
	})
}

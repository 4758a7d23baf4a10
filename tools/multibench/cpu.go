package main

import (
	"fmt"
	"os"
	"time"
)

// watched is a process whose CPU a run reports: an instance, PostgreSQL (its
// postmaster and backends), Redis, this program.
type watched struct {
	name string
	pid  int
	tree bool // count children too (PostgreSQL's backends)
}

// cpuSnapshot is the CPU seconds each watched process and the machine had
// used at one moment.
type cpuSnapshot struct {
	at      time.Time
	procs   []float64 // per watched process; -1 when it could not be read
	machine float64
}

func takeCPU(ws []watched) cpuSnapshot {
	s := cpuSnapshot{at: time.Now(), procs: make([]float64, len(ws))}
	for i, w := range ws {
		var v float64
		var err error
		if w.tree {
			v, err = treeCPU(w.pid)
		} else {
			v, _, _, err = procTimes(w.pid)
		}
		if err != nil {
			v = -1
		}
		s.procs[i] = v
	}
	if m, err := machineBusy(); err == nil {
		s.machine = m
	}
	return s
}

// cpuUse turns two snapshots into cores used (CPU seconds per wall second)
// per watched process, plus "machine" (every core's busy time, ours and the
// other engineers') and "others" (machine minus the watched processes).
func cpuUse(ws []watched, a, b cpuSnapshot) map[string]float64 {
	wall := b.at.Sub(a.at).Seconds()
	out := map[string]float64{}
	if wall <= 0 {
		return out
	}
	ours := 0.0
	for i, w := range ws {
		if a.procs[i] < 0 || b.procs[i] < 0 {
			fmt.Fprintf(os.Stderr, "multibench: could not read the CPU of %s (pid %d)\n", w.name, w.pid)
			continue
		}
		v := (b.procs[i] - a.procs[i]) / wall
		out[w.name] = v
		ours += v
	}
	out["machine"] = (b.machine - a.machine) / wall
	out["others"] = max(0, out["machine"]-ours)
	return out
}

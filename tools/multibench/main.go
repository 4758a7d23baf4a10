// Command multibench measures SmartWait with several instances (issues 6, 12
// and 13): it starts one or more real binaries on one database (a fresh
// PostgreSQL schema and a Redis server, or a SQLite file for a single
// instance), then
//
//   - check-in throughput: -checkins POST /api/checkin from -concurrency clients,
//     spread round-robin over the instances (as a load balancer would) and
//     over the lines: -lines lines (the default line and -lines − 1 more,
//     issue 12), or -clinics clinics of -lines-per-clinic lines each, made
//     through the staff API (issue 13);
//
//   - call-next fan-out latency: SSE display streams of -fanout-lines of those
//     lines open on every instance; call-next requests one at a time, each
//     timed from the request to the queue_update (patient_called) arriving on
//     each stream, reported separately for the instance that served the call
//     ("same") and the others ("other", through Redis): first while the
//     check-ins run ("under load"), then -calls more after them ("idle");
//
//   - CPU during the check-ins, from /proc: each instance, PostgreSQL (its
//     postmaster and backends, found through its data directory), Redis (its
//     INFO process_id), this program, and the rest of the machine.
//
// -cpus 0,1 pins instance i to core i (GOMAXPROCS=1 and taskset), standing in
// for machines of one core each.
//
//	go run ./tools/multibench -bin bin/smartwait -instances 2 -cpus 0,1 -clinics 50 -lines-per-clinic 2 \
//	  -pg postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable -redis redis://127.0.0.1:56379/0
//	go run ./tools/multibench -bin bin/smartwait -instances 1     # SQLite
//	go run ./tools/multibench -summarize results.jsonl           # medians of -json runs
//
// tools/multibench/issue13.sh runs issue 13's table. It is a benchmark, not a
// test: numbers go to docs/benchmarks.md.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
)

const adminPassword = "bench-admin-password"

// config is a run's flags.
type config struct {
	bin, pg, redis   string
	instances        int
	checkins, conc   int
	calls            int
	lines            int
	clinics, perLine int
	fanoutLines      int
	pool             int
	cpus             []int
	profileDir       string
	profileSeconds   int
	label, jsonPath  string
}

func main() {
	var c config
	var cpus, summary string
	flag.StringVar(&c.bin, "bin", "bin/smartwait", "the smartwait binary")
	flag.IntVar(&c.instances, "instances", 1, "instances to start on the same database")
	flag.StringVar(&c.pg, "pg", "", "PostgreSQL server URL (a fresh schema is made); empty: SQLite (one instance only)")
	flag.StringVar(&c.redis, "redis", "", "Redis URL shared by the instances; empty: in-process broker")
	flag.IntVar(&c.checkins, "checkins", 3000, "check-ins to time")
	flag.IntVar(&c.conc, "concurrency", 32, "concurrent check-in clients")
	flag.IntVar(&c.calls, "calls", 50, "call-next requests to time after the check-ins (and at most as many during them)")
	flag.IntVar(&c.lines, "lines", 1, "lines the check-ins are spread over, without -clinics")
	flag.IntVar(&c.clinics, "clinics", 0, "clinics to create (staff API) and spread the check-ins over; 0: no clinics, -lines")
	flag.IntVar(&c.perLine, "lines-per-clinic", 2, "lines per clinic, with -clinics")
	flag.IntVar(&c.fanoutLines, "fanout-lines", 10, "lines (spread over the clinics) whose display streams time call-next")
	flag.IntVar(&c.pool, "pool", 0, "each instance's PostgreSQL pool size (pool_max_conns); 0: the binary's default, max(8, 4×GOMAXPROCS)")
	flag.StringVar(&cpus, "cpus", "", "comma-separated cores: instance i runs on core cpus[i mod len] with GOMAXPROCS=1; empty: not pinned")
	flag.StringVar(&c.profileDir, "profile", "", "directory for a CPU profile of each instance (pprof) taken during the check-ins")
	flag.IntVar(&c.profileSeconds, "profile-seconds", 5, "length of the -profile CPU profile")
	flag.StringVar(&c.label, "label", "", "name of the setup in -json results")
	flag.StringVar(&c.jsonPath, "json", "", "append the run's result as one JSON line to this file")
	flag.StringVar(&summary, "summarize", "", "print the medians of the results in this file (from -json) as a Markdown table, and exit")
	flag.Parse()
	if summary != "" {
		f, err := os.Open(summary)
		if err != nil {
			fail(err)
		}
		defer f.Close()
		if err := summarize(f, os.Stdout); err != nil {
			fail(err)
		}
		return
	}
	var err error
	if c.cpus, err = parseCPUs(cpus); err != nil {
		fail(err)
	}
	if err := c.validate(); err != nil {
		fail(err)
	}
	if err := run(c); err != nil {
		fail(err)
	}
}

func (c config) validate() error {
	switch {
	case c.clinics == 0 && (c.lines < 1 || c.lines > 677):
		return errors.New("-lines must be 1..677")
	case c.clinics < 0 || c.clinics > 99:
		return errors.New("-clinics must be 0..99")
	case c.clinics > 0 && (c.perLine < 1 || c.clinics*c.perLine > 676):
		return errors.New("-lines-per-clinic must be at least 1, and at most 676 lines in all")
	case c.pg == "" && c.instances != 1:
		return errors.New("several instances need -pg (SQLite is one process's file)")
	case c.checkins < 1 || c.checkins > 600000:
		return errors.New("-checkins must be 1..600000 (distinct phone numbers)")
	case c.fanoutLines < 1:
		return errors.New("-fanout-lines must be at least 1")
	}
	return nil
}

func parseCPUs(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("-cpus: %q is not a core number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "multibench:", err)
	os.Exit(1)
}

package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"smartwait/internal/sim"
)

// simulate runs `smartwait simulate`: one simulated clinic day against the real
// queue service on a throwaway database, and a report of how accurate the quoted
// waits were (see docs/estimates.md). It needs no configuration and touches no
// database of the deployment.
func simulate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("smartwait simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("scenario", "default", "starting scenario: "+strings.Join(sim.Names(), ", ")+", or all with --seeds (the flags below override it)")
	seeds := fs.String("seeds", "", "run one day per seed, FROM-TO (e.g. 1-30), and print one row per scenario against the targets")
	var set []func(*sim.Scenario)
	intFlag := func(flagName, usage string, f func(*sim.Scenario, int)) {
		fs.Func(flagName, usage, func(v string) error {
			var n int
			if _, err := fmt.Sscan(v, &n); err != nil {
				return fmt.Errorf("not a whole number: %q", v)
			}
			set = append(set, func(s *sim.Scenario) { f(s, n) })
			return nil
		})
	}
	floatFlag := func(flagName, usage string, f func(*sim.Scenario, float64)) {
		fs.Func(flagName, usage, func(v string) error {
			var x float64
			if _, err := fmt.Sscan(v, &x); err != nil {
				return fmt.Errorf("not a number: %q", v)
			}
			set = append(set, func(s *sim.Scenario) { f(s, x) })
			return nil
		})
	}
	mins := func(x float64) time.Duration { return time.Duration(x * float64(time.Minute)) }
	intFlag("patients", "patients arriving in the day (default 300)", func(s *sim.Scenario, n int) { s.Patients = n })
	intFlag("rooms", "rooms serving in parallel (default 2)", func(s *sim.Scenario, n int) { s.Rooms = n })
	floatFlag("utilisation", "share of room time busy over the day (default 0.85)", func(s *sim.Scenario, x float64) { s.Utilisation = x })
	floatFlag("service-mean", "mean visit, minutes, at opening (default 9)", func(s *sim.Scenario, x float64) { s.ServiceMean = mins(x) })
	floatFlag("service-end", "mean visit, minutes, at the last arrival: drift (default 0 = none)", func(s *sim.Scenario, x float64) { s.ServiceEnd = mins(x) })
	floatFlag("service-cv", "visit standard deviation / mean, log-normal (default 0.5)", func(s *sim.Scenario, x float64) { s.ServiceCV = x })
	floatFlag("prior", "the estimator's prior minutes per visit, SMARTWAIT_SERVICE_MINUTES (default 15)", func(s *sim.Scenario, x float64) { s.Prior = mins(x) })
	floatFlag("no-show", "share of patients who do not come when called (default 0.05)", func(s *sim.Scenario, x float64) { s.NoShowRate = x })
	floatFlag("cancel", "share of patients who would leave if the wait is long (default 0.05)", func(s *sim.Scenario, x float64) { s.CancelRate = x })
	fs.Func("profile", "arrival profile over the day: clinic or flat (default clinic)", func(v string) error {
		set = append(set, func(s *sim.Scenario) { s.Profile = v })
		return nil
	})
	stepsFlag := func(flagName, usage string, f func(*sim.Scenario, []sim.Step)) {
		fs.Func(flagName, usage, func(v string) error {
			steps, err := sim.ParseSteps(v)
			if err != nil {
				return err
			}
			set = append(set, func(s *sim.Scenario) { f(s, steps) })
			return nil
		})
	}
	stepsFlag("rooms-schedule", "rooms serving through the day, ROOMS@WHEN,… e.g. 2@0,1@4h or 1@50% (staff open and close rooms)", func(s *sim.Scenario, st []sim.Step) {
		for _, x := range st {
			if x.At == 0 && x.Share == 0 {
				s.Rooms = int(x.Value) // the count at opening
			}
		}
		s.RoomSteps = st
	})
	stepsFlag("service-step", "the mean visit, minutes, from a time on, MINUTES@WHEN,… e.g. 18@4h or 18@50%", func(s *sim.Scenario, st []sim.Step) { s.ServiceSteps = st })
	fs.Func("seed", "random seed: the same seed gives the same day (default 1)", func(v string) error {
		var n uint64
		if _, err := fmt.Sscan(v, &n); err != nil {
			return fmt.Errorf("not a whole number ≥ 0: %q", v)
		}
		set = append(set, func(s *sim.Scenario) { s.Seed = n })
		return nil
	})
	fs.BoolFunc("bound", "also work out the perfect-knowledge bound: what quotes drawn from the day's true model would achieve (slower)", func(string) error {
		set = append(set, func(s *sim.Scenario) { s.Bound = true })
		return nil
	})
	asJSON := fs.Bool("json", false, "write the figures and every patient's record as JSON instead of the report")
	svg := fs.String("svg", "", "also write a plot of the day's quotes and waits to this SVG file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("simulate: unexpected argument %q", fs.Arg(0))
	}
	names := []string{*name}
	if *name == "all" {
		if *seeds == "" {
			return fmt.Errorf("simulate: --scenario all needs --seeds (e.g. --seeds 1-30)")
		}
		names = sim.Names()
	}
	var scenarios []sim.Scenario
	for _, n := range names {
		sc, ok := sim.Scenarios()[n]
		if !ok {
			return fmt.Errorf("simulate: unknown scenario %q (%s, all)", n, strings.Join(sim.Names(), ", "))
		}
		for _, f := range set {
			f(&sc)
		}
		if err := sc.Validate(); err != nil {
			return fmt.Errorf("simulate: %w", err)
		}
		scenarios = append(scenarios, sc)
	}
	if *seeds != "" {
		return simulateSeeds(ctx, scenarios, *seeds, *asJSON, stdout)
	}
	sc := scenarios[0]

	var progress sim.Progress
	if f, ok := stdout.(*os.File); ok && isTerminal(f) && !*asJSON {
		progress = progressBar(stdout)
	}
	res, err := sim.Run(ctx, sc, progress)
	if progress != nil {
		fmt.Fprint(stdout, "\r\033[K") // clear the bar's line
	}
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	if *svg != "" {
		if err := writeSVG(*svg, res); err != nil {
			return fmt.Errorf("simulate: %w", err)
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", " ")
		return enc.Encode(res)
	}
	return sim.WriteReport(stdout, res)
}

// simulateSeeds runs every scenario once per seed and prints one row per
// scenario: the pooled figures and whether they meet the estimator's targets.
func simulateSeeds(ctx context.Context, scenarios []sim.Scenario, seedSpec string, asJSON bool, stdout io.Writer) error {
	seeds, err := sim.ParseSeeds(seedSpec)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	var rows []sim.Summary
	for _, sc := range scenarios {
		days, err := sim.RunSeeds(ctx, sc, seeds)
		if err != nil {
			return fmt.Errorf("simulate %s: %w", sc.Name, err)
		}
		rows = append(rows, sim.Summarize(days))
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", " ")
		return enc.Encode(rows)
	}
	return sim.WriteSummaries(stdout, seedSpec, rows)
}

func writeSVG(path string, res *sim.Result) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	return sim.WriteSVG(f, res)
}

// progressBar returns a Progress that redraws a one-line bar on w, at most once
// per percent so a terminal is not flooded.
func progressBar(w io.Writer) sim.Progress {
	last := -1
	return func(done, total int) {
		pct := done * 100 / max(total, 1)
		if pct == last {
			return
		}
		last = pct
		const width = 40
		n := done * width / max(total, 1)
		fmt.Fprintf(w, "\rsimulating [%s%s] %3d%% %d/%d patients", strings.Repeat("#", n), strings.Repeat(".", width-n), pct, done, total)
	}
}

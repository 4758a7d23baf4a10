package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"
)

// app is one running server: the parts serve started, and how to stop each. Parts
// are stopped in the reverse order of their start, so nothing is closed while a
// part started after it (and so possibly using it) still runs. Later parts — the
// real-time hub and broker, the SMS dispatcher — slot in with one onStop call each.
type app struct {
	cfg   Config
	log   *slog.Logger
	steps []stopStep
}

type stopStep struct {
	name string
	stop func(ctx context.Context) error
}

// onStop registers how to stop the part just started.
func (a *app) onStop(name string, stop func(ctx context.Context) error) {
	a.steps = append(a.steps, stopStep{name, stop})
}

// shutdown stops every part, last started first, each within what is left of
// ctx's deadline. It goes on after a failed step (the database must still be
// closed if the HTTP drain timed out) and returns every error.
func (a *app) shutdown(ctx context.Context) error {
	var errs []error
	for i := len(a.steps) - 1; i >= 0; i-- {
		s := a.steps[i]
		start := time.Now()
		if err := s.stop(ctx); err != nil {
			a.log.Error("shutdown step failed", "step", s.name, "err", err)
			errs = append(errs, fmt.Errorf("stop %s: %w", s.name, err))
			continue
		}
		a.log.Debug("stopped", "step", s.name, "took", time.Since(start))
	}
	a.steps = nil
	return errors.Join(errs...)
}

// newFlagSet returns a flag set for a command, with every configuration flag.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("smartwait "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	addConfigFlags(fs)
	return fs
}

// parseArgs parses args with fs, allowing flags after positional arguments
// ("staff add bob --role admin"), which the flag package alone stops at.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// newLogger returns the process's logger: text lines on stderr at the configured
// level. It is passed down, never stored globally.
func newLogger(stderr io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
}

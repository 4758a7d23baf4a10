package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"smartwait/internal/loadgen"
)

// loadTest runs `smartwait load`: drive a running SmartWait server on this
// machine over HTTP and Socket.IO, then print throughput, event latency and
// failures (see docs/benchmarks.md). The staff password falls back to
// SMARTWAIT_ADMIN_PASSWORD, which is how the test server was likely started.
func loadTest(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := loadgen.DefaultConfig()
	fs := flag.NewFlagSet("smartwait load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.URL, "url", cfg.URL, "the server to drive (loopback only)")
	fs.StringVar(&cfg.Username, "username", cfg.Username, "staff account that calls patients")
	fs.StringVar(&cfg.Password, "password", "", "its password (default $SMARTWAIT_ADMIN_PASSWORD)")
	fs.IntVar(&cfg.Patients, "patients", cfg.Patients, fmt.Sprintf("patients to check in, each with a socket (at most %d)", loadgen.MaxPatients))
	fs.IntVar(&cfg.Calls, "calls", 0, "call-next requests (default one per patient)")
	fs.Float64Var(&cfg.CallRate, "call-rate", cfg.CallRate, "call-next requests per second")
	fs.IntVar(&cfg.Concurrency, "concurrency", cfg.Concurrency, "parallel HTTP requests and socket handshakes")
	fs.DurationVar(&cfg.Duration, "duration", cfg.Duration, fmt.Sprintf("bound on the whole run (at most %s)", loadgen.MaxDuration))
	fs.DurationVar(&cfg.Drain, "drain", cfg.Drain, "wait this long after the last call for events in flight")
	fs.DurationVar(&cfg.ConnectTimeout, "connect-timeout", loadgen.DefaultConnectTimeout, "bound on one socket's handshake and room join (never on a connected socket)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("load: unexpected argument %q", fs.Arg(0))
	}
	if cfg.Password == "" {
		cfg.Password = getenv("SMARTWAIT_ADMIN_PASSWORD")
	}
	cfg.Progress = stderr
	rep, err := loadgen.Run(ctx, cfg)
	if rep != nil {
		rep.Write(stdout)
	}
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	return nil
}

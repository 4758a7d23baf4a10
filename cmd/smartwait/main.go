// Command smartwait runs SmartWait, a virtual waiting room for clinics: one binary
// with the REST API, the real-time transports, the web pages and the SMS
// dispatcher, on an embedded SQLite file by default.
//
//	smartwait [serve] [flags]              run the server (the default)
//	smartwait staff add|list|passwd|remove manage staff accounts
//	smartwait clinic add|list|remove       manage the clinics of the deployment
//	smartwait erase --phone NUMBER         erase a phone number's data now
//	smartwait migrate                      apply database migrations and exit
//	smartwait simulate [flags]             simulate a clinic day, report estimate accuracy
//	smartwait load [flags]                 drive a running server over HTTP and Socket.IO
//	smartwait version                      print the version
//
// Configuration comes from flags and environment variables, read in config.go
// only; see the README for the table.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	_ "time/tzdata" // SMARTWAIT_TIMEZONE must work on machines without /usr/share/zoneinfo
)

// version is the release, set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal, a second one kills at once: an operator pressing
		// Ctrl-C twice means "now", not "after the graceful drain".
		<-ctx.Done()
		stop()
	}()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
		// -h printed the usage: asking for help is not a failure.
	default:
		fmt.Fprintln(os.Stderr, "smartwait:", err)
		os.Exit(1)
	}
}

// run is the whole program, with the process's environment passed in so tests can
// run it in-process: args without the program name, getenv for the environment.
// It returns when the command is done or, for serve, when ctx is cancelled and the
// shutdown has finished.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd, rest := "serve", args
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, rest = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, rest, getenv, stdout, stderr)
	case "staff":
		return staff(ctx, rest, getenv, stdin, stdout, stderr)
	case "clinic":
		return clinic(ctx, rest, getenv, stdout, stderr)
	case "erase":
		return erase(ctx, rest, getenv, stdout, stderr)
	case "migrate":
		return migrate(ctx, rest, getenv, stdout, stderr)
	case "simulate":
		return simulate(ctx, rest, stdout, stderr)
	case "load":
		return loadTest(ctx, rest, getenv, stdout, stderr)
	case "version":
		fmt.Fprintf(stdout, "smartwait %s (%s %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return nil
	case "help":
		usage(stdout)
		return nil
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", cmd)
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Usage:
  smartwait [serve] [flags]                      run the server (default)
  smartwait staff add [--role staff|admin|kiosk] [--clinic SLUG[:ROLE]]... [--password P] USERNAME
  smartwait staff list
  smartwait staff passwd [--password P] USERNAME
  smartwait staff remove USERNAME
  smartwait clinic add --slug SLUG --name NAME --timezone ZONE [--sms-from +1…]
  smartwait clinic list
  smartwait clinic remove SLUG
  smartwait erase --phone NUMBER                 erase every ticket and text of a phone number now
  smartwait migrate                              apply database migrations
  smartwait simulate [--scenario NAME] [--seed N | --seeds 1-30] [--json] [--svg FILE]
                                                 simulate clinic days: estimate accuracy
  smartwait load [--url http://127.0.0.1:PORT] [--patients N] [--call-rate R]
                                                 load-test a running server (loopback only)
  smartwait version

simulate and load take their own flags (-h lists them). The other commands
accept the configuration flags (smartwait serve -h lists them);
environment variables are read when a flag is not given. Passwords not given with
--password are read from standard input, or prompted for on a terminal.
`)
}

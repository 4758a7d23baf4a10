package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"smartwait/internal/audit"
	"smartwait/internal/queue"
)

// clinic runs `smartwait clinic add|list|remove`: the clinics of the
// deployment (docs/clinics.md), for an operator with shell access, on the same
// database as serve (it can run while the server runs). The rules are the
// queue.Service's, as for the API's /api/staff/clinics; add and remove are
// recorded in the audit log with actor "cli", as `smartwait erase` is.
func clinic(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		usage(stderr)
		return errors.New("clinic: missing subcommand: add, list or remove")
	}
	sub := args[0]
	var c queue.Clinic
	var fs *flag.FlagSet
	switch sub {
	case "add":
		// --timezone is the new clinic's here, not the deployment's
		// SMARTWAIT_TIMEZONE, which add does not need.
		fs = configFlagsWithout("clinic add", stderr, "timezone")
		fs.StringVar(&c.Slug, "slug", "", "the clinic's slug (a-z, 0-9, '-'): its pages are /c/SLUG/")
		fs.StringVar(&c.Name, "name", "", "the clinic's name, in its texts and pages")
		fs.StringVar(&c.TimeZone, "timezone", "", "the clinic's IANA time zone, e.g. America/New_York")
		fs.StringVar(&c.SMSFrom, "sms-from", "", "the number its texts come from, E.164 (default: TWILIO_PHONE_NUMBER)")
	case "list", "remove":
		fs = newFlagSet("clinic "+sub, stderr)
	default:
		usage(stderr)
		return fmt.Errorf("clinic: unknown subcommand %q", sub)
	}
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return err
	}
	want := map[string]int{"add": 0, "list": 0, "remove": 1}[sub]
	if len(pos) != want {
		if want == 0 {
			return fmt.Errorf("clinic %s: unexpected argument %q", sub, pos[0])
		}
		return fmt.Errorf("clinic remove: want exactly one SLUG, got %d arguments", len(pos))
	}
	if sub == "add" {
		for _, f := range []struct{ flag, value string }{{"slug", c.Slug}, {"name", c.Name}, {"timezone", c.TimeZone}} {
			if strings.TrimSpace(f.value) == "" {
				return fmt.Errorf("clinic add: --%s is required, e.g. smartwait clinic add --slug north --name \"North Clinic\" --timezone America/Denver", f.flag)
			}
		}
	}
	cfs := fs
	if sub == "add" {
		cfs = configFlagsOf(fs, stderr)
	}
	cfg, err := loadConfig(cfs, getenv)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	clinics := &queue.Service{Store: db, Config: queueConfig(cfg)}

	switch sub {
	case "add":
		c, err = clinics.CreateClinic(ctx, c)
		if err := auditCLI(ctx, db, audit.ClinicAdd, c.Slug, err); err != nil {
			return fmt.Errorf("clinic add: %w", err)
		}
		fmt.Fprintf(stdout, "Added clinic %q (%s, %s); add its lines with POST /api/staff/lines and \"clinic\": %q.\n", c.Slug, c.Name, c.TimeZone, c.Slug)
	case "list":
		cs, err := clinics.Clinics(ctx)
		if err != nil {
			return fmt.Errorf("clinic list: %w", err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SLUG\tNAME\tTIMEZONE\tSMS FROM")
		for _, c := range cs {
			from := c.SMSFrom
			if from == "" {
				from = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Slug, c.Name, c.TimeZone, from)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	case "remove":
		err := clinics.DeleteClinic(ctx, pos[0])
		if err := auditCLI(ctx, db, audit.ClinicRemove, pos[0], err); err != nil {
			return fmt.Errorf("clinic remove: %w", err)
		}
		fmt.Fprintf(stdout, "Removed clinic %q with its lines and rooms.\n", pos[0])
	}
	return nil
}

// auditCLI records an operator's command on a clinic in the audit log, with
// the outcome err (nil: ok; a queue error: its code), and returns err joined
// with a failure to record it.
func auditCLI(ctx context.Context, db audit.Store, action audit.Action, slug string, err error) error {
	e := audit.Entry{Actor: cliActor, Action: action, Target: audit.Target{Kind: audit.TargetClinic, ID: slug}, Result: audit.ResultOK}
	if err != nil {
		var c interface{ ErrorCode() string }
		if !errors.As(err, &c) {
			return err // not the command's refusal: the database failed, and would not record it either
		}
		e.Result = c.ErrorCode()
	}
	if aerr := db.AppendAudit(ctx, &e); aerr != nil {
		err = errors.Join(err, fmt.Errorf("the audit log did not record it: %w", aerr))
	}
	return err
}

// configFlagsWithout is newFlagSet without the configuration flags named,
// which the command defines for itself; loadConfig then reads those settings
// from the environment only.
func configFlagsWithout(name string, stderr io.Writer, without ...string) *flag.FlagSet {
	all := newFlagSet(name, stderr)
	fs := flag.NewFlagSet(all.Name(), flag.ContinueOnError)
	fs.SetOutput(stderr)
	all.VisitAll(func(f *flag.Flag) {
		for _, w := range without {
			if f.Name == w {
				return
			}
		}
		fs.Var(f.Value, f.Name, f.Usage)
	})
	return fs
}

// configFlagsOf is a configuration flag set (newFlagSet) with the
// configuration flags set on fs set on it too, and nothing else: the
// command's own flags (add's --timezone) stay out of loadConfig.
func configFlagsOf(fs *flag.FlagSet, stderr io.Writer) *flag.FlagSet {
	cfs := newFlagSet(fs.Name(), stderr)
	fs.Visit(func(f *flag.Flag) {
		if g := cfs.Lookup(f.Name); g != nil && fs.Lookup(f.Name).Usage == g.Usage {
			_ = cfs.Set(f.Name, f.Value.String()) // a string flag takes any value
		}
	})
	return cfs
}

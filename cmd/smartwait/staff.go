package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"smartwait/internal/auth"
)

// staff runs `smartwait staff add|list|passwd|remove`: account management for an
// operator with shell access to the server, working on the same database as serve
// (it can run while the server runs).
func staff(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		usage(stderr)
		return errors.New("staff: missing subcommand: add, list, passwd or remove")
	}
	sub := args[0]
	fs := newFlagSet("staff "+sub, stderr)
	var role, password string
	var clinics clinicList
	switch sub {
	case "add":
		fs.StringVar(&role, "role", string(auth.RoleStaff), "staff, admin or kiosk")
		fs.Var(&clinics, "clinic", "bind the account to clinic SLUG[:ROLE] (repeat, or a comma list); none: the deployment (admin) or the default clinic")
		fs.StringVar(&password, "password", "", "the password (else read from stdin, or prompted for)")
	case "passwd":
		fs.StringVar(&password, "password", "", "the new password (else read from stdin, or prompted for)")
	case "list", "remove":
	default:
		usage(stderr)
		return fmt.Errorf("staff: unknown subcommand %q", sub)
	}
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return err
	}
	want := 1
	if sub == "list" {
		want = 0
	}
	if len(pos) != want {
		if want == 0 {
			return fmt.Errorf("staff list: unexpected argument %q", pos[0])
		}
		return fmt.Errorf("staff %s: want exactly one USERNAME, got %d arguments", sub, len(pos))
	}
	cfg, err := loadConfig(fs, getenv)
	if err != nil {
		return err
	}
	// Validate before opening the database or asking for a password, so a typo
	// costs nothing.
	if sub == "add" {
		if err := auth.ValidateRole(auth.Role(role)); err != nil {
			return fmt.Errorf("staff add: %w", err)
		}
		if err := clinics.validate(); err != nil {
			return fmt.Errorf("staff add: %w", err)
		}
	}
	if sub == "add" || sub == "passwd" {
		if err := auth.ValidateUsername(pos[0]); err != nil {
			return fmt.Errorf("staff %s: %w", sub, err)
		}
		if !flagSet(fs, "password") {
			if password, err = readPassword(stdin, stderr, pos[0]); err != nil {
				return fmt.Errorf("staff %s: %w", sub, err)
			}
		}
	}

	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	users := &auth.Service{Store: db, Cost: cfg.BcryptCost}

	switch sub {
	case "add":
		grants, err := clinics.grants(ctx, db)
		if err != nil {
			return fmt.Errorf("staff add: %w", err)
		}
		u, err := users.AddUserAt(ctx, pos[0], password, auth.Role(role), grants)
		if err != nil {
			return fmt.Errorf("staff add: %w", err)
		}
		fmt.Fprintf(stdout, "Added %s %q%s.\n", u.Role, u.Username, clinics.at())
	case "list":
		us, err := users.ListUsers(ctx)
		if err != nil {
			return fmt.Errorf("staff list: %w", err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		where, err := clinicNames(ctx, db)
		if err != nil {
			return fmt.Errorf("staff list: %w", err)
		}
		fmt.Fprintln(tw, "USERNAME\tROLE\tCREATED\tCLINICS")
		for _, u := range us {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Username, u.Role, u.CreatedAt.In(cfg.Location).Format(time.DateTime), where(u))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	case "passwd":
		if err := users.SetPassword(ctx, pos[0], password); err != nil {
			return fmt.Errorf("staff passwd: %w", err)
		}
		fmt.Fprintf(stdout, "Password of %q changed; their sessions were ended.\n", pos[0])
	case "remove":
		if err := users.RemoveUser(ctx, pos[0]); err != nil {
			return fmt.Errorf("staff remove: %w", err)
		}
		fmt.Fprintf(stdout, "Removed %q; their sessions were ended.\n", pos[0])
	}
	return nil
}

// flagSet reports whether the flag was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

// readPassword gets a password that was not given with --password: on a terminal
// it prompts twice without echo; otherwise (a pipe, a file) it reads the first
// line, so scripts can pass a password without it showing in `ps`.
func readPassword(stdin io.Reader, stderr io.Writer, username string) (string, error) {
	if f, ok := stdin.(*os.File); ok && isTerminal(f) {
		fmt.Fprintf(stderr, "Password for %s: ", username)
		pw, err := readNoEcho(f)
		fmt.Fprintln(stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		fmt.Fprint(stderr, "Repeat it: ")
		again, err := readNoEcho(f)
		fmt.Fprintln(stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		if pw != again {
			return "", errors.New("the passwords do not match")
		}
		return pw, nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password: give --password, pipe it on stdin, or run in a terminal to be prompted")
	}
	return line, nil
}

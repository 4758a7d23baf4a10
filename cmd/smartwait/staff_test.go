package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"smartwait/internal/auth"
	"smartwait/internal/sqlite"
)

// cli runs one command against the database at dbPath and returns its stdout.
func cli(tb testing.TB, dbPath, stdin string, args ...string) (string, error) {
	tb.Helper()
	var out, errOut bytes.Buffer
	vars := withFastHashes(map[string]string{"DATABASE_URL": dbPath})
	err := run(context.Background(), args, env(vars), strings.NewReader(stdin), &out, &errOut)
	return out.String(), err
}

// mustCLI is cli that fails the test on an error.
func mustCLI(tb testing.TB, dbPath, stdin string, args ...string) string {
	tb.Helper()
	out, err := cli(tb, dbPath, stdin, args...)
	if err != nil {
		tb.Fatalf("smartwait %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// login checks a password against the database the commands wrote, through the
// same auth.Service the server uses.
func login(tb testing.TB, dbPath, username, password string) (string, error) {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), dbPath)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	token, _, _, err := (&auth.Service{Store: db, Cost: 4}).Login(context.Background(), username, password)
	return token, err
}

func authenticate(tb testing.TB, dbPath, token string) error {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), dbPath)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	_, _, err = (&auth.Service{Store: db}).Authenticate(context.Background(), token)
	return err
}

func authCode(err error) string {
	var ae *auth.Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	return ""
}

// TestStaffLifecycle adds, lists, re-passwords and removes accounts with the
// staff subcommands and checks each effect through a real login.
func TestStaffLifecycle(t *testing.T) {
	db := filepath.Join(t.TempDir(), "staff.db")

	out := mustCLI(t, db, "", "staff", "add", "--password", "front-desk-1", "reception")
	if !strings.Contains(out, `Added staff "reception"`) {
		t.Errorf("add printed %q", out)
	}
	// Flags after the username, and the password from stdin (a pipe, not a terminal).
	mustCLI(t, db, "piped-secret-2\n", "staff", "add", "drsmith", "--role", "admin")

	out = mustCLI(t, db, "", "staff", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "USERNAME") ||
		!strings.HasPrefix(lines[1], "drsmith") || !strings.Contains(lines[1], "admin") ||
		!strings.HasPrefix(lines[2], "reception") || !strings.Contains(lines[2], "staff") {
		t.Errorf("list printed:\n%s", out)
	}

	if _, err := login(t, db, "reception", "front-desk-1"); err != nil {
		t.Errorf("login with the --password password: %v", err)
	}
	token, err := login(t, db, "drsmith", "piped-secret-2")
	if err != nil {
		t.Fatalf("login with the piped password: %v", err)
	}

	// passwd: the old password and every session stop working.
	mustCLI(t, db, "", "staff", "passwd", "drsmith", "--password", "new-secret-3")
	if _, err := login(t, db, "drsmith", "piped-secret-2"); authCode(err) != auth.CodeInvalidCredentials {
		t.Errorf("old password after passwd: %v", err)
	}
	if _, err := login(t, db, "drsmith", "new-secret-3"); err != nil {
		t.Errorf("new password after passwd: %v", err)
	}
	if err := authenticate(t, db, token); authCode(err) != auth.CodeUnauthorized {
		t.Errorf("session from before passwd: %v, want UNAUTHORIZED", err)
	}

	mustCLI(t, db, "", "staff", "remove", "reception")
	if _, err := login(t, db, "reception", "front-desk-1"); authCode(err) != auth.CodeInvalidCredentials {
		t.Errorf("login after remove: %v", err)
	}
	if out := mustCLI(t, db, "", "staff", "list"); strings.Contains(out, "reception") {
		t.Errorf("list after remove:\n%s", out)
	}
}

// TestStaffErrors: every refusal is an error with a message an operator can act
// on, and changes nothing.
func TestStaffErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "errors.db")
	mustCLI(t, db, "", "staff", "add", "--role", "admin", "--password", "only-admin-1", "boss")

	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"no subcommand", "", []string{"staff"}, "missing subcommand"},
		{"unknown subcommand", "", []string{"staff", "fire", "boss"}, `unknown subcommand "fire"`},
		{"add without username", "", []string{"staff", "add", "--password", "whatever-1"}, "want exactly one USERNAME"},
		{"add two usernames", "", []string{"staff", "add", "a1b", "c2d", "--password", "whatever-1"}, "want exactly one USERNAME"},
		{"list with argument", "", []string{"staff", "list", "boss"}, `unexpected argument "boss"`},
		{"add duplicate", "", []string{"staff", "add", "boss", "--password", "another-one-1"}, `User "boss" already exists`},
		{"add short password", "", []string{"staff", "add", "newbie", "--password", "short"}, "password must be 8-72 bytes"},
		{"add bad role", "", []string{"staff", "add", "newbie", "--role", "wizard", "--password", "long-enough-1"}, "role"},
		{"add bad username", "", []string{"staff", "add", "a b", "--password", "long-enough-1"}, "username"},
		{"add no password on empty stdin", "", []string{"staff", "add", "newbie"}, "no password"},
		{"passwd unknown user", "", []string{"staff", "passwd", "ghost", "--password", "long-enough-1"}, `User "ghost" not found`},
		{"remove unknown user", "", []string{"staff", "remove", "ghost"}, `User "ghost" not found`},
		{"remove last admin", "", []string{"staff", "remove", "boss"}, "last admin"},
		{"bad config", "", []string{"staff", "list", "--rooms", "0"}, `invalid --rooms "0"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := cli(t, db, tt.stdin, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
	// Nothing above changed the accounts.
	out := mustCLI(t, db, "", "staff", "list")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[1], "boss") {
		t.Errorf("accounts changed:\n%s", out)
	}
	if _, err := login(t, db, "boss", "only-admin-1"); err != nil {
		t.Errorf("boss can no longer log in: %v", err)
	}
}

// TestStaffAddBeforeFirstServe: accounts made with the CLI on a new database mean
// serve does not invent an admin on first start.
func TestStaffAddBeforeFirstServe(t *testing.T) {
	db := filepath.Join(t.TempDir(), "pre.db")
	mustCLI(t, db, "", "staff", "add", "--role", "admin", "--password", "chosen-by-me", "owner")
	srv := startServer(t, map[string]string{"DATABASE_URL": db})
	if b := strings.Join(srv.Banner, "\n"); strings.Contains(b, "Admin account") {
		t.Errorf("serve created an admin although accounts exist:\n%s", b)
	}
	c := &client{tb: t, base: srv.URL}
	c.must(200, "POST", "/api/staff/login", map[string]string{"username": "owner", "password": "chosen-by-me"}, nil)
}

func TestMigrate(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "sub", "m.db")
	if err := os.MkdirAll(filepath.Dir(db), 0o755); err != nil {
		t.Fatal(err)
	}
	for range 2 { // idempotent
		out := mustCLI(t, "sqlite://"+db, "", "migrate")
		if want := "Database " + db + " is up to date.\n"; out != want {
			t.Errorf("migrate printed %q, want %q", out, want)
		}
	}
	// The schema is really there: an account can be stored.
	mustCLI(t, db, "", "staff", "add", "--password", "after-migrate", "nurse")
	if _, err := login(t, db, "nurse", "after-migrate"); err != nil {
		t.Error(err)
	}
	if _, err := cli(t, db, "", "migrate", "extra"); err == nil || !strings.Contains(err.Error(), `unexpected argument "extra"`) {
		t.Errorf("migrate extra: %v", err)
	}
	if _, err := cli(t, filepath.Join(dir, "missing-dir", "x.db"), "", "migrate"); err == nil || !strings.Contains(err.Error(), "open database") {
		t.Errorf("migrate into a missing directory: %v", err)
	}
}

func TestHelp(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"help"}, env(nil), nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"staff add", "staff list", "staff passwd", "staff remove", "migrate", "version"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, out.String())
		}
	}
}

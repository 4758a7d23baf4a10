package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// runLoad runs `smartwait load` in-process with the given arguments.
func runLoad(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"load"}, args...), func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestLoadRefusesUnsafeRuns(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"a remote server", []string{"--url", "http://192.0.2.10:3001", "--password", "x"}, "loopback"},
		{"a remote name", []string{"--url", "https://clinic.example", "--password", "x"}, "loopback"},
		{"no password", []string{"--url", "http://127.0.0.1:1"}, "password"},
		{"too many patients", []string{"--patients", "20001", "--password", "x"}, "patients"},
		{"too long", []string{"--duration", "11m", "--password", "x"}, "duration"},
		{"more calls than patients", []string{"--patients", "10", "--calls", "11", "--password", "x"}, "calls"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runLoad(t, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one about %q\n%s", err, tt.want, out)
			}
		})
	}
}

// TestLoadChecksTheServerFirst runs load against a real server for the refusals
// that need one: a wrong password, a server that rate-limits check-ins (the run
// stops with the fix, and leaves the queue empty again).
func TestLoadChecksTheServerFirst(t *testing.T) {
	const pw = "load-test-password-1"
	srv := startServer(t, map[string]string{
		"DATABASE_URL":                 filepath.Join(t.TempDir(), "load.db"),
		"SMARTWAIT_ADMIN_PASSWORD":     pw,
		"SMARTWAIT_CHECKIN_RATE_LIMIT": "5",
	})
	_, err := runLoad(t, "--url", srv.URL, "--password", "wrong-password")
	if err == nil || !strings.Contains(err.Error(), "staff login") {
		t.Fatalf("wrong password: err = %v", err)
	}
	out, err := runLoad(t, "--url", srv.URL, "--password", pw, "--patients", "8", "--concurrency", "1")
	if err == nil || !strings.Contains(err.Error(), "SMARTWAIT_CHECKIN_RATE_LIMIT=0") {
		t.Fatalf("rate-limited check-ins: err = %v\n%s", err, out)
	}
	if !strings.Contains(out, "check-in (HTTP)") || !strings.Contains(out, "failed requests: 3") {
		t.Errorf("the report of the stopped run lacks its counts:\n%s", out)
	}
	// The 5 patients it did check in were cancelled: the queue is empty again.
	c := &client{tb: t, base: srv.URL}
	var login struct{ Token string }
	c.must(200, "POST", "/api/staff/login", map[string]string{"username": "admin", "password": pw}, &login)
	c.token = login.Token
	var active []map[string]any
	c.must(200, "GET", "/api/staff/queue", nil, &active)
	if len(active) != 0 {
		t.Errorf("queue has %d patients after the run: %v", len(active), active)
	}
}

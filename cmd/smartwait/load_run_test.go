package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadRun drives a real server, started in-process, over HTTP and
// Socket.IO: every call must reach every waiting patient's socket exactly as
// counted, nothing may fail, and the queue must be empty afterwards.
func TestLoadRun(t *testing.T) {
	const pw = "load-test-password-2"
	srv := startServer(t, map[string]string{
		"DATABASE_URL":                 filepath.Join(t.TempDir(), "load.db"),
		"SMARTWAIT_ADMIN_PASSWORD":     pw,
		"SMARTWAIT_CHECKIN_RATE_LIMIT": "0",
		// Every socket of a load run comes from 127.0.0.1.
		"SMARTWAIT_MAX_CONNECTIONS_PER_IP": "0",
	})
	out, err := runLoad(t, "--url", srv.URL, "--password", pw, "--patients", "30", "--calls", "10", "--call-rate", "50")
	if err != nil {
		t.Fatalf("load: %v\n%s", err, out)
	}
	// Patient p gets one event per call up to the one that calls them:
	// Σ min(p, 10) over p = 1..30 = 55 + 20×10 = 255.
	for _, want := range []string{"255 of 255 expected received, 0 missing", "failed requests: 0", "event latency"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	c := &client{tb: t, base: srv.URL}
	var login struct{ Token string }
	c.must(200, "POST", "/api/staff/login", map[string]string{"username": "admin", "password": pw}, &login)
	c.token = login.Token
	var active []map[string]any
	c.must(200, "GET", "/api/staff/queue", nil, &active)
	if len(active) != 0 {
		t.Errorf("queue has %d patients after the run", len(active))
	}
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"smartwait/api/apitest"
)

// startTimeout bounds how long a test waits for the server to print its address:
// a guard against a hung start, not a speed assertion.
const startTimeout = 60 * time.Second

// syncBuffer is a bytes.Buffer safe for the server's log writer and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// server is one in-process run() serving on a free port.
type server struct {
	URL    string   // http://127.0.0.1:port
	Banner []string // what it printed on stdout, up to bannerEnd
	Log    *syncBuffer
	stop   func() error
}

var listeningRE = regexp.MustCompile(`listening on (http://\S+)`)

// startServer runs `smartwait serve --addr 127.0.0.1:0` in-process with the given
// environment and waits until it prints its address. Cleanup stops it and fails
// the test if the graceful shutdown returned an error.
func startServer(tb testing.TB, vars map[string]string) *server {
	tb.Helper()
	return startServerArgs(tb, []string{"serve", "--addr", "127.0.0.1:0"}, vars)
}

// startServerArgs is startServer with the command line given; it must make the
// server listen on a free port.
func startServerArgs(tb testing.TB, args []string, vars map[string]string) *server {
	tb.Helper()
	vars = withFastHashes(vars)
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	logs := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		err := run(ctx, args, env(vars), strings.NewReader(""), pw, logs)
		pw.Close()
		done <- err
	}()

	// Read stdout to the end (the server must never block on it), handing the
	// banner to the test once the last banner line is out.
	type banner struct {
		url   string
		lines []string
	}
	ready := make(chan banner, 1)
	go func() {
		var b banner
		sent := false
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			if sent {
				continue
			}
			b.lines = append(b.lines, line)
			if m := listeningRE.FindStringSubmatch(line); m != nil {
				b.url = m[1]
			}
			if line == bannerEnd {
				ready <- b
				sent = true
			}
		}
		if !sent {
			ready <- b
		}
	}()

	s := &server{Log: logs}
	var stopOnce sync.Once
	var stopErr error
	s.stop = func() error {
		stopOnce.Do(func() {
			cancel()
			stopErr = <-done
		})
		return stopErr
	}
	tb.Cleanup(func() {
		if err := s.stop(); err != nil {
			tb.Errorf("shutdown: %v\nlog:\n%s", err, logs.String())
		}
	})

	select {
	case b := <-ready:
		if b.url == "" {
			err := s.stop()
			tb.Fatalf("server did not start: %v\nstdout:\n%s\nlog:\n%s", err, strings.Join(b.lines, "\n"), logs.String())
		}
		s.URL, s.Banner = b.url, b.lines
	case <-time.After(startTimeout):
		tb.Fatalf("server printed no address within %v\nlog:\n%s", startTimeout, logs.String())
	}
	return s
}

// withFastHashes returns vars plus the cheapest bcrypt cost, unless the test set
// one: the default cost takes seconds per hash under the race detector, and the
// cost changes nothing but speed (internal/auth tests the default).
func withFastHashes(vars map[string]string) map[string]string {
	out := map[string]string{"SMARTWAIT_BCRYPT_COST": "4"}
	for k, v := range vars {
		out[k] = v
	}
	return out
}

// client talks JSON to a server and decodes the envelope.
type client struct {
	tb    testing.TB
	base  string
	token string
}

type envelope struct {
	Success bool            `json:"success"`
	Data    json.RawMessage `json:"data"`
	Message string          `json:"message"`
	Count   *int            `json:"count"`
	Error   *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// do sends a request with a JSON body (nil: none) and returns the status and the
// decoded envelope; into, if not nil, receives data.
func (c *client) do(method, path string, body any, into any) (int, envelope) {
	c.tb.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.tb.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.tb.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.tb.Fatal(err)
	}
	// Every response of the running binary matches the API document too.
	chk, err := apitest.Shared()
	if err != nil {
		c.tb.Fatal(err)
	}
	if err := chk.Response(req, resp.StatusCode, resp.Header, raw); err != nil {
		c.tb.Errorf("API document mismatch: %v", err)
	}
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		c.tb.Fatalf("%s %s: status %d, body is not JSON: %q", method, path, resp.StatusCode, raw)
	}
	if into != nil && env.Data != nil {
		if err := json.Unmarshal(env.Data, into); err != nil {
			c.tb.Fatalf("%s %s: data %s: %v", method, path, env.Data, err)
		}
	}
	return resp.StatusCode, env
}

// must is do that fails the test unless the status is want.
func (c *client) must(want int, method, path string, body any, into any) envelope {
	c.tb.Helper()
	code, env := c.do(method, path, body, into)
	if code != want {
		c.tb.Fatalf("%s %s: status %d, want %d; envelope %+v data %s", method, path, code, want, env, env.Data)
	}
	return env
}

var adminLineRE = regexp.MustCompile(`Admin account created: username "admin", password "([^"]+)"`)

// TestServeEndToEnd starts the real program on a free port with a new database
// and drives one clinic morning over HTTP, then restarts it on the same database.
func TestServeEndToEnd(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "e2e.db")
	vars := map[string]string{"DATABASE_URL": "sqlite://" + dbPath, "SMARTWAIT_TIMEZONE": "UTC"}
	srv := startServer(t, vars)

	// The banner names every page and prints the generated admin password once.
	banner := strings.Join(srv.Banner, "\n")
	for _, p := range []string{"/", "/staff", "/display", "/kiosk", "/qr", "/health", "/metrics"} {
		if !strings.Contains(banner, srv.URL+p+"\n") && !strings.HasSuffix(banner, srv.URL+p) {
			t.Errorf("banner does not list %s%s:\n%s", srv.URL, p, banner)
		}
	}
	m := adminLineRE.FindStringSubmatch(banner)
	if m == nil {
		t.Fatalf("banner has no admin credentials:\n%s", banner)
	}
	adminPassword := m[1]
	if strings.Contains(srv.Log.String(), adminPassword) {
		t.Error("the admin password was written to the log")
	}

	c := &client{tb: t, base: srv.URL}

	var health struct {
		Status   string `json:"status"`
		Version  string `json:"version"`
		Database struct {
			Status string `json:"status"`
		} `json:"database"`
	}
	c.must(http.StatusOK, "GET", "/health", nil, &health)
	if health.Status != "ok" || health.Database.Status != "ok" || health.Version != version {
		t.Errorf("health = %+v, want ok/ok/%s", health, version)
	}

	type checkedIn struct {
		PatientID     string `json:"patientId"`
		Position      int    `json:"position"`
		EstimatedWait int    `json:"estimatedWait"`
		Status        string `json:"status"`
		TicketNumber  string `json:"ticketNumber"`
	}
	var ann, bob checkedIn
	c.must(http.StatusCreated, "POST", "/api/checkin", map[string]string{"name": "Ann Lee", "phone": "(415) 555-2671", "appointmentTime": "09:30"}, &ann)
	c.must(http.StatusCreated, "POST", "/api/checkin", map[string]string{"name": "José García", "phone": "+14155552672", "appointmentTime": "09:45"}, &bob)
	if ann.Position != 1 || ann.EstimatedWait != 0 || ann.TicketNumber != "A-001" || ann.Status != "waiting" {
		t.Errorf("first check-in = %+v, want position 1, wait 0, A-001, waiting", ann)
	}
	if bob.Position != 2 || bob.EstimatedWait != 15 || bob.TicketNumber != "A-002" {
		t.Errorf("second check-in = %+v, want position 2, wait 15, A-002", bob)
	}
	if _, env := c.do("POST", "/api/checkin", map[string]string{"name": "Ann again", "phone": "415-555-2671", "appointmentTime": "10:00"}, nil); env.Error == nil || env.Error.Code != "DUPLICATE_CHECKIN" {
		t.Errorf("duplicate check-in: %+v, want DUPLICATE_CHECKIN", env)
	}

	type position struct {
		Position      int    `json:"position"`
		Status        string `json:"status"`
		EstimatedWait int    `json:"estimatedWait"`
		QueueLength   int    `json:"queueLength"`
	}
	var pos position
	c.must(http.StatusOK, "GET", "/api/position/"+bob.PatientID, nil, &pos)
	if pos.Position != 2 || pos.Status != "waiting" || pos.QueueLength != 2 {
		t.Errorf("bob's position = %+v, want 2 of 2, waiting", pos)
	}

	// Staff: the wrong password fails, the printed one works.
	if code, env := c.do("POST", "/api/staff/login", map[string]string{"username": "admin", "password": "not-it-at-all"}, nil); code != http.StatusUnauthorized || env.Error.Code != "INVALID_CREDENTIALS" {
		t.Errorf("login with a wrong password: %d %+v", code, env.Error)
	}
	var login struct {
		Token string `json:"token"`
		Role  string `json:"role"`
	}
	c.must(http.StatusOK, "POST", "/api/staff/login", map[string]string{"username": "admin", "password": adminPassword}, &login)
	if login.Token == "" || login.Role != "admin" {
		t.Fatalf("login = %+v", login)
	}
	staff := &client{tb: t, base: srv.URL, token: login.Token}

	var called struct {
		PatientID    string `json:"patientId"`
		Status       string `json:"status"`
		TicketNumber string `json:"ticketNumber"`
		Room         string `json:"room"`
	}
	staff.must(http.StatusOK, "POST", "/api/staff/call-next", map[string]string{"room": "Room 2"}, &called)
	if called.PatientID != ann.PatientID || called.Status != "called" || called.Room != "Room 2" {
		t.Errorf("call-next = %+v, want Ann called to Room 2", called)
	}
	c.must(http.StatusOK, "GET", "/api/status/"+bob.PatientID, nil, &pos)
	if pos.Position != 1 || pos.EstimatedWait != 15 {
		t.Errorf("after call-next bob = %+v, want position 1 waiting 15", pos)
	}

	staff.must(http.StatusOK, "POST", "/api/staff/complete", map[string]string{"patientId": ann.PatientID}, nil)
	var ap position
	c.must(http.StatusOK, "GET", "/api/position/"+ann.PatientID, nil, &ap)
	if ap.Status != "completed" || ap.Position != 0 {
		t.Errorf("ann after complete = %+v", ap)
	}

	var stats struct {
		TotalWaiting   int `json:"totalWaiting"`
		TotalCalled    int `json:"totalCalled"`
		TotalCompleted int `json:"totalCompleted"`
	}
	staff.must(http.StatusOK, "GET", "/api/staff/stats", nil, &stats)
	if stats.TotalWaiting != 1 || stats.TotalCalled != 0 || stats.TotalCompleted != 1 {
		t.Errorf("stats = %+v, want 1 waiting, 0 called, 1 completed", stats)
	}

	// Metrics come from the registry run made: Go runtime collectors included.
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Contains(metrics, []byte("go_goroutines")) {
		t.Errorf("/metrics: status %d, no go_goroutines in %.200s", resp.StatusCode, metrics)
	}

	staff.must(http.StatusOK, "POST", "/api/staff/logout", nil, nil)
	if code, _ := staff.do("GET", "/api/staff/me", nil, nil); code != http.StatusUnauthorized {
		t.Errorf("me after logout: status %d, want 401", code)
	}

	// Graceful shutdown returns nil and closes the database...
	if err := srv.stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if _, err := http.Get(srv.URL + "/health"); err == nil {
		t.Error("the server still answers after shutdown")
	}

	// ...and a restart on the same file keeps the queue and the account, and does
	// not create or print another admin.
	again := startServer(t, vars)
	if b := strings.Join(again.Banner, "\n"); strings.Contains(b, "Admin account") {
		t.Errorf("second start printed admin credentials again:\n%s", b)
	}
	c2 := &client{tb: t, base: again.URL}
	c2.must(http.StatusOK, "GET", "/api/position/"+bob.PatientID, nil, &pos)
	if pos.Position != 1 || pos.Status != "waiting" {
		t.Errorf("after restart bob = %+v, want position 1 waiting", pos)
	}
	c2.must(http.StatusOK, "POST", "/api/staff/login", map[string]string{"username": "admin", "password": adminPassword}, &login)
}

// TestServeAdminPasswordFromEnv: with SMARTWAIT_ADMIN_PASSWORD the bootstrap
// account uses it, and the banner does not repeat it.
func TestServeAdminPasswordFromEnv(t *testing.T) {
	const pw = "clinic-open-sesame"
	srv := startServer(t, map[string]string{
		"DATABASE_URL": filepath.Join(t.TempDir(), "env.db"), "SMARTWAIT_ADMIN_PASSWORD": pw,
	})
	banner := strings.Join(srv.Banner, "\n")
	if !strings.Contains(banner, `password from SMARTWAIT_ADMIN_PASSWORD`) || strings.Contains(banner, pw) {
		t.Errorf("banner:\n%s", banner)
	}
	c := &client{tb: t, base: srv.URL}
	c.must(http.StatusOK, "POST", "/api/staff/login", map[string]string{"username": "admin", "password": pw}, nil)
}

// TestServeBadConfig: a bad value stops start-up before anything is opened.
func TestServeBadConfig(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "never.db")
	err := run(context.Background(), nil, env(map[string]string{"DATABASE_URL": dbPath, "SMARTWAIT_ROOMS": "two"}), nil, io.Discard, io.Discard)
	if err == nil || err.Error() != `invalid SMARTWAIT_ROOMS "two": must be a whole number from 1 to 1000` {
		t.Fatalf("err = %v", err)
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, "*")); len(matches) > 0 {
		t.Errorf("bad config still created %v", matches)
	}
}

// TestServeAddressInUse: a port that is taken is a start-up error, and the
// database opened before it is closed again.
func TestServeAddressInUse(t *testing.T) {
	first := startServer(t, map[string]string{"DATABASE_URL": filepath.Join(t.TempDir(), "a.db")})
	addr := strings.TrimPrefix(first.URL, "http://")
	err := run(context.Background(), []string{"--addr", addr}, env(withFastHashes(map[string]string{"DATABASE_URL": filepath.Join(t.TempDir(), "b.db")})), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "listen on "+addr) {
		t.Fatalf("err = %v, want a listen error for %s", err, addr)
	}
}

func TestUnknownCommand(t *testing.T) {
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"frobnicate"}, env(nil), nil, io.Discard, &stderr)
	if err == nil || !strings.Contains(err.Error(), `unknown command "frobnicate"`) || !strings.Contains(stderr.String(), "Usage:") {
		t.Errorf("err = %v, stderr %q", err, stderr.String())
	}
}

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, env(nil), nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("smartwait %s (go", version); !strings.HasPrefix(out.String(), want) {
		t.Errorf("version printed %q, want prefix %q", out.String(), want)
	}
}

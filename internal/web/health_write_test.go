package web

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"smartwait/internal/sqlite/sqlitetest"
)

// pollTimeout bounds how long a test polls for a state the server reaches by
// itself: a guard against a hang, not a speed assertion.
const pollTimeout = 30 * time.Second

// openSecond opens a second, independent connection pool on the harness's
// database file, as another process would.
func openSecond(tb testing.TB, h *harness) *sql.DB {
	tb.Helper()
	other, err := sql.Open("sqlite", "file:"+h.db.Path()+"?_pragma=busy_timeout(5000)")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { other.Close() })
	return other
}

// wantHealthDown checks a /health answer that says writes cannot commit.
func wantHealthDown(tb testing.TB, res response) {
	tb.Helper()
	res.want(tb, http.StatusServiceUnavailable)
	if res.str(tb, "status") != "down" || res.str(tb, "database.status") != "down" || res.Body["database"].(map[string]any)["writable"] != false {
		tb.Fatalf("want status down, database down and not writable: %s", res.Raw)
	}
}

// waitHealthOK polls /health (moving the clock past the probe's cache) until it
// says ok again.
func waitHealthOK(tb testing.TB, h *harness) {
	tb.Helper()
	deadline := time.Now().Add(pollTimeout)
	for {
		h.clock.Add(2 * writeProbeMaxAge)
		res := h.do("GET", "/health", "")
		if res.Code == http.StatusOK && res.str(tb, "status") == "ok" && res.Body["database"].(map[string]any)["writable"] == true {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("/health still not ok after %v: %s", pollTimeout, res.Raw)
		}
		time.Sleep(20 * time.Millisecond) // polling for a state, not synchronising
	}
}

// TestHealthWriteLockHeld: while another process holds SQLite's write lock, reads
// still work but no write can commit, and /health says so with 503 "down" (after
// the probe's deadline, not SQLite's 5 s busy timeout); once the lock is released
// it says ok again.
func TestHealthWriteLockHeld(t *testing.T) {
	h := newHarness(t, func(d *Deps) { d.Config.HealthWriteTimeout = 200 * time.Millisecond })
	res := h.do("GET", "/health", "").want(t, http.StatusOK)
	if res.str(t, "database.status") != "ok" || res.Body["database"].(map[string]any)["writable"] != true {
		t.Fatalf("healthy database: %s", res.Raw)
	}

	release := sqlitetest.HoldWriteLock(t, h.db.Path())
	h.clock.Add(2 * writeProbeMaxAge)
	wantHealthDown(t, h.do("GET", "/health", ""))
	// A flood meanwhile joins the probe stuck behind the lock: still down.
	wantHealthDown(t, h.do("GET", "/health", ""))

	release()
	waitHealthOK(t, h)
}

// TestHealthWriteProbeShared: many concurrent /health calls commit one probe
// write between them (counted in the health_check row itself), and each answers ok.
func TestHealthWriteProbeShared(t *testing.T) {
	h := newHarness(t)
	other := openSecond(t, h)
	count := func() int {
		var n int
		if err := other.QueryRow(`SELECT n FROM health_check WHERE id = 1`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	h.do("GET", "/health", "").want(t, http.StatusOK)
	before := count()

	h.clock.Add(2 * writeProbeMaxAge) // the last outcome is stale: the next call probes
	const calls = 50
	var wg sync.WaitGroup
	codes := make(chan int, calls)
	for range calls {
		wg.Go(func() { codes <- h.do("GET", "/health", "").Code })
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != http.StatusOK {
			t.Errorf("a concurrent /health answered %d", c)
		}
	}
	if got := count() - before; got != 1 {
		t.Errorf("%d concurrent /health calls made %d probe writes, want 1", calls, got)
	}
}

// TestWriteProbeDeadline: a probe whose write never returns (SQLite's busy
// handler does not watch the context) does not hold its callers past the
// deadline, and callers meanwhile share it rather than start more writes. If
// check waited for the write, this test would hang, not pass.
func TestWriteProbeDeadline(t *testing.T) {
	release := make(chan struct{})
	var writes atomic.Int32
	clk := &clock{t: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)}
	p := &writeProbe{
		write: func(context.Context) error {
			writes.Add(1)
			<-release
			return nil
		},
		timeout: 50 * time.Millisecond, maxAge: time.Second, now: clk.Now,
		log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for range 3 {
		if err := p.check(context.Background()); !errors.Is(err, errWriteProbeTimeout) {
			t.Fatalf("check with the write stuck = %v, want a timeout", err)
		}
	}
	close(release)
	deadline := time.Now().Add(pollTimeout)
	for p.check(context.Background()) != nil {
		if time.Now().After(deadline) {
			t.Fatal("the probe never reported the write that finished")
		}
		time.Sleep(10 * time.Millisecond) // polling for a state, not synchronising
	}
	if n := writes.Load(); n != 1 {
		t.Errorf("%d writes, want 1 shared by every caller", n)
	}
}

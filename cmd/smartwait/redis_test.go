package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"smartwait/internal/tcpproxy"
)

// redisTestURL returns REDIS_URL_TEST, or skips the test (fails it when
// SMARTWAIT_REQUIRE_INTEGRATION=1) when it is unset.
func redisTestURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv("REDIS_URL_TEST")
	if u == "" {
		if os.Getenv("SMARTWAIT_REQUIRE_INTEGRATION") == "1" {
			tb.Fatal("REDIS_URL_TEST is unset but SMARTWAIT_REQUIRE_INTEGRATION=1: the Redis integration tests must run")
		}
		tb.Skip("set REDIS_URL_TEST to run Redis tests; `make test` does")
	}
	return u
}

type healthReport struct {
	Status string `json:"status"`
	Broker struct {
		Status string `json:"status"`
		Kind   string `json:"kind"`
	} `json:"broker"`
}

// TestServeRedisOutage runs the real program with REDIS_URL and takes Redis away:
// /health says degraded (200: the database answers), check-ins still succeed, and
// once Redis is back the broker reports ok again by itself.
func TestServeRedisOutage(t *testing.T) {
	addr := strings.TrimPrefix(redisTestURL(t), "redis://")
	addr, _, _ = strings.Cut(addr, "/")
	proxy := tcpproxy.New(t, addr)
	srv := startServer(t, map[string]string{
		"DATABASE_URL": filepath.Join(t.TempDir(), "r.db"),
		"REDIS_URL":    "redis://" + proxy.Addr() + "/0",
	})
	c := &client{tb: t, base: srv.URL}
	health := func() (int, healthReport) {
		var h healthReport
		code, _ := c.do(http.MethodGet, "/health", nil, &h)
		return code, h
	}
	// waitHealth polls /health until it reports status (a failure deadline, not a
	// timing assertion: the broker notices the outage asynchronously).
	waitHealth := func(status string) healthReport {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			code, h := health()
			if h.Status == status {
				if code != http.StatusOK {
					t.Errorf("/health %q answered %d, want 200 (the database is fine)", status, code)
				}
				return h
			}
			if time.Now().After(deadline) {
				t.Fatalf("/health stayed %+v, want status %q", h, status)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if h := waitHealth("ok"); h.Broker.Kind != "redis" || h.Broker.Status != "ok" {
		t.Fatalf("broker %+v, want redis ok", h.Broker)
	}
	checkIn := func(phone string) {
		t.Helper()
		c.must(http.StatusCreated, http.MethodPost, "/api/checkin",
			map[string]string{"name": "Ana", "phone": phone, "appointmentTime": "10:00"}, nil)
	}
	checkIn("+12127362001")

	proxy.Stop()
	if h := waitHealth("degraded"); h.Broker.Status != "degraded" {
		t.Errorf("broker during the outage %+v, want degraded", h.Broker)
	}
	checkIn("+12127362002") // a failing side channel never fails a queue operation

	proxy.Start(t)
	waitHealth("ok")
	checkIn("+12127362003")
}

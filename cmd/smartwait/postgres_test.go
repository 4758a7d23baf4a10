package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"smartwait/internal/postgres/pgtest"
	"smartwait/internal/tcpproxy"
)

// TestServePostgres runs the real program on PostgreSQL (DATABASE_URL postgres://)
// and takes the database away under it: requests that need the database answer
// 503 DATABASE_UNAVAILABLE (they return: a hang would time the test out), /health
// says so, and the same process serves again as soon as the database is back.
func TestServePostgres(t *testing.T) {
	u, err := url.Parse(pgtest.SchemaURL(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := tcpproxy.New(t, u.Host)
	u.Host = proxy.Addr()
	srv := startServer(t, map[string]string{"DATABASE_URL": u.String(), "SMARTWAIT_TIMEZONE": "UTC"})
	if banner := strings.Join(srv.Banner, "\n"); !strings.Contains(banner, "postgres://postgres@"+proxy.Addr()) {
		t.Errorf("banner does not name the PostgreSQL database:\n%s", banner)
	}
	c := &client{tb: t, base: srv.URL}
	type entry struct {
		PatientID string `json:"patientId"`
		Position  int    `json:"position"`
	}
	checkIn := func(phone string) (int, envelope, entry) {
		var e entry
		code, env := c.do(http.MethodPost, "/api/checkin", map[string]string{
			"name": "Ana", "phone": phone, "appointmentTime": "10:00"}, &e)
		return code, env, e
	}
	var health struct {
		Status   string `json:"status"`
		Database struct {
			Status string `json:"status"`
		} `json:"database"`
	}

	if code, env, e := checkIn("+12127361001"); code != http.StatusCreated || e.Position != 1 {
		t.Fatalf("first check-in: %d %+v %+v", code, env, e)
	}
	if code, env, _ := checkIn("(212) 736-1001"); code != http.StatusConflict || env.Error == nil || env.Error.Code != "DUPLICATE_CHECKIN" {
		t.Errorf("duplicate check-in on PostgreSQL: %d %+v", code, env.Error)
	}
	c.must(http.StatusOK, http.MethodGet, "/health", nil, &health)

	proxy.Stop()
	code, env, _ := checkIn("+12127361002")
	if code != http.StatusServiceUnavailable || env.Error == nil || env.Error.Code != "DATABASE_UNAVAILABLE" {
		t.Errorf("check-in with the database down: %d %+v, want 503 DATABASE_UNAVAILABLE", code, env.Error)
	}
	if code, _ := c.do(http.MethodGet, "/health", nil, &health); code != http.StatusServiceUnavailable || health.Database.Status == "ok" {
		t.Errorf("/health with the database down: %d %+v, want 503 and database not ok", code, health)
	}

	proxy.Start(t)
	if code, env, e := checkIn("+12127361002"); code != http.StatusCreated || e.Position != 2 {
		t.Fatalf("check-in after the database came back: %d %+v %+v", code, env, e)
	}
	c.must(http.StatusOK, http.MethodGet, "/health", nil, &health)
	if health.Database.Status != "ok" {
		t.Errorf("/health after recovery: %+v", health)
	}
}

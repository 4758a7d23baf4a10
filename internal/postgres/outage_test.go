package postgres_test

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"smartwait/internal/postgres/pgtest"
	"smartwait/internal/queue"
	"smartwait/internal/tcpproxy"
)

// TestOutage takes the database away under a running store — connections reset
// and refused, then a partition where nothing answers, then every backend killed
// by an administrator — and checks that operations fail with DATABASE_UNAVAILABLE
// (they return: a hang would time the test out) and succeed again as soon as the
// server is back, with the same *DB and no restart.
func TestOutage(t *testing.T) {
	schemaURL := pgtest.SchemaURL(t)
	u, err := url.Parse(schemaURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := tcpproxy.New(t, u.Host)
	u.Host = proxy.Addr()
	appName := "sw_outage_" + queue.NewID()[:8]
	db := pgtest.OpenURL(t, pgtest.WithParam(t, u.String(), "application_name", appName))
	db.Timeout = 2 * time.Second // bounds the partition case below
	s := newService(db)
	ctx := context.Background()

	first := checkIn(t, s, 1)
	unavailable := func(step string) {
		t.Helper()
		if _, err := s.CheckIn(ctx, queue.CheckInRequest{Name: "X", Phone: phone(99), AppointmentTime: "x"}); code(err) != queue.CodeUnavailable {
			t.Errorf("%s: check-in error %v, want %s", step, err, queue.CodeUnavailable)
		}
		if _, err := s.Status(ctx, first.ID); code(err) != queue.CodeUnavailable {
			t.Errorf("%s: status error %v, want %s", step, err, queue.CodeUnavailable)
		}
		if err := db.Ping(ctx); !errors.Is(err, queue.ErrUnavailable) {
			t.Errorf("%s: ping error %v, want ErrUnavailable", step, err)
		}
	}
	recovered := func(step string, i int) {
		t.Helper()
		if err := db.Ping(ctx); err != nil {
			t.Fatalf("%s: ping after recovery: %v", step, err)
		}
		e := checkIn(t, s, i)
		if e.Position != i {
			t.Errorf("%s: position %d after recovery, want %d (nothing lost, nothing doubled)", step, e.Position, i)
		}
	}

	proxy.Stop()
	unavailable("server stopped")
	proxy.Start(t)
	recovered("server stopped", 2)

	proxy.Blackhole(t)
	unavailable("partition")
	proxy.Start(t)
	recovered("partition", 3)

	// An administrator (or a failover) terminates every backend of the pool: the
	// next operation must not fail because its pooled connection is dead.
	admin, err := pgx.Connect(ctx, pgtest.ServerURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var killed int
	err = admin.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = $1) k`, appName).Scan(&killed)
	if err != nil || killed == 0 {
		t.Fatalf("terminated %d backends: %v", killed, err)
	}
	recovered("backends terminated", 4)
}

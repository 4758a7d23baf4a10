package main

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestServeRedisCluster runs the real program with REDIS_URL naming a Redis
// Cluster (REDIS_CLUSTER_URL_TEST, started by scripts/test.sh): the broker
// subscribes on the cluster and /health reports it ok and sharded, and a
// check-in goes through.
func TestServeRedisCluster(t *testing.T) {
	url := os.Getenv("REDIS_CLUSTER_URL_TEST")
	if url == "" {
		if os.Getenv("SMARTWAIT_REQUIRE_INTEGRATION") == "1" {
			t.Fatal("REDIS_CLUSTER_URL_TEST is unset but SMARTWAIT_REQUIRE_INTEGRATION=1: the Redis Cluster tests must run")
		}
		t.Skip("set REDIS_CLUSTER_URL_TEST to a Redis Cluster to run this test; `make test` does")
	}
	srv := startServer(t, map[string]string{
		"DATABASE_URL": filepath.Join(t.TempDir(), "c.db"),
		"REDIS_URL":    url,
	})
	c := &client{tb: t, base: srv.URL}
	var h struct {
		Status string `json:"status"`
		Broker struct {
			Status string `json:"status"`
			Kind   string `json:"kind"`
			Mode   string `json:"mode"`
		} `json:"broker"`
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, _ := c.do(http.MethodGet, "/health", nil, &h)
		if code == http.StatusOK && h.Broker.Status == "ok" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/health %d %+v, want the broker ok on the cluster", code, h)
		}
		time.Sleep(50 * time.Millisecond) // polling with a deadline, not synchronising
	}
	if h.Broker.Kind != "redis" || h.Broker.Mode != "sharded" {
		t.Errorf("broker %+v, want redis, sharded", h.Broker)
	}
	c.must(http.StatusCreated, http.MethodPost, "/api/checkin",
		map[string]string{"name": "Ana", "phone": "+12127362001", "appointmentTime": "10:00"}, nil)
}

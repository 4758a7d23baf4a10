package redisbroker_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"smartwait/internal/queue"
	"smartwait/internal/realtime"
	"smartwait/internal/realtime/brokertest"
	"smartwait/internal/realtime/redisbroker"
	"smartwait/internal/tcpproxy"
)

// redisURL returns REDIS_URL_TEST, or skips the test (fails it when
// SMARTWAIT_REQUIRE_INTEGRATION=1) when it is unset.
func redisURL(tb testing.TB) string {
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

var channels atomic.Int64

// cluster returns a brokertest.NewCluster whose instances share one channel of
// their own on the server at url.
func cluster(url func(tb testing.TB) string) brokertest.NewCluster {
	return func(tb testing.TB) func() realtime.Broker {
		u := url(tb)
		ch := fmt.Sprintf("smartwait-test:%d:%s", channels.Add(1), queue.NewID())
		return func() realtime.Broker {
			b, err := redisbroker.New(u, redisbroker.Options{Channel: ch})
			if err != nil {
				tb.Fatal(err)
			}
			return b
		}
	}
}

// TestBrokerRedis runs the broker conformance suite against a real Redis server.
func TestBrokerRedis(t *testing.T) {
	brokertest.RunBrokerTests(t, cluster(redisURL))
}

// TestBrokerMiniredis runs the suite against miniredis, so that plain `go test`
// exercises the broker's protocol handling without a server.
func TestBrokerMiniredis(t *testing.T) {
	brokertest.RunBrokerTests(t, cluster(func(tb testing.TB) string {
		return "redis://" + miniredis.RunT(tb).Addr() + "/0"
	}))
}

func TestNewRejectsBadURL(t *testing.T) {
	for _, u := range []string{"", "http://x", "redis://:pw@host:notaport/0",
		"redis://:pw@host:7000?addr=host2", "redis://:pw@host:7000/2?addr=host2:7000", "redis://:pw@host:7000?addr=host2:7000&pw=1"} {
		_, err := redisbroker.New(u, redisbroker.Options{})
		if err == nil {
			t.Errorf("New(%q) succeeded", u)
		} else if strings.Contains(err.Error(), "pw") {
			t.Errorf("error for %q leaks the password: %v", u, err)
		}
	}
}

// waitStatus polls until the broker reports want (a failure deadline, not a
// timing assertion).
func waitStatus(tb testing.TB, b *redisbroker.Broker, want string) {
	tb.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for b.Status().Status != want {
		if time.Now().After(deadline) {
			tb.Fatalf("broker status %+v, want %s", b.Status(), want)
		}
		time.Sleep(20 * time.Millisecond) // polling with a deadline, not synchronising
	}
}

// TestOutage takes Redis away between two instances: each keeps delivering its own
// batches locally and reports degraded; when Redis is back both resubscribe by
// themselves, tell their clients to resync, and carry each other's batches again.
func TestOutage(t *testing.T) {
	for name, url := range map[string]func(testing.TB) string{
		"redis":     redisURL,
		"miniredis": func(tb testing.TB) string { return "redis://" + miniredis.RunT(tb).Addr() + "/0" },
	} {
		t.Run(name, func(t *testing.T) { testOutage(t, url(t)) })
	}
}

func testOutage(t *testing.T, url string) {
	addr := strings.TrimPrefix(strings.Split(url, "/0")[0], "redis://")
	proxy := tcpproxy.New(t, addr)
	via := "redis://" + proxy.Addr() + "/0"
	ch := "smartwait-test:outage:" + queue.NewID()
	start := func() (*redisbroker.Broker, *brokertest.Recorder) {
		b, err := redisbroker.New(via, redisbroker.Options{Channel: ch})
		if err != nil {
			t.Fatal(err)
		}
		rec := brokertest.NewRecorder()
		if err := b.Start(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close(context.Background()) })
		return b, rec
	}
	a, recA := start()
	b, recB := start()
	one := func(v int64) realtime.Batch {
		bt := realtime.Batch{Stream: "default", Version: v}
		bt.Add("staff", "queue_update", map[string]any{"version": v})
		return bt
	}
	if err := a.Publish(one(1)); err != nil {
		t.Fatal(err)
	}
	recB.WaitCount(t, 1)

	proxy.Stop()
	waitStatus(t, a, realtime.StatusDegraded)
	waitStatus(t, b, realtime.StatusDegraded)
	if err := a.Publish(one(2)); err == nil {
		t.Error("Publish while Redis is down reported no error; want one saying the batch stayed local")
	}
	recA.WaitFor(t, "local delivery during the outage", func(bs []realtime.Batch, _ []string) bool {
		return len(bs) == 2 && bs[1].Version == 2
	})

	proxy.Start(t)
	waitStatus(t, a, realtime.StatusOK)
	waitStatus(t, b, realtime.StatusOK)
	for name, rec := range map[string]*brokertest.Recorder{"A": recA, "B": recB} {
		rec.WaitFor(t, name+" resync", func(_ []realtime.Batch, rs []string) bool { return len(rs) >= 1 })
	}
	if err := b.Publish(one(3)); err != nil {
		t.Fatalf("Publish after recovery: %v", err)
	}
	recA.WaitFor(t, "B's batch on A after recovery", func(bs []realtime.Batch, _ []string) bool {
		return len(bs) == 3 && bs[2].Version == 3
	})
}

// TestStartWhileRedisDown starts an instance while Redis is away: Start returns
// (the instance serves its own clients), the broker reports degraded, and once
// Redis answers it subscribes by itself and tells its clients to resync.
func TestStartWhileRedisDown(t *testing.T) {
	mr := miniredis.RunT(t)
	proxy := tcpproxy.New(t, mr.Addr())
	proxy.Stop()
	b, err := redisbroker.New("redis://"+proxy.Addr()+"/0", redisbroker.Options{Channel: "smartwait-test:start-down"})
	if err != nil {
		t.Fatal(err)
	}
	rec := brokertest.NewRecorder()
	if err := b.Start(context.Background(), rec); err != nil {
		t.Fatalf("Start with Redis down: %v, want nil (serve local clients)", err)
	}
	t.Cleanup(func() { b.Close(context.Background()) })
	if st := b.Status(); st.Status != realtime.StatusDegraded || st.Kind != "redis" {
		t.Errorf("status with Redis down = %+v, want redis degraded", st)
	}
	local := realtime.Batch{Stream: "default", Version: 1}
	local.Add("staff", "queue_update", map[string]any{"version": 1})
	b.Publish(local) // its error says the batch stayed local
	rec.WaitCount(t, 1)

	proxy.Start(t)
	waitStatus(t, b, realtime.StatusOK)
	rec.WaitFor(t, "resync once subscribed", func(_ []realtime.Batch, rs []string) bool { return len(rs) == 1 })
}

// TestPartition makes Redis stop answering without closing the connection (a
// network partition): the broker's ping finds out, it reports degraded, and it
// recovers and resyncs when the network heals.
func TestPartition(t *testing.T) {
	mr := miniredis.RunT(t)
	proxy := tcpproxy.New(t, mr.Addr())
	b, err := redisbroker.New("redis://"+proxy.Addr()+"/0", redisbroker.Options{Channel: "smartwait-test:partition"})
	if err != nil {
		t.Fatal(err)
	}
	rec := brokertest.NewRecorder()
	if err := b.Start(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close(context.Background()) })
	waitStatus(t, b, realtime.StatusOK)

	proxy.Blackhole(t)
	waitStatus(t, b, realtime.StatusDegraded)
	proxy.Start(t)
	waitStatus(t, b, realtime.StatusOK)
	rec.WaitFor(t, "resync after the partition", func(_ []realtime.Batch, rs []string) bool { return len(rs) == 1 })
}

// TestCheckURL: which URLs name one server, which a cluster, and which are
// refused.
func TestCheckURL(t *testing.T) {
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"redis://127.0.0.1:6379/0", true},
		{"rediss://:pw@redis.internal:6380/3", true},
		{"redis://10.0.0.1:7000?addr=10.0.0.2:7000&addr=10.0.0.3:7000", true},
		{"redis://u:pw@10.0.0.1:7000/0?addr=10.0.0.2:7000", true},
		{"redis://10.0.0.1:7000/1?addr=10.0.0.2:7000", false}, // a cluster has database 0 only
		{"redis://10.0.0.1:7000?addr=10.0.0.2", false},        // addr without port
		{"redis://10.0.0.1:7000?addr=10.0.0.2:7000&db=1", false},
		{"redis://10.0.0.1:7000?addr=10.0.0.2:7000&read_only=true", false}, // go-redis knows it; the broker refuses it
		{"redis://host:6379/x", false},
		{"unix:///run/redis.sock", false},
	} {
		err := redisbroker.CheckURL(tc.url)
		if (err == nil) != tc.ok {
			t.Errorf("CheckURL(%q) = %v, want ok %v", tc.url, err, tc.ok)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "must be redis://") {
			t.Errorf("CheckURL(%q) = %q, want it to name the forms", tc.url, err)
		}
	}
}

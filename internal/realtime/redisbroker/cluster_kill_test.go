package redisbroker_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"smartwait/internal/queue"
	"smartwait/internal/realtime"
	"smartwait/internal/realtime/brokertest"
	"smartwait/internal/realtime/redisbroker"
)

// killPair is a publishing instance (a) and a subscribing one (b) sharing a
// channel prefix, b following shard, whose slot lives on the master the
// test kills.
type killPair struct {
	name       string
	prefix     string
	shard      string
	a, b       *redisbroker.Broker
	recA, recB *brokertest.Recorder
}

// TestClusterMasterKilled kills (SIGKILL, no handover) the master that owns
// the slot of a shard an instance follows, and lets the cluster promote its
// replica by itself once cluster-node-timeout has passed. The instance must
// report degraded from when it notices until it is subscribed on the new
// master (never ok while the shard's master is dead), then report ok, tell
// its clients to resync, and receive every batch published after that, in
// order. Two pairs of instances: in one the all-instances channel lives on
// the killed master too (the whole subscription must be rebuilt there), in
// the other it lives elsewhere (only the shard's link breaks, and the
// publishing instance's own subscription never notices the failure). The
// killed node is started again at the end, as a replica, and takes its slots
// back, so the cluster is as before for the tests after this one.
func TestClusterMasterKilled(t *testing.T) {
	url := clusterURL(t)
	cc := clusterClient(t, url)
	newPrefix := func() string { return "smartwait-test:cluster-kill:" + queue.NewID() }
	addr := func(c *redis.Client) string { return c.Options().Addr }

	p1 := newPrefix()
	victim := master(t, cc, p1+":all")
	p2 := ""
	for i := 0; p2 == ""; i++ {
		if i == 200 {
			t.Fatal("every prefix's all-instances channel lands on one master")
		}
		if p := newPrefix(); addr(master(t, cc, p+":all")) != addr(victim) {
			p2 = p
		}
	}
	shardOn := func(prefix string) string {
		for i := 0; i < 1000; i++ {
			if sh := fmt.Sprintf("clinic-%d", i); addr(master(t, cc, shardChannel(prefix, sh))) == addr(victim) {
				return sh
			}
		}
		t.Fatalf("no shard of %s on %s", prefix, addr(victim))
		return ""
	}
	replica := replicaOf(t, victim)

	var pairs []*killPair
	for _, p := range []*killPair{
		{name: "all channel on the killed master", prefix: p1},
		{name: "all channel elsewhere", prefix: p2},
	} {
		p.shard = shardOn(p.prefix)
		opts := redisbroker.Options{Channel: p.prefix}
		p.a, p.recA = startBroker(t, url, opts)
		p.b, p.recB = startBroker(t, url, opts)
		waitStatus(t, p.a, realtime.StatusOK)
		waitStatus(t, p.b, realtime.StatusOK)
		follow(t, p.b, p.shard)
		mustPublish(t, p.a, shardBatch(p.shard, 1))
		p.recB.WaitFor(t, p.name+": the shard's first batch", func(bs []realtime.Batch, _ []string) bool {
			return countShard(bs, p.shard) == 1
		})
		pairs = append(pairs, p)
	}

	restart := killNode(t, victim)
	killed := time.Now()
	t.Cleanup(func() {
		// Back as it was: the killed node runs again, rejoins as the
		// replica of its old replica, catches up and takes its slots back.
		restart()
		waitInSync(t, victim)
		takeOver(t, victim, replica)
		waitInSync(t, replica)
		waitClusterOK(t, victim)
	})

	// Until the replica is promoted each subscriber must report degraded
	// once it has noticed. The status is read before the promotion is
	// checked: an ok read while the replica is still a replica was an ok
	// while the shard had no master.
	degraded := make([]bool, len(pairs))
	deadline := time.Now().Add(60 * time.Second)
	for {
		var st []realtime.BrokerStatus
		for _, p := range pairs {
			st = append(st, p.b.Status())
		}
		if isMaster(replica) {
			break
		}
		for i, p := range pairs {
			switch st[i].Status {
			case realtime.StatusDegraded:
				degraded[i] = true
			case realtime.StatusOK:
				if degraded[i] {
					t.Fatalf("%s: B reported ok while the master of its shard was dead and not yet replaced", p.name)
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cluster never promoted %s after %s was killed", addr(replica), addr(victim))
		}
		time.Sleep(20 * time.Millisecond) // polling with a deadline, not synchronising
	}
	promoted := time.Now()
	for i, p := range pairs {
		if !degraded[i] {
			t.Errorf("%s: B never reported degraded while the master of its shard was dead (status now %+v)", p.name, p.b.Status())
		}
	}

	// Batches published while the shard had no master, on a stream of
	// their own: lost or not, they must not hold up what comes later.
	for _, p := range pairs {
		for v := int64(1); v <= 3; v++ {
			bt := shardBatch(p.shard, v)
			bt.Stream = "outage-" + p.shard
			p.a.Publish(bt) // an error says it stayed local
		}
	}

	for _, p := range pairs {
		waitStatus(t, p.b, realtime.StatusOK)
		p.recB.WaitFor(t, p.name+": a resync after the failover", func(_ []realtime.Batch, rs []string) bool { return len(rs) >= 1 })
		t.Logf("%s: B ok and resynced %v after the kill, %v after the promotion was seen",
			p.name, time.Since(killed).Round(10*time.Millisecond), time.Since(promoted).Round(10*time.Millisecond))
		waitStatus(t, p.a, realtime.StatusOK)
	}

	// Recovered: every batch from now on arrives, each published once, in
	// order (the stream afresh after the resync).
	const n = 20
	for _, p := range pairs {
		for v := int64(1); v <= n; v++ {
			mustPublish(t, p.a, shardBatch(p.shard, v))
		}
		mustPublish(t, p.b, shardless("back-"+p.prefix))
	}
	for _, p := range pairs {
		p.recB.WaitFor(t, p.name+": every batch published after recovery", func(bs []realtime.Batch, _ []string) bool {
			return countStream(bs, p.shard) >= 1+n
		})
		if got, want := fmt.Sprint(versions(p.recB.Batches(), p.shard)), fmt.Sprint(append([]int64{1}, seq(1, n)...)); got != want {
			t.Errorf("%s: B got versions %s of the shard, want %s", p.name, got, want)
		}
		p.recA.WaitFor(t, p.name+": B's shardless batch on A", func(bs []realtime.Batch, _ []string) bool {
			return countShard(bs, "") >= 1
		})
	}
	t.Logf("every batch after recovery arrived %v after the kill", time.Since(killed).Round(10*time.Millisecond))
}

func countStream(bs []realtime.Batch, stream string) int {
	return len(versions(bs, stream))
}

// killNode kills the Redis node c talks to with SIGKILL (no shutdown, no
// handover: what a crashed machine looks like to the cluster) and returns
// a function that starts it again with the settings it ran with, on the
// same port, config file and directory (so with the same node id).
func killNode(tb testing.TB, c *redis.Client) (restart func()) {
	tb.Helper()
	ctx := context.Background()
	info, err := c.Info(ctx, "server").Result()
	if err != nil {
		tb.Fatal(err)
	}
	pid, err := strconv.Atoi(infoField(info, "process_id"))
	if err != nil {
		tb.Fatalf("process_id of %s: %v", c.Options().Addr, err)
	}
	// The binary the node runs (INFO's "executable" is the working directory
	// joined to argv[0], wrong for a server started through PATH).
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil {
		tb.Fatalf("the binary of %s (pid %d): %v: the test must run on the machine of the cluster", c.Options().Addr, pid, err)
	}
	// Its title, which Redis sets to "redis-server host:port [cluster]".
	if title, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err != nil || !strings.HasPrefix(string(title), "redis-server") {
		tb.Fatalf("%s says its pid is %d, which is not a redis-server process here (%q, %v): the test must run on the machine of the cluster", c.Options().Addr, pid, title, err)
	}
	// What scripts/test.sh starts a node with, as the node reports it.
	var args []string
	for _, name := range []string{"port", "bind", "cluster-enabled", "cluster-config-file", "cluster-node-timeout",
		"save", "appendonly", "pidfile", "logfile", "dir"} {
		v, err := c.ConfigGet(ctx, name).Result()
		if err != nil {
			tb.Fatal(err)
		}
		args = append(args, "--"+name, v[name])
	}
	args = append(args, "--daemonize", "yes")
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		tb.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", c.Options().Addr, 200*time.Millisecond)
		if err != nil {
			break
		}
		conn.Close()
		if time.Now().After(deadline) {
			tb.Fatalf("%s still answers after SIGKILL", c.Options().Addr)
		}
		time.Sleep(10 * time.Millisecond) // polling with a deadline, not synchronising
	}
	return func() {
		tb.Helper()
		cmd := exec.Command(exe, args...)
		// Debian's redis-server is a link to one binary that picks its
		// role by the name it is called by.
		cmd.Args[0] = "redis-server"
		if out, err := cmd.CombinedOutput(); err != nil {
			tb.Fatalf("restarting %s: %v: %s", c.Options().Addr, err, out)
		}
	}
}

// infoField returns the value of field in an INFO reply.
func infoField(info, field string) string {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), field+":"); ok {
			return v
		}
	}
	return ""
}

// waitInSync polls until c is a replica whose link to its master is up.
func waitInSync(tb testing.TB, c *redis.Client) {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		info, err := c.Info(context.Background(), "replication").Result()
		if err == nil && strings.Contains(info, "role:slave") && strings.Contains(info, "master_link_status:up") {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s is not a replica in sync: %s %v", c.Options().Addr, info, err)
		}
		time.Sleep(50 * time.Millisecond) // polling with a deadline, not synchronising
	}
}

// waitClusterOK polls until every node c knows of reports cluster_state:ok
// and knows no node as failing.
func waitClusterOK(tb testing.TB, c *redis.Client) {
	tb.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for {
		problem := ""
		nodes, err := c.ClusterNodes(ctx).Result()
		if err != nil {
			problem = err.Error()
		}
		for _, line := range strings.Split(strings.TrimSpace(nodes), "\n") {
			f := strings.Fields(line)
			if problem != "" || len(f) < 3 {
				break
			}
			if strings.Contains(f[2], "fail") {
				problem = line
				break
			}
			o := *c.Options()
			o.Addr, _, _ = strings.Cut(f[1], "@")
			n := redis.NewClient(&o)
			info, err := n.ClusterInfo(ctx).Result()
			n.Close()
			if err != nil || !strings.Contains(info, "cluster_state:ok") {
				problem = fmt.Sprintf("%s: %v %s", o.Addr, err, infoField(info, "cluster_state"))
			}
		}
		if problem == "" {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("the cluster is not whole again: %s", problem)
		}
		time.Sleep(50 * time.Millisecond) // polling with a deadline, not synchronising
	}
}

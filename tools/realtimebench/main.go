// Command realtimebench measures SmartWait's Socket.IO fan-out (issue 3): it
// starts the real binary on a free port with a temporary database, connects N
// Socket.IO clients over websocket (each in its own patient room and the
// patients room) with W of those patients waiting, then times call-next: from
// the request to each waiting patient's position_update, and to the last one.
// It also reports the server's resident memory per connected client.
//
//	go run ./tools/realtimebench -bin bin/smartwait -clients 5000 -waiting 1000 -calls 20
//
// It is a benchmark, not a test: numbers go to docs/benchmarks.md.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"smartwait/tools/internal/benchserver"
)

const adminPassword = "bench-admin-password"

func main() {
	bin := flag.String("bin", "bin/smartwait", "the smartwait binary")
	clients := flag.Int("clients", 5000, "connected Socket.IO clients (one per patient)")
	waiting := flag.Int("waiting", 1000, "patients waiting (the last ones checked in)")
	calls := flag.Int("calls", 20, "call-next requests to time")
	parallel := flag.Int("connect-parallel", 100, "clients connecting at once")
	kind := flag.String("client", "raw", `"raw": a minimal Engine.IO v4 websocket client per connection; "library": the zishang520 Go client (heavier: at 5,000 in one process on 2 cores it misses pings)`)
	flag.Parse()
	switch *kind {
	case "raw":
		connectOne = connectRaw
	case "library":
		connectOne = connectLibrary
	default:
		fmt.Fprintln(os.Stderr, "realtimebench: -client must be raw or library")
		os.Exit(2)
	}
	if err := run(*bin, *clients, *waiting, *calls, *parallel); err != nil {
		fmt.Fprintln(os.Stderr, "realtimebench:", err)
		os.Exit(1)
	}
}

func run(bin string, nClients, nWaiting, nCalls, parallel int) error {
	if nWaiting > nClients {
		return errors.New("-waiting must not exceed -clients")
	}
	bin, err := filepath.Abs(bin) // the server runs in a temporary directory
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "realtimebench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	srv, base, err := startServer(bin, dir)
	if err != nil {
		return err
	}
	defer func() {
		_ = srv.Process.Signal(os.Interrupt)
		_ = srv.Wait()
	}()
	api := &client{base: base}
	token, err := api.login()
	if err != nil {
		return err
	}

	// Patients: the first nClients−nWaiting leave at once (completed), so the
	// queue stays short while they are made; the last nWaiting wait.
	start := time.Now()
	ids := make([]string, nClients)
	for i := range nClients {
		if ids[i], err = api.checkIn(i); err != nil {
			return err
		}
		if i < nClients-nWaiting {
			if err := api.post("/api/staff/complete", token, map[string]string{"patientId": ids[i]}, nil); err != nil {
				return err
			}
		}
	}
	fmt.Printf("setup: %d patients, %d waiting, in %s\n", nClients, nWaiting, time.Since(start).Round(time.Millisecond))

	rssBefore, err := rss(srv.Process.Pid)
	if err != nil {
		return err
	}
	memBefore, err := api.memory(token)
	if err != nil {
		return err
	}
	track := newTracker()
	start = time.Now()
	conns, err := connectAll(base, ids, parallel, track)
	fmt.Printf("client: %s\n", clientKind(conns))
	if err != nil {
		return err
	}
	defer func() {
		for _, c := range conns {
			c.Disconnect()
		}
	}()
	fmt.Printf("connected %d clients (each in 2 rooms) in %s\n", len(conns), time.Since(start).Round(time.Millisecond))
	time.Sleep(3 * time.Second) // let the server's buffers and GC settle before reading RSS
	rssAfter, err := rss(srv.Process.Pid)
	if err != nil {
		return err
	}
	memAfter, err := api.memory(token)
	if err != nil {
		return err
	}
	n := float64(len(conns))
	fmt.Printf("server Go heap in use: %.1f KiB per connection; goroutines: %.2f per connection; Go runtime total (Sys): %.1f KiB per connection\n",
		float64(memAfter.HeapInuse-memBefore.HeapInuse)/1024/n, float64(memAfter.Goroutines-memBefore.Goroutines)/n,
		float64(memAfter.Sys-memBefore.Sys)/1024/n)
	var health struct {
		Realtime struct {
			ConnectedClients int `json:"connectedClients"`
		} `json:"realtime"`
	}
	if err := api.get("/health", &health); err != nil {
		return err
	}
	fmt.Printf("server RSS: %.1f MiB before, %.1f MiB with %d clients (health says %d): %.1f KiB per connection\n",
		mib(rssBefore), mib(rssAfter), len(conns), health.Realtime.ConnectedClients,
		float64(rssAfter-rssBefore)/1024/float64(len(conns)))

	var st struct {
		Version int64 `json:"version"`
	}
	if err := api.get("/api/position/"+ids[nClients-1], &st); err != nil {
		return err
	}
	version := st.Version
	var lasts, each, reqs []time.Duration
	for k := range nCalls {
		want := nWaiting - k // every waiting patient moves; the called one changes status
		version++
		track.expect(version, want)
		t0 := time.Now()
		if err := api.post("/api/staff/call-next", token, map[string]string{"room": "1"}, nil); err != nil {
			return err
		}
		reqs = append(reqs, time.Since(t0))
		arrivals, err := track.wait(version, 60*time.Second)
		if err != nil {
			return err
		}
		var last time.Duration
		for _, a := range arrivals {
			d := a.Sub(t0)
			each = append(each, d)
			last = max(last, d)
		}
		lasts = append(lasts, last)
		time.Sleep(200 * time.Millisecond) // calls do not overlap
	}
	fmt.Printf("call-next ×%d, %d→%d waiting clients:\n", nCalls, nWaiting, nWaiting-nCalls+1)
	fmt.Printf("  HTTP request:                 p50 %s  p99 %s  max %s\n", pct(reqs, 50), pct(reqs, 99), pct(reqs, 100))
	fmt.Printf("  each position_update:         p50 %s  p99 %s  max %s  (%d deliveries)\n", pct(each, 50), pct(each, 99), pct(each, 100), len(each))
	fmt.Printf("  last position_update of call: p50 %s  p99 %s  max %s\n", pct(lasts, 50), pct(lasts, 99), pct(lasts, 100))
	if n := track.disconnects.Load(); n > 0 {
		return fmt.Errorf("%d clients were disconnected during the run", n)
	}
	return nil
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// pct returns the p-th percentile (nearest rank) of ds.
func pct(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (p*len(s) + 99) / 100
	i = min(max(i, 1), len(s))
	return s[i-1].Round(100 * time.Microsecond)
}

// rss returns a process's resident set size in bytes.
func rss(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	m := regexp.MustCompile(`VmRSS:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		return 0, errors.New("no VmRSS")
	}
	kb, err := strconv.ParseInt(string(m[1]), 10, 64)
	return kb * 1024, err
}

func startServer(bin, dir string) (*exec.Cmd, string, error) {
	return benchserver.Start(bin, dir, adminPassword,
		"DATABASE_URL=sqlite://"+filepath.Join(dir, "bench.db"), "SMARTWAIT_LOG_LEVEL="+logLevel())
}

// connectAll connects one websocket client per patient id and joins its rooms.
func connectAll(base string, ids []string, parallel int, track *tracker) ([]conn, error) {
	conns := make([]conn, len(ids))
	sem := make(chan struct{}, parallel)
	errs := make(chan error, len(ids))
	var wg sync.WaitGroup
	var connected, retries atomic.Int64
	start := time.Now()
	defer func() { fmt.Printf("  connect retries: %d\n", retries.Load()) }()
	for i, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := connectOne(base, id, track)
			for try := 1; err != nil && try < 3; try++ {
				// Under load a handshake is now and then closed before the
				// client connects; real clients reconnect on their own.
				retries.Add(1)
				c, err = connectOne(base, id, track)
			}
			if err != nil {
				errs <- fmt.Errorf("client %d: %w", i, err)
				return
			}
			conns[i] = c
			if n := connected.Add(1); n%500 == 0 {
				fmt.Printf("  %d connected after %s\n", n, time.Since(start).Round(time.Millisecond))
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	return conns, nil
}

// conn is one benchmark client.
type conn interface{ Disconnect() }

// connectOne connects one client for a patient and joins its two rooms.
var connectOne func(base, id string, track *tracker) (conn, error)

func clientKind(conns []conn) string {
	if len(conns) > 0 {
		if _, ok := conns[0].(*rawConn); ok {
			return "raw Engine.IO v4 websocket"
		}
	}
	return "zishang520/socket.io clients/socket v3.0.6"
}

// logLevel is the server's log level: BENCH_LOG_LEVEL, default warn.
func logLevel() string {
	if l := os.Getenv("BENCH_LOG_LEVEL"); l != "" {
		return l
	}
	return "warn"
}

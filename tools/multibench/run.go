package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"smartwait/tools/internal/benchserver"
)

func run(c config) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "multibench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	dbURL := "sqlite://" + filepath.Join(dir, "bench.db")
	if c.pg != "" {
		schemaURL, drop, err := freshSchema(c.pg, c.pool)
		if err != nil {
			return err
		}
		defer drop()
		dbURL = schemaURL
	}
	var urls, pprofs []string
	var ws []watched
	for i := range c.instances {
		cmd, u, pp, err := startInstance(c, i, dir, dbURL)
		if err != nil {
			return fmt.Errorf("instance %d: %w", i, err)
		}
		defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
		urls, pprofs = append(urls, u), append(pprofs, pp)
		ws = append(ws, watched{name: fmt.Sprintf("instance%d", i), pid: cmd.Process.Pid})
	}
	if c.pg != "" {
		if pid, err := postmasterPID(ctx, c.pg); err == nil {
			ws = append(ws, watched{name: "postgres", pid: pid, tree: true})
		} else {
			fmt.Fprintln(os.Stderr, "multibench: PostgreSQL's CPU not measured:", err)
		}
	}
	if c.redis != "" {
		if pid, err := redisPID(ctx, c.redis); err == nil {
			ws = append(ws, watched{name: "redis", pid: pid})
		} else {
			fmt.Fprintln(os.Stderr, "multibench: Redis's CPU not measured:", err)
		}
	}
	ws = append(ws, watched{name: "bench", pid: os.Getpid()})
	fmt.Printf("instances: %d%s, database: %s, broker: %s\n", c.instances, pinned(c.cpus, c.instances),
		kind(c.pg), map[bool]string{true: "redis", false: "in-process"}[c.redis != ""])

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c.conc * 2}, Timeout: 60 * time.Second}
	apis := make([]*api, len(urls))
	for i, u := range urls {
		token, err := login(client, u)
		if err != nil {
			return err
		}
		apis[i] = &api{client: client, base: u, token: token}
	}
	var ts []target
	if c.clinics > 0 {
		ts, err = addClinics(apis[0], c.clinics, c.perLine)
	} else {
		ts, err = addLines(apis[0], c.lines)
	}
	if err != nil {
		return err
	}
	fo, err := openFanout(apis, spread(ts, c.fanoutLines))
	if err != nil {
		return err
	}
	defer fo.close()

	// Check-ins, with call-next timed alongside.
	res := result{Label: c.label, At: time.Now().UTC().Format(time.RFC3339), Instances: c.instances,
		Clinics: c.clinics, Lines: len(ts), Pinned: len(c.cpus) > 0, Checkins: c.checkins, Concurrency: c.conc,
		LoadBefore: loadAverage()}
	profiles := startProfiles(c, pprofs)
	before := takeCPU(ws)
	stop := make(chan struct{})
	var loaded samples
	var loadErr error
	var calls sync.WaitGroup
	calls.Go(func() { loaded, loadErr = fo.run(c.calls, stop) })
	start := time.Now()
	failed, firstErr := checkIns(client, urls, ts, c.checkins, c.conc)
	took := time.Since(start)
	after := takeCPU(ws)
	close(stop)
	calls.Wait()
	res.LoadAfter = loadAverage()
	if failed > 0 {
		return fmt.Errorf("%d of %d check-ins failed, the first: %v", failed, c.checkins, firstErr)
	}
	if loadErr != nil {
		return fmt.Errorf("call-next under load: %w", loadErr)
	}
	res.Seconds, res.Rate = took.Seconds(), float64(c.checkins)/took.Seconds()
	res.CPU = cpuUse(ws, before, after)
	res.UnderLoad = newLatencies(loaded)
	if err := profiles(); err != nil {
		fmt.Fprintln(os.Stderr, "multibench: profile:", err)
	}
	idle, err := fo.run(c.calls, nil)
	if err != nil {
		return fmt.Errorf("call-next: %w", err)
	}
	res.Idle = newLatencies(idle)
	printResult(res)
	if c.jsonPath != "" {
		return appendResult(c.jsonPath, res)
	}
	return nil
}

// printResult writes a run's figures for a reader.
func printResult(r result) {
	where := fmt.Sprintf("%d lines", r.Lines)
	if r.Clinics > 0 {
		where = fmt.Sprintf("%d clinics × %d lines", r.Clinics, r.Lines/r.Clinics)
	}
	fmt.Printf("check-ins: %d over %s in %.2fs with %d clients = %.0f/s\n", r.Checkins, where, r.Seconds, r.Concurrency, r.Rate)
	fmt.Printf("CPU during the check-ins (cores):")
	for _, k := range sortedKeys(r.CPU) {
		fmt.Printf(" %s %.2f", k, r.CPU[k])
	}
	fmt.Printf("\nload average: %.2f before, %.2f after\n", r.LoadBefore, r.LoadAfter)
	for _, p := range []struct {
		name string
		l    latencies
	}{{"under load", r.UnderLoad}, {"idle", r.Idle}} {
		fmt.Printf("call-next → event %s, same instance: p50 %.2fms p99 %.2fms (%d)", p.name, p.l.LocalP50, p.l.LocalP99, p.l.Local)
		if p.l.Remote > 0 {
			fmt.Printf("; other instance: p50 %.2fms p99 %.2fms (%d)", p.l.RemoteP50, p.l.RemoteP99, p.l.Remote)
		}
		fmt.Println()
	}
	b, _ := json.Marshal(r)
	fmt.Printf("RESULT %s\n", b)
}

// checkIns posts n check-ins from conc clients, the i-th to instance i mod
// instances and line i mod lines, and returns how many failed and the first
// failure.
func checkIns(client *http.Client, urls []string, ts []target, n, conc int) (int64, error) {
	var next, failed atomic.Int64
	var first atomic.Value
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				t := ts[i%len(ts)]
				clinic := ""
				if t.clinic != "" {
					clinic = fmt.Sprintf(`,"clinic":%q`, t.clinic)
				}
				// A distinct phone per check-in: +1 212 736-0000, 737-0000, …
				body := fmt.Sprintf(`{"name":"Patient %d","phone":"+1212%03d%04d","appointmentTime":"10:00","line":%q%s}`,
					i, 736+i/10000, i%10000, t.line, clinic)
				resp, err := client.Post(urls[i%len(urls)]+"/api/checkin", "application/json", strings.NewReader(body))
				if err != nil {
					failed.Add(1)
					first.CompareAndSwap(nil, err)
					continue
				}
				b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					failed.Add(1)
					first.CompareAndSwap(nil, fmt.Errorf("status %d: %s", resp.StatusCode, b))
				}
			}
		})
	}
	wg.Wait()
	err, _ := first.Load().(error)
	return failed.Load(), err
}

// spread picks n of ts evenly (all of them when there are fewer).
func spread(ts []target, n int) []target {
	if n >= len(ts) {
		return ts
	}
	out := make([]target, n)
	for i := range n {
		out[i] = ts[i*len(ts)/n]
	}
	return out
}

// startInstance starts instance i: pinned to its core with GOMAXPROCS=1 when
// -cpus is set, with a pprof listener when -profile is. It returns the process,
// its base URL and its pprof address ("" without).
func startInstance(c config, i int, dir, dbURL string) (*exec.Cmd, string, string, error) {
	env := []string{"DATABASE_URL=" + dbURL, "REDIS_URL=" + c.redis, "SMARTWAIT_LOG_LEVEL=warn"}
	if len(c.cpus) > 0 {
		env = append(env, "GOMAXPROCS=1")
	}
	pp := ""
	if c.profileDir != "" {
		port, err := freePort()
		if err != nil {
			return nil, "", "", err
		}
		pp = "127.0.0.1:" + strconv.Itoa(port)
		env = append(env, "SMARTWAIT_PPROF_ADDR="+pp)
	}
	cmd, u, err := benchserver.Start(c.bin, dir, adminPassword, env...)
	if err != nil {
		return nil, "", "", err
	}
	if len(c.cpus) > 0 {
		// -a: every thread of the process; threads made later inherit it.
		core := strconv.Itoa(c.cpus[i%len(c.cpus)])
		if out, err := exec.Command("taskset", "-a", "-c", "-p", core, strconv.Itoa(cmd.Process.Pid)).CombinedOutput(); err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			return nil, "", "", fmt.Errorf("taskset: %v: %s", err, out)
		}
	}
	return cmd, u, pp, nil
}

// startProfiles fetches a CPU profile from each pprof address in the
// background; the function it returns waits for them and writes them to
// -profile as instance<i>-<label>.pprof.
func startProfiles(c config, addrs []string) func() error {
	if c.profileDir == "" {
		return func() error { return nil }
	}
	errs := make([]error, len(addrs))
	var wg sync.WaitGroup
	for i, a := range addrs {
		wg.Go(func() {
			cl := &http.Client{Timeout: time.Duration(c.profileSeconds+30) * time.Second}
			resp, err := cl.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", a, c.profileSeconds))
			if err != nil {
				errs[i] = err
				return
			}
			defer resp.Body.Close()
			name := fmt.Sprintf("instance%d-%s.pprof", i, strings.NewReplacer(" ", "_", "/", "_").Replace(c.label))
			f, err := os.Create(filepath.Join(c.profileDir, name))
			if err != nil {
				errs[i] = err
				return
			}
			_, errs[i] = io.Copy(f, resp.Body)
			if err := f.Close(); errs[i] == nil {
				errs[i] = err
			}
		})
	}
	return func() error {
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return err
			}
		}
		return nil
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func pinned(cpus []int, n int) string {
	if len(cpus) == 0 {
		return ""
	}
	var s []string
	for i := range n {
		s = append(s, strconv.Itoa(cpus[i%len(cpus)]))
	}
	return " (GOMAXPROCS=1, cores " + strings.Join(s, ",") + ")"
}

func kind(pg string) string {
	if pg == "" {
		return "sqlite"
	}
	return "postgres"
}

// freshSchema makes an empty schema on the server and returns a URL using it.
// A pool size other than 0 goes into the URL as pool_max_conns.
func freshSchema(server string, pool int) (string, func(), error) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		return "", nil, err
	}
	schema := "sw_bench_" + strings.ToLower(rand.Text()[:10])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		conn.Close(ctx)
		return "", nil, err
	}
	u, err := url.Parse(server)
	if err != nil {
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	if pool > 0 {
		q.Set("pool_max_conns", strconv.Itoa(pool))
	}
	u.RawQuery = q.Encode()
	drop := func() {
		conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
		conn.Close(ctx)
	}
	return u.String(), drop, nil
}

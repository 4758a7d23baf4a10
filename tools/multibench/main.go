// Command multibench measures SmartWait with several instances (issue 6): it
// starts one or more real binaries on one database (a fresh PostgreSQL schema and
// a Redis server, or a SQLite file for a single instance), then
//
//   - check-in throughput: -checkins POST /api/checkin from -concurrency clients,
//     spread round-robin over the instances (as a load balancer would) and
//     over -lines lines (the default line and -lines − 1 more, issue 12);
//
//   - call-next fan-out latency: with an SSE display stream open on every
//     instance, -calls call-next requests (alternating instances, one at a time),
//     each timed from the request to the queue_update arriving on each stream,
//     reported separately for the instance that served the call and the others.
//
//     go run ./tools/multibench -bin bin/smartwait -instances 2 \
//     -pg postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable -redis redis://127.0.0.1:56379/0
//     go run ./tools/multibench -bin bin/smartwait -instances 1     # SQLite
//
// It is a benchmark, not a test: numbers go to docs/benchmarks.md.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"smartwait/tools/internal/benchserver"
)

const adminPassword = "bench-admin-password"

func main() {
	bin := flag.String("bin", "bin/smartwait", "the smartwait binary")
	instances := flag.Int("instances", 1, "instances to start on the same database")
	pg := flag.String("pg", "", "PostgreSQL server URL (a fresh schema is made); empty: SQLite (one instance only)")
	redis := flag.String("redis", "", "Redis URL shared by the instances; empty: in-process broker")
	checkins := flag.Int("checkins", 3000, "check-ins to time")
	concurrency := flag.Int("concurrency", 32, "concurrent check-in clients")
	calls := flag.Int("calls", 50, "call-next requests to time")
	lines := flag.Int("lines", 1, "lines the check-ins are spread over (at most 26)")
	flag.Parse()
	if *lines < 1 || *lines > 26 {
		fail(errors.New("-lines must be 1..26"))
	}
	if *pg == "" && *instances != 1 {
		fail(errors.New("several instances need -pg (SQLite is one process's file)"))
	}
	if *checkins > 10000 {
		fail(errors.New("-checkins at most 10000 (distinct phone numbers)"))
	}
	if err := run(*bin, *instances, *pg, *redis, *checkins, *concurrency, *calls, *lines); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "multibench:", err)
	os.Exit(1)
}

func run(bin string, n int, pg, redis string, checkins, concurrency, calls, lines int) error {
	dir, err := os.MkdirTemp("", "multibench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	dbURL := "sqlite://" + filepath.Join(dir, "bench.db")
	if pg != "" {
		schemaURL, drop, err := freshSchema(pg)
		if err != nil {
			return err
		}
		defer drop()
		dbURL = schemaURL
	}
	var urls []string
	for i := range n {
		cmd, u, err := startServer(bin, dir, dbURL, redis)
		if err != nil {
			return fmt.Errorf("instance %d: %w", i, err)
		}
		defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
		urls = append(urls, u)
	}
	fmt.Printf("instances: %d, database: %s, broker: %s\n", n, kind(pg), map[bool]string{true: "redis", false: "in-process"}[redis != ""])

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency * 2}, Timeout: 60 * time.Second}
	token, err := login(client, urls[0])
	if err != nil {
		return err
	}
	slugs, err := addLines(client, urls[0], token, lines)
	if err != nil {
		return err
	}
	// Check-in throughput.
	var next atomic.Int64
	var failed atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= checkins {
					return
				}
				body := fmt.Sprintf(`{"name":"Patient %d","phone":"+1212736%04d","appointmentTime":"10:00","line":%q}`, i, i, slugs[i%len(slugs)])
				resp, err := client.Post(urls[i%n]+"/api/checkin", "application/json", strings.NewReader(body))
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	if failed.Load() > 0 {
		return fmt.Errorf("%d of %d check-ins failed", failed.Load(), checkins)
	}
	fmt.Printf("check-ins: %d over %d lines in %v with %d clients = %.0f/s\n", checkins, lines, took.Round(time.Millisecond), concurrency, float64(checkins)/took.Seconds())

	// Call-next fan-out.
	streams := make([]*stream, n)
	for i, u := range urls {
		if streams[i], err = openDisplay(u); err != nil {
			return err
		}
		defer streams[i].close()
	}
	var local, remote []time.Duration
	for c := range calls {
		served := c % n
		marks := make([]int, n)
		for i, s := range streams {
			marks[i] = s.count()
		}
		t0 := time.Now()
		req, _ := http.NewRequest(http.MethodPost, urls[served]+"/api/staff/call-next", strings.NewReader(`{"room":"1"}`))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("call-next: status %d", resp.StatusCode)
		}
		for i, s := range streams {
			at, err := s.waitCalled(marks[i], 10*time.Second)
			if err != nil {
				return fmt.Errorf("instance %d: %w", i, err)
			}
			if i == served {
				local = append(local, at.Sub(t0))
			} else {
				remote = append(remote, at.Sub(t0))
			}
		}
	}
	report("call-next → event, same instance", local)
	if n > 1 {
		report("call-next → event, other instance", remote)
	}
	return nil
}

func kind(pg string) string {
	if pg == "" {
		return "sqlite"
	}
	return "postgres"
}

func report(what string, ds []time.Duration) {
	slices.Sort(ds)
	q := func(p float64) time.Duration { return ds[int(p*float64(len(ds)-1))].Round(10 * time.Microsecond) }
	fmt.Printf("%s: p50 %v, p95 %v, max %v (%d samples)\n", what, q(0.5), q(0.95), ds[len(ds)-1].Round(10*time.Microsecond), len(ds))
}

// freshSchema makes an empty schema on the server and returns a URL using it.
func freshSchema(server string) (string, func(), error) {
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
	u.RawQuery = q.Encode()
	drop := func() {
		conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
		conn.Close(ctx)
	}
	return u.String(), drop, nil
}

func startServer(bin, dir, dbURL, redis string) (*exec.Cmd, string, error) {
	return benchserver.Start(bin, dir, adminPassword,
		"DATABASE_URL="+dbURL, "REDIS_URL="+redis, "SMARTWAIT_LOG_LEVEL=warn")
}

// addLines creates lines − 1 lines beside the default one and returns the
// slugs check-ins go to.
func addLines(client *http.Client, base, token string, lines int) ([]string, error) {
	slugs := []string{"default"}
	for i := 1; i < lines; i++ {
		slug, prefix := fmt.Sprintf("line-%d", i), string(rune('A'+i))
		body := fmt.Sprintf(`{"slug":%q,"name":"Line %d","prefix":%q}`, slug, i, prefix)
		req, err := http.NewRequest("POST", base+"/api/staff/lines", strings.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return nil, fmt.Errorf("create line %s: status %d", slug, resp.StatusCode)
		}
		slugs = append(slugs, slug)
	}
	return slugs, nil
}

func login(client *http.Client, base string) (string, error) {
	resp, err := client.Post(base+"/api/staff/login", "application/json",
		strings.NewReader(`{"username":"admin","password":"`+adminPassword+`"}`))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var env struct {
		Data struct {
			Token string `json:"token"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || env.Data.Token == "" {
		return "", fmt.Errorf("login: status %d: %v", resp.StatusCode, err)
	}
	return env.Data.Token, nil
}

// stream is an SSE display stream that timestamps every patient_called update.
type stream struct {
	resp   *http.Response
	mu     sync.Mutex
	called []time.Time
	wake   chan struct{}
}

func openDisplay(base string) (*stream, error) {
	resp, err := http.Get(base + "/api/events/display")
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("display stream: status %d", resp.StatusCode)
	}
	s := &stream{resp: resp, wake: make(chan struct{}, 1)}
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		var event string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && event == "queue_update" && strings.Contains(line, `"patient_called"`):
				s.mu.Lock()
				s.called = append(s.called, time.Now())
				s.mu.Unlock()
				select {
				case s.wake <- struct{}{}:
				default:
				}
			case line == "":
				event = ""
			}
		}
	}()
	return s, nil
}

func (s *stream) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.called)
}

// waitCalled returns when the stream saw its (mark+1)-th patient_called update.
func (s *stream) waitCalled(mark int, limit time.Duration) (time.Time, error) {
	deadline := time.After(limit)
	for {
		s.mu.Lock()
		if len(s.called) > mark {
			at := s.called[mark]
			s.mu.Unlock()
			return at, nil
		}
		s.mu.Unlock()
		select {
		case <-s.wake:
		case <-deadline:
			return time.Time{}, errors.New("no patient_called event within the limit")
		}
	}
}

func (s *stream) close() { s.resp.Body.Close() }

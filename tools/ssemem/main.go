// Command ssemem measures what one open Server-Sent Events stream costs a
// running SmartWait server: it checks in one patient, reads the server's
// resident memory, opens N streams on /api/events/patient/{id} (the stream a
// patient's status page keeps open), waits for each one's snapshot, lets the
// server settle, and reads the memory again.
//
//	SMARTWAIT_MAX_CONNECTIONS_PER_IP=0 smartwait serve --addr 127.0.0.1:3001 &
//	go run ./tools/ssemem -url http://127.0.0.1:3001 -pid $! -n 2000
//
// Every stream comes from 127.0.0.1, so the server must run without the
// per-IP connection cap. It is a benchmark, not a test: numbers go to
// docs/benchmarks.md.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:3001", "the server")
	pid := flag.Int("pid", 0, "the server's process id (for /proc/PID/status)")
	n := flag.Int("n", 2000, "streams to open")
	settle := flag.Duration("settle", 3*time.Second, "wait after the last stream opened before reading the memory")
	flag.Parse()
	if err := run(*base, *pid, *n, *settle); err != nil {
		fmt.Fprintln(os.Stderr, "ssemem:", err)
		os.Exit(1)
	}
}

func run(base string, pid, n int, settle time.Duration) error {
	u, err := url.Parse(base)
	if err != nil || pid <= 0 || n < 1 {
		return fmt.Errorf("need -url, -pid and -n >= 1")
	}
	id, err := checkIn(base)
	if err != nil {
		return err
	}
	time.Sleep(time.Second)
	before, err := rss(pid)
	if err != nil {
		return err
	}
	conns := make([]net.Conn, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 50)
	errs := make(chan error, n)
	for i := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := open(u.Host, "/api/events/patient/"+id)
			if err != nil {
				errs <- err
				return
			}
			conns[i] = c
		}()
	}
	wg.Wait()
	close(errs)
	failed := len(errs)
	if err := <-errs; err != nil {
		fmt.Println("first error:", err)
	}
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	time.Sleep(settle)
	after, err := rss(pid)
	if err != nil {
		return err
	}
	open := n - failed
	fmt.Printf("sse n=%d open=%d rss_before_kib=%d rss_after_kib=%d kib_per_stream=%.1f\n",
		n, open, before, after, float64(after-before)/float64(max(open, 1)))
	return nil
}

// open starts one stream and returns once its first event (the snapshot) is in.
func open(host, path string) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", host, 10*time.Second)
	if err != nil {
		return nil, err
	}
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n\r\n", path, host)
	br := bufio.NewReaderSize(c, 1024)
	status, err := br.ReadString('\n')
	if err != nil || !strings.Contains(status, " 200 ") {
		c.Close()
		return nil, fmt.Errorf("stream answered %q: %v", strings.TrimSpace(status), err)
	}
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			c.Close()
			return nil, err
		}
		if strings.Contains(line, "event: position_update") {
			break
		}
	}
	_ = c.SetDeadline(time.Time{})
	return c, nil
}

func checkIn(base string) (string, error) {
	res, err := http.Post(base+"/api/checkin", "application/json",
		bytes.NewBufferString(`{"name":"Stream Test","phone":"+14152000123","appointmentTime":"10:00"}`))
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var r struct {
		Data struct {
			PatientID string `json:"patientId"`
		} `json:"data"`
	}
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil || r.Data.PatientID == "" {
		return "", fmt.Errorf("check-in: status %d: %v", res.StatusCode, err)
	}
	return r.Data.PatientID, nil
}

// rss returns the process's resident memory in KiB.
func rss(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			return strconv.ParseInt(f[1], 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmRSS for %d", pid)
}

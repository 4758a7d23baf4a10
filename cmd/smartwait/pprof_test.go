package main

import (
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var profilerRE = regexp.MustCompile(`msg="profiler listening" addr=(\S+)`)

// TestPprofOffByDefault: without SMARTWAIT_PPROF_ADDR nothing serves the
// profiler, and the public listener never does.
func TestPprofOffByDefault(t *testing.T) {
	s := startServer(t, map[string]string{"DATABASE_URL": filepath.Join(t.TempDir(), "off.db")})
	res, err := http.Get(s.URL + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("public listener: GET /debug/pprof/ = %d, want 404", res.StatusCode)
	}
	if strings.Contains(s.Log.String(), "profiler listening") {
		t.Errorf("profiler started without SMARTWAIT_PPROF_ADDR:\n%s", s.Log)
	}
}

// TestPprofOnLoopback: with SMARTWAIT_PPROF_ADDR the profiler answers on its own
// listener, and still not on the public one.
func TestPprofOnLoopback(t *testing.T) {
	s := startServer(t, map[string]string{
		"SMARTWAIT_PPROF_ADDR": "127.0.0.1:0", "DATABASE_URL": filepath.Join(t.TempDir(), "on.db")})
	var addr string
	for deadline := time.Now().Add(startTimeout); addr == "" && time.Now().Before(deadline); {
		if m := profilerRE.FindStringSubmatch(s.Log.String()); m != nil {
			addr = m[1]
		} else {
			time.Sleep(10 * time.Millisecond) // polling the log with a deadline
		}
	}
	if addr == "" {
		t.Fatalf("no profiler address in the log:\n%s", s.Log)
	}
	res, err := http.Get("http://" + addr + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "goroutine profile") {
		t.Errorf("profiler: %d %.200s", res.StatusCode, body)
	}
	res, err = http.Get(s.URL + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("public listener: GET /debug/pprof/ = %d, want 404", res.StatusCode)
	}
}

package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"smartwait/internal/sqlite/sqlitetest"
)

// hangGuard bounds a wait for something that must happen much sooner.
const hangGuard = 20 * time.Second

// The body and request deadlines reach the server from their settings: a
// trickled body is cut at SMARTWAIT_BODY_TIMEOUT, and a check-in waiting on a
// write lock another process holds answers 503 at SMARTWAIT_REQUEST_TIMEOUT
// rather than after the 5 s busy timeout of each check-in queued before it.
func TestServeTimeoutSettings(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "t.db")
	srv := startServer(t, map[string]string{
		"DATABASE_URL": dbPath, "SMARTWAIT_BODY_TIMEOUT": "1s", "SMARTWAIT_REQUEST_TIMEOUT": "1s",
	})
	addr := strings.TrimPrefix(srv.URL, "http://")

	t.Run("body", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		io.WriteString(conn, "POST /api/checkin HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n{")
		stop := make(chan struct{})
		defer close(stop)
		go func() { // one byte every 50 ms: the whole body would take 50 minutes
			tick := time.NewTicker(50 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				if _, err := conn.Write([]byte(" ")); err != nil {
					return
				}
			}
		}()
		_ = conn.SetReadDeadline(time.Now().Add(hangGuard))
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("no response to a trickled body: %v", err)
		}
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(body), `"REQUEST_TIMEOUT"`) {
			t.Fatalf("status %d %s, want 408 REQUEST_TIMEOUT", res.StatusCode, body)
		}
	})

	t.Run("request", func(t *testing.T) {
		// Another process holds the write lock (waiting out the server's own
		// start-up writes first, which made this test flaky when it did not).
		defer sqlitetest.HoldWriteLock(t, dbPath)()
		c := &http.Client{Timeout: hangGuard}
		errs := make(chan error, 4)
		codes := make(chan int, 4)
		for i := range 4 {
			go func() {
				body := `{"name":"Ana","phone":"+1415200000` + string(rune('1'+i)) + `","appointmentTime":"10:00"}`
				res, err := c.Post(srv.URL+"/api/checkin", "application/json", strings.NewReader(body))
				if err != nil {
					errs <- err
					return
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if !strings.Contains(string(b), `"DATABASE_UNAVAILABLE"`) {
					t.Errorf("body %s, want DATABASE_UNAVAILABLE", b)
				}
				codes <- res.StatusCode
			}()
		}
		for range 4 {
			select {
			case err := <-errs:
				t.Fatalf("a check-in hung on the write lock: %v", err)
			case code := <-codes:
				if code != http.StatusServiceUnavailable {
					t.Fatalf("status %d, want 503", code)
				}
			}
		}
	})
}

package web

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"smartwait/internal/queue"
	"smartwait/internal/sqlite/sqlitetest"
)

// hangGuard bounds how long a test waits for something that must happen much
// sooner; reaching it means the server hung.
const hangGuard = 15 * time.Second

// A client trickling its body must not hold the connection for ever: after the
// body deadline it gets its answer and the connection is closed, whether the
// server was reading the body (408 REQUEST_TIMEOUT) or had answered early and
// would otherwise drain the body at the client's pace (413, a CORS preflight).
func TestSlowBodyTimesOut(t *testing.T) {
	h := newHarness(t, func(d *Deps) { d.Config.BodyTimeout = 200 * time.Millisecond })
	srv := httptest.NewServer(h.handler)
	defer srv.Close()
	tests := []struct {
		name, head string
		status     int
		code       string // the error code; "" for a success
	}{
		{"sized body", "POST /api/checkin HTTP/1.1\r\nHost: clinic\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{",
			http.StatusRequestTimeout, codeRequestTimeout},
		{"chunked body", "POST /api/checkin HTTP/1.1\r\nHost: clinic\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n{",
			http.StatusRequestTimeout, codeRequestTimeout},
		{"declared too large", "POST /api/checkin HTTP/1.1\r\nHost: clinic\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{",
			http.StatusRequestEntityTooLarge, codeTooLarge},
		{"preflight with a body", "OPTIONS /api/checkin HTTP/1.1\r\nHost: clinic\r\nOrigin: " + testPublicURL +
			"\r\nAccess-Control-Request-Method: POST\r\nContent-Length: 1000\r\n\r\n{", http.StatusNoContent, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, tt.head); err != nil {
				t.Fatal(err)
			}
			// One byte every 20 ms: 999 of them take 20 s, longer than the guard.
			stop := make(chan struct{})
			defer close(stop)
			go func() {
				tick := time.NewTicker(20 * time.Millisecond)
				defer tick.Stop()
				for range 999 {
					select {
					case <-stop:
						return
					case <-tick.C:
					}
					if _, err := conn.Write([]byte(" ")); err != nil {
						return // the server closed the connection
					}
				}
			}()

			_ = conn.SetReadDeadline(time.Now().Add(hangGuard))
			br := bufio.NewReader(conn)
			res, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("no response to a trickled body: %v", err)
			}
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.status, raw)
			}
			if tt.code != "" {
				var body errorBody
				if json.Unmarshal(raw, &body) != nil || body.Error.Code != tt.code {
					t.Fatalf("body %s, want error %s", raw, tt.code)
				}
				if !res.Close {
					t.Error("the response does not announce Connection: close")
				}
			}
			if _, err := br.ReadByte(); err == nil || isTimeout(err) {
				t.Fatalf("the connection is still open after the answer: %v", err)
			}
		})
	}
	if !strings.Contains(h.logs.String(), `"route":"POST /api/checkin","status":408`) {
		t.Fatalf("the 408 is not logged under its route:\n%s", h.logs.String())
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Every handler but the event streams runs under the request deadline.
func TestRequestDeadlineSparesStreams(t *testing.T) {
	h := newHarness(t, func(d *Deps) { d.Config.RequestTimeout = time.Minute })
	var got []string
	probe := h.server.deadlines(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := r.Context().Deadline(); ok {
			got = append(got, r.URL.Path)
		}
	}))
	for _, path := range []string{"/api/checkin", "/api/staff/call-next", "/checkin", "/api/events/display", "/api/events/staff", "/api/events/patient/x"} {
		probe.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", path, strings.NewReader("{}")))
	}
	if want := []string{"/api/checkin", "/api/staff/call-next", "/checkin"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("requests with a deadline: %v, want %v", got, want)
	}
}

// With another process holding the SQLite write lock, writes answer 503
// DATABASE_UNAVAILABLE once the request deadline passes, instead of queueing
// for the one writer connection behind each other's 5 s busy timeout (eight of
// them took 40 s), and nothing they tried is left half done.
func TestWriteLockHeldElsewhereAnswers503AtTheDeadline(t *testing.T) {
	h := newHarness(t, func(d *Deps) { d.Config.RequestTimeout = 300 * time.Millisecond })
	ana := h.checkIn("Ana", phone(0))

	// A second process: its own connection to the same file, in BEGIN IMMEDIATE.
	release := sqlitetest.HoldWriteLock(t, h.db.Path())

	type call struct{ name, method, path, body, token string }
	calls := []call{{name: "call-next", method: "POST", path: "/api/staff/call-next", token: h.staff},
		{name: "login", method: "POST", path: "/api/staff/login", body: `{"username":"nurse","password":"correct horse"}`}}
	for i := 1; i <= 6; i++ {
		b, _ := json.Marshal(map[string]string{"name": "Ben", "phone": phone(i), "appointmentTime": "10:00"})
		calls = append(calls, call{name: "check-in", method: "POST", path: "/api/checkin", body: string(b)})
	}
	results := make(chan response, len(calls))
	var wg sync.WaitGroup
	for _, c := range calls {
		wg.Go(func() {
			req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
			req.Header.Set("Content-Type", "application/json")
			if c.token != "" {
				req.Header.Set("Authorization", "Bearer "+c.token)
			}
			rec := httptest.NewRecorder()
			h.handler.ServeHTTP(rec, req)
			res := response{Code: rec.Code, Header: rec.Header(), Raw: rec.Body.String()}
			_ = json.Unmarshal(rec.Body.Bytes(), &res.Body)
			results <- res
		})
	}
	guard := time.After(hangGuard)
	for range calls {
		select {
		case res := <-results:
			res.wantError(t, http.StatusServiceUnavailable, queue.CodeUnavailable)
		case <-guard:
			t.Fatal("requests still hang on the write lock long after their deadline")
		}
	}
	wg.Wait()
	// Reads do not need the write lock (WAL): they keep working meanwhile.
	h.do("GET", "/api/position/"+ana, "").want(t, http.StatusOK)

	release()
	var integrity string
	if err := openSecond(t, h).QueryRowContext(context.Background(), "PRAGMA integrity_check").Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("integrity_check = %q, %v", integrity, err)
	}
	// None of the refused writes happened; the data from before is intact and
	// writes work again.
	q := h.asStaff("GET", "/api/staff/queue", "").want(t, http.StatusOK)
	if entries := q.list(t, "data"); len(entries) != 1 || q.str(t, "data.0.patientId") != ana || q.str(t, "data.0.status") != "waiting" {
		t.Fatalf("queue after the lock: %s", q.Raw)
	}
	if pos := h.do("GET", "/api/position/"+h.checkIn("Cy", phone(1)), "").num(t, "data.position"); pos != 2 {
		t.Fatalf("position %d after the lock, want 2", pos)
	}
}

package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/bcrypt"

	"smartwait/api/apitest"
	"smartwait/internal/auth"
	"smartwait/internal/privacy"
	"smartwait/internal/queue"
	"smartwait/internal/sqlite"
	"smartwait/internal/sqlite/sqlitetest"
	"smartwait/internal/webhook"
)

// testPublicURL is the public URL the test servers believe they have.
const testPublicURL = "https://clinic.example"

// clock is a settable time source shared by the queue, auth and web layers.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// harness is the real handler stack over a real SQLite file.
type harness struct {
	tb      testing.TB
	db      *sqlite.DB
	deps    Deps
	server  *Server
	handler http.Handler
	clock   *clock
	logs    *syncBuffer
	staff   string // a staff member's Bearer token
	admin   string // an admin's Bearer token

	mismatch *mismatches // responses and events that do not match the API document
}

// mismatches collects what the API checker finds on the server's goroutines, so
// the test reports it on its own (a test may not log after it ended).
type mismatches struct {
	mu   sync.Mutex
	errs []error
}

func (m *mismatches) add(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.errs = append(m.errs, err)
}

func (m *mismatches) take() []error {
	m.mu.Lock()
	defer m.mu.Unlock()
	errs := m.errs
	m.errs = nil
	return errs
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newHarness opens a fresh database and builds the server. opts may change the
// Deps before New (rate limits are off unless an option turns them on). It creates
// a staff and an admin account and logs both in.
func newHarness(tb testing.TB, opts ...func(*Deps)) *harness {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), sqlitetest.Migrated(tb, "web.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	clk := &clock{t: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)}
	cfg := queue.DefaultConfig()
	cfg.Location = time.UTC
	cfg.PublicURL = testPublicURL
	q := &queue.Service{Store: db, Config: cfg, Now: clk.Now, Log: slog.New(slog.DiscardHandler)}
	a := &auth.Service{Store: db, Now: clk.Now, Cost: bcrypt.MinCost}
	logs := &syncBuffer{}
	h := &harness{tb: tb, db: db, clock: clk, logs: logs}
	h.deps = Deps{
		Queue: q, Auth: a, Store: db, Messages: db,
		Audit: db, Eraser: &privacy.Eraser{Store: db, Region: cfg.PhoneRegion, Now: clk.Now},
		Config:   Config{PublicURL: testPublicURL, ClinicName: "Test Clinic"},
		Registry: prometheus.NewRegistry(),
		Log:      slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
		Now:      clk.Now,
		Version:  "test",
		Webhooks: &webhook.Service{Store: db, Now: clk.Now},
	}
	for _, o := range opts {
		o(&h.deps)
	}
	h.server, err = New(h.deps)
	if err != nil {
		tb.Fatal(err)
	}
	// Every response any test receives, and every event it streams, is checked
	// against api/openapi.yaml and api/events/ (docs/api.md, "Versioning").
	chk, err := apitest.Shared()
	if err != nil {
		tb.Fatal(err)
	}
	h.mismatch = &mismatches{}
	h.handler = chk.Handler(h.server.Handler(), h.mismatch.add)
	tb.Cleanup(func() {
		for _, err := range h.mismatch.take() {
			tb.Errorf("API document mismatch: %v", err)
		}
	})
	ctx := context.Background()
	for _, u := range []struct {
		name string
		role auth.Role
		tok  *string
	}{{"nurse", auth.RoleStaff, &h.staff}, {"boss", auth.RoleAdmin, &h.admin}} {
		if _, err := a.AddUser(ctx, u.name, "correct horse", u.role); err != nil {
			tb.Fatal(err)
		}
		tok, _, _, err := a.Login(ctx, u.name, "correct horse")
		if err != nil {
			tb.Fatal(err)
		}
		*u.tok = tok
	}
	return h
}

// response is a recorded response with its JSON body decoded.
type response struct {
	Code   int
	Header http.Header
	Raw    string
	Body   map[string]any
}

// do sends a request through the whole handler stack. headers are name, value pairs.
func (h *harness) do(method, path, body string, headers ...string) response {
	h.tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return h.serve(req)
}

func (h *harness) serve(req *http.Request) response {
	h.tb.Helper()
	rec := httptest.NewRecorder()
	h.handler.ServeHTTP(rec, req)
	for _, err := range h.mismatch.take() {
		h.tb.Errorf("API document mismatch: %v", err)
	}
	res := response{Code: rec.Code, Header: rec.Header(), Raw: rec.Body.String()}
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(rec.Body.Bytes(), &res.Body); err != nil {
			h.tb.Fatalf("%s %s: body is not a JSON object: %v\n%s", req.Method, req.URL.Path, err, res.Raw)
		}
	}
	return res
}

// asStaff and asAdmin add the Bearer header of the harness's accounts.
func (h *harness) asStaff(method, path, body string, headers ...string) response {
	h.tb.Helper()
	return h.do(method, path, body, append([]string{"Authorization", "Bearer " + h.staff}, headers...)...)
}

func (h *harness) asAdmin(method, path, body string, headers ...string) response {
	h.tb.Helper()
	return h.do(method, path, body, append([]string{"Authorization", "Bearer " + h.admin}, headers...)...)
}

// checkIn checks a patient in and returns the patient id; it fails unless 201.
func (h *harness) checkIn(name, phone string) string {
	h.tb.Helper()
	body, _ := json.Marshal(map[string]string{"name": name, "phone": phone, "appointmentTime": "10:30"})
	res := h.do("POST", "/api/checkin", string(body))
	res.want(h.tb, http.StatusCreated)
	return res.str(h.tb, "data.patientId")
}

// phone returns a distinct valid US number for each i < 1,000,000.
func phone(i int) string { return fmt.Sprintf("+1415%07d", 2000000+i) }

// want fails unless the status is code and the envelope's success matches.
func (r response) want(tb testing.TB, code int) response {
	tb.Helper()
	if r.Code != code {
		tb.Fatalf("status %d, want %d; body %s", r.Code, code, r.Raw)
	}
	if r.Body == nil {
		tb.Fatalf("no JSON body: %q", r.Raw)
	}
	if got, want := r.Body["success"], code < 400; got != want {
		tb.Fatalf("success = %v, want %v; body %s", got, want, r.Raw)
	}
	return r
}

// wantError fails unless the response is the error envelope with this status and code.
func (r response) wantError(tb testing.TB, code int, errCode string) response {
	tb.Helper()
	r.want(tb, code)
	if got := r.str(tb, "error.code"); got != errCode {
		tb.Fatalf("error.code = %s, want %s; body %s", got, errCode, r.Raw)
	}
	if r.str(tb, "error.message") == "" {
		tb.Fatalf("empty error.message: %s", r.Raw)
	}
	return r
}

// get returns the value at a dotted path of the JSON body ("data.patient.id").
func (r response) get(path string) (any, bool) {
	var v any = r.Body
	for _, k := range strings.Split(path, ".") {
		switch c := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = c[k]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			v = c[i]
		default:
			return nil, false
		}
	}
	return v, true
}

func (r response) str(tb testing.TB, path string) string {
	tb.Helper()
	v, ok := r.get(path)
	s, isStr := v.(string)
	if !ok || !isStr {
		tb.Fatalf("%s = %v (%T), want a string; body %s", path, v, v, r.Raw)
	}
	return s
}

func (r response) num(tb testing.TB, path string) int {
	tb.Helper()
	v, ok := r.get(path)
	f, isNum := v.(float64)
	if !ok || !isNum {
		tb.Fatalf("%s = %v (%T), want a number; body %s", path, v, v, r.Raw)
	}
	return int(f)
}

func (r response) list(tb testing.TB, path string) []any {
	tb.Helper()
	v, ok := r.get(path)
	l, isList := v.([]any)
	if !ok || !isList {
		tb.Fatalf("%s = %v (%T), want a list; body %s", path, v, v, r.Raw)
	}
	return l
}

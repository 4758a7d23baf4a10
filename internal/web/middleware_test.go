package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"smartwait/internal/queue"
)

func TestRoutingErrors(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		method, path string
		code         int
		errCode      string
		allow        string
	}{
		{"GET", "/api/nope", 404, codeNotFound, ""},
		{"GET", "/api", 404, codeNotFound, ""},
		{"POST", "/api/staff/unknown", 404, codeNotFound, ""},
		{"GET", "/health/nope", 404, codeNotFound, ""},
		{"GET", "/api/checkin", 405, codeMethodNotAllowed, "POST"},
		{"PUT", "/api/checkin", 405, codeMethodNotAllowed, "POST"},
		{"GET", "/api/staff/call-next", 405, codeMethodNotAllowed, "POST"},
		{"POST", "/api/queue", 405, codeMethodNotAllowed, "GET"},
		{"DELETE", "/health", 405, codeMethodNotAllowed, "GET"},
		{"POST", "/api/position/abc", 405, codeMethodNotAllowed, "GET"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			res := h.do(tt.method, tt.path, "").wantError(t, tt.code, tt.errCode)
			if tt.allow != "" && !strings.Contains(res.Header.Get("Allow"), tt.allow) {
				t.Fatalf("Allow = %q, want it to contain %s", res.Header.Get("Allow"), tt.allow)
			}
		})
	}
}

func TestBodyLimit(t *testing.T) {
	h := newHarness(t)
	big := `{"name":"` + strings.Repeat("a", 70<<10) + `","phone":"+14152000001","appointmentTime":"1"}`
	h.do("POST", "/api/checkin", big).wantError(t, 413, codeTooLarge)

	// A chunked body has no Content-Length: the limit applies while reading.
	req := httptest.NewRequest("POST", "/api/checkin", io.MultiReader(strings.NewReader(big)))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	h.serve(req).wantError(t, 413, codeTooLarge)

	req = httptest.NewRequest("POST", "/api/staff/login", io.MultiReader(strings.NewReader(`{"username":"`+strings.Repeat("u", 65<<10)+`"}`)))
	req.ContentLength = -1
	h.serve(req).wantError(t, 413, codeTooLarge)

	// Just under the limit is read (and refused for its content, not its size).
	under := `{"name":"` + strings.Repeat("a", 60<<10) + `","phone":"+14152000001","appointmentTime":"1"}`
	h.do("POST", "/api/checkin", under).wantError(t, 400, queue.CodeValidation)
}

// panickyLog is a MessageLog whose every read panics, to drive a panic through
// the real stack.
type panickyLog struct{}

func (panickyLog) Messages(context.Context, string) ([]queue.Message, error) {
	panic("boom: secret detail")
}
func (panickyLog) CountMessages(context.Context, queue.MessageStatus) (int, error) { return 0, nil }

func TestPanicIsJSON(t *testing.T) {
	h := newHarness(t, func(d *Deps) { d.Messages = panickyLog{} })
	res := h.asStaff("GET", "/api/staff/notifications", "").wantError(t, 500, codeInternal)
	if strings.Contains(res.Raw, "boom") {
		t.Fatalf("panic detail leaked to the client: %s", res.Raw)
	}
	rid := res.Header.Get("X-Request-ID")
	if rid == "" || res.str(t, "error.details.requestId") != rid {
		t.Fatalf("request id %q not in the error: %s", rid, res.Raw)
	}
	logs := h.logs.String()
	if !strings.Contains(logs, "boom: secret detail") || !strings.Contains(logs, rid) {
		t.Fatalf("panic not logged with request id %s:\n%s", rid, logs)
	}
	// The server keeps serving.
	h.asStaff("GET", "/api/staff/queue", "").want(t, 200)
}

func TestDatabaseUnavailable(t *testing.T) {
	h := newHarness(t)
	id := h.checkIn("Ana", phone(1))
	health := h.do("GET", "/health", "").want(t, 200)
	if health.str(t, "status") != "ok" || health.str(t, "data.database.status") != "ok" {
		t.Fatalf("health: %s", health.Raw)
	}
	if err := h.db.Close(); err != nil {
		t.Fatal(err)
	}
	h.do("POST", "/api/checkin", `{"name":"Ben","phone":"+14152000002","appointmentTime":"1"}`).
		wantError(t, 503, queue.CodeUnavailable)
	h.do("GET", "/api/position/"+id, "").wantError(t, 503, queue.CodeUnavailable)
	res := h.do("GET", "/health", "")
	if res.Code != 503 || res.str(t, "status") != "error" || res.str(t, "database.status") != "error" {
		t.Fatalf("health with the database closed: %d %s", res.Code, res.Raw)
	}
}

func TestHealth(t *testing.T) {
	h := newHarness(t, func(d *Deps) {
		d.BrokerStatus = func(context.Context) BrokerHealth { return BrokerHealth{Status: "ok", Kind: "memory"} }
		d.RealtimeStatus = func(context.Context) RealtimeHealth { return RealtimeHealth{Status: "ok", ConnectedClients: 3} }
	})
	h.checkIn("Ana", phone(1))
	res := h.do("GET", "/health", "").want(t, 200)
	for f, want := range map[string]string{
		"status": "ok", "version": "test", "database.status": "ok", "broker.status": "ok", "broker.kind": "memory",
		"realtime.status": "ok", "sms.status": "disabled", "sms.provider": "none", "data.status": "ok",
	} {
		if got := res.str(t, f); got != want {
			t.Fatalf("%s = %q, want %q: %s", f, got, want, res.Raw)
		}
	}
	if res.num(t, "realtime.connectedClients") != 3 || res.num(t, "sms.pending") != 1 {
		t.Fatalf("counts: %s", res.Raw)
	}
	h.clock.Add(90e9)
	if got := h.do("GET", "/health", "").num(t, "uptime"); got != 90 {
		t.Fatalf("uptime %d, want 90", got)
	}

	detailed := h.asStaff("GET", "/health/detailed", "").want(t, 200)
	if detailed.num(t, "tickets.waiting") != 1 || detailed.num(t, "messages.pending") != 1 || detailed.num(t, "goroutines") < 1 {
		t.Fatalf("detailed: %s", detailed.Raw)
	}
	detailed.num(t, "memory.allocBytes")
	detailed.str(t, "database.status")
}

func TestHealthDegraded(t *testing.T) {
	h := newHarness(t, func(d *Deps) {
		d.BrokerStatus = func(context.Context) BrokerHealth { return BrokerHealth{Status: "error", Kind: "redis"} }
	})
	res := h.do("GET", "/health", "").want(t, 200) // the database answers: still serving
	if res.str(t, "status") != "degraded" {
		t.Fatalf("status %s", res.Raw)
	}
}

func TestMetrics(t *testing.T) {
	h := newHarness(t)
	id := h.checkIn("Ana", phone(1))
	h.do("GET", "/api/position/"+id, "").want(t, 200)
	h.do("GET", "/api/position/nope", "")
	rec := httptest.NewRecorder()
	h.handler.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`smartwait_http_requests_total{code="201",method="POST",route="POST /api/checkin"} 1`,
		`smartwait_http_requests_total{code="200",method="GET",route="GET /api/position/{id...}"} 1`,
		`smartwait_http_requests_total{code="404",method="GET",route="GET /api/position/{id...}"} 1`,
		`smartwait_http_request_duration_seconds_bucket{method="POST",route="POST /api/checkin"`,
		`smartwait_queue_operation_duration_seconds_count{operation="check_in",result="ok"} 1`,
		`smartwait_queue_operation_duration_seconds_count{operation="status",result="PATIENT_NOT_FOUND"} 1`,
		`smartwait_queue_tickets{status="waiting"} 1`,
		`smartwait_queue_tickets{status="called"} 0`,
		`smartwait_sms_messages{status="pending"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Fatalf("metrics lack %s:\n%s", want, body)
		}
	}
	if strings.Contains(body, id) {
		t.Fatal("a patient id is in the metrics")
	}
}

func TestNoPatientIDInInfoLogs(t *testing.T) {
	h := newHarness(t)
	id := h.checkIn("Ana", phone(1))
	h.do("GET", "/api/position/"+id, "").want(t, 200)
	h.do("GET", "/api/status/"+id, "").want(t, 200)
	h.asStaff("GET", "/api/staff/notifications?patientId="+id, "").want(t, 200)
	h.asStaff("POST", "/api/staff/complete", `{"patientId":"`+id+`"}`).want(t, 200)
	h.do("DELETE", "/api/checkin/"+id, "").wantError(t, 409, queue.CodeNotActive)
	h.do("GET", "/api/positions/"+id, "").wantError(t, 404, codeNotFound)
	logs := h.logs.String()
	if !strings.Contains(logs, `"route":"GET /api/position/{id...}"`) {
		t.Fatalf("access log lacks the route pattern:\n%s", logs)
	}
	for _, secret := range []string{id, phone(1), "Ana"} {
		if strings.Contains(logs, secret) {
			t.Fatalf("INFO logs contain %q:\n%s", secret, logs)
		}
	}
}

func TestRequestID(t *testing.T) {
	h := newHarness(t)
	if got := h.do("GET", "/health", "", "X-Request-ID", "lb-123").Header.Get("X-Request-ID"); got != "lb-123" {
		t.Fatalf("X-Request-ID = %q, want the caller's", got)
	}
	if got := h.do("GET", "/health", "", "X-Request-ID", "bad id\"{}").Header.Get("X-Request-ID"); got == "" || strings.ContainsAny(got, " \"{}") {
		t.Fatalf("X-Request-ID = %q, want a fresh one", got)
	}
}

func TestCORS(t *testing.T) {
	h := newHarness(t, func(d *Deps) { d.Config.AllowedOrigins = []string{"https://staff.example"} })
	pre := httptest.NewRequest("OPTIONS", "/api/staff/call-next", nil)
	pre.Header.Set("Origin", "https://staff.example")
	pre.Header.Set("Access-Control-Request-Method", "POST")
	rec := httptest.NewRecorder()
	h.handler.ServeHTTP(rec, pre)
	if rec.Code != http.StatusNoContent || rec.Header().Get("Access-Control-Allow-Origin") != "https://staff.example" ||
		!strings.Contains(rec.Header().Get("Access-Control-Allow-Headers"), "Authorization") ||
		rec.Header().Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("preflight: %d %v", rec.Code, rec.Header())
	}
	pre.Header.Set("Origin", "https://evil.example")
	rec = httptest.NewRecorder()
	h.handler.ServeHTTP(rec, pre)
	if rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("foreign preflight allowed: %v", rec.Header())
	}
	res := h.do("GET", "/health", "", "Origin", testPublicURL)
	if res.Header.Get("Access-Control-Allow-Origin") != testPublicURL {
		t.Fatalf("public origin not allowed: %v", res.Header)
	}
	res = h.do("GET", "/health", "", "Origin", "https://evil.example")
	if res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("foreign origin allowed: %v", res.Header)
	}
}

// Later transports stream (SSE) and upgrade (WebSocket) through the middleware:
// the access log's writer must pass Flusher and Hijacker on.
func TestAccessLogWriterPassesFlushAndHijack(t *testing.T) {
	h := newHarness(t)
	stack := h.server.requestID(h.server.accessLog(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/flush" {
			w.(http.Flusher).Flush()
			return
		}
		conn, rw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		rw.WriteString("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
		rw.Flush()
	})))
	// The client has its response before the handler returns (a hijacked
	// connection answers by itself), and the access log line is written only
	// after: wait for the whole stack to return before reading the log.
	served := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stack.ServeHTTP(w, r)
		served <- struct{}{}
	}))
	defer srv.Close()
	for _, path := range []string{"/flush", "/hijack"} {
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if want := map[string]int{"/flush": 200, "/hijack": 204}[path]; resp.StatusCode != want {
			t.Fatalf("%s: status %d, want %d", path, resp.StatusCode, want)
		}
		select {
		case <-served:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the handler stack did not return", path)
		}
	}
	if !strings.Contains(h.logs.String(), `"status":101`) {
		t.Fatalf("hijacked request not logged as 101:\n%s", h.logs.String())
	}
}

package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"smartwait/internal/connlimit"
)

// TestSSEConnectionCap: a client IP holds at most PerIP streams; the next is
// 429 TOO_MANY_CONNECTIONS in the JSON envelope, the API still answers, and a
// closed stream's slot is free again. Past the total cap it is 503.
func TestSSEConnectionCap(t *testing.T) {
	l := connlimit.New(connlimit.Config{PerIP: 2, Max: 3})
	rh := newRealtimeHarness(t, func(d *Deps) { d.Realtime.Limiter = l })
	srv := httptest.NewServer(rh.handler)
	t.Cleanup(srv.Close)
	t.Cleanup(rh.hub.Close)

	first := openSSE(t, srv.URL+"/api/events/display")
	first.mustNext(t)
	openSSE(t, srv.URL+"/api/events/display").mustNext(t)
	refused := func(want int, headers ...string) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+"/api/events/display", nil)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		var env struct {
			Success bool
			Error   struct{ Code string }
		}
		if res.StatusCode != want || json.Unmarshal(body, &env) != nil || env.Error.Code != connlimit.Code {
			t.Fatalf("got %d %s, want %d %s", res.StatusCode, body, want, connlimit.Code)
		}
	}
	refused(http.StatusTooManyRequests)
	h := rh.do("GET", "/health", "").want(t, http.StatusOK) // the API answers while the IP is at its cap
	if h.num(t, "limits.connectionsPerIP") != 2 || h.num(t, "limits.maxConnections") != 3 || h.num(t, "limits.connections") != 2 {
		t.Errorf("/health limits = %s", h.Body)
	}

	first.res.Body.Close()
	deadline := time.Now().Add(10 * time.Second)
	for l.Open() != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("limiter holds %d slots after a stream closed, want 1", l.Open())
		}
		time.Sleep(5 * time.Millisecond) // polling with a deadline
	}
	openSSE(t, srv.URL+"/api/events/display").mustNext(t) // the freed slot

	// The total cap: under the IP's cap, over the server's.
	l2 := connlimit.New(connlimit.Config{PerIP: 10, Max: 1})
	rh2 := newRealtimeHarness(t, func(d *Deps) { d.Realtime.Limiter = l2 })
	srv2 := httptest.NewServer(rh2.handler)
	t.Cleanup(srv2.Close)
	t.Cleanup(rh2.hub.Close)
	openSSE(t, srv2.URL+"/api/events/display").mustNext(t)
	srv = srv2
	refused(http.StatusServiceUnavailable)
}

package web

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"smartwait/api"
	"smartwait/api/apitest"
)

// routeParam matches a path wildcard of a mux pattern or a document path.
var routeParam = regexp.MustCompile(`\{[^}]*\}`)

// normalRoute turns a mux pattern or a document path into a comparable form:
// every wildcard is {} and "/{$}" (exactly the root) is "/".
func normalRoute(p string) string {
	p = strings.ReplaceAll(p, "{$}", "")
	return routeParam.ReplaceAllString(p, "{}")
}

// routeServes reports whether a registered mux pattern serves the documented
// operation (method, path). A pattern without a method serves every method; one
// ending in "/" (other than the root) serves every path under it.
func routeServes(pattern, method, path string) bool {
	pm, pp, found := strings.Cut(pattern, " ")
	if !found {
		pm, pp = "", pattern
	}
	if pm != "" && pm != method {
		return false
	}
	pp, path = normalRoute(pp), normalRoute(path)
	if strings.HasSuffix(pp, "/") && pp != "/" && !strings.HasSuffix(pattern, "{$}") {
		return strings.HasPrefix(path, pp)
	}
	return pp == path
}

// TestEveryRouteIsDocumented: every pattern routes.go registers (with the real
// hub and a Socket.IO handler, so every optional route is there) has an
// operation in api/openapi.yaml, and every operation there is served by a
// registered pattern. Adding a route without documenting it, or documenting
// one that does not exist, fails here.
func TestEveryRouteIsDocumented(t *testing.T) {
	rh := newRealtimeHarness(t, func(d *Deps) { d.Realtime.SocketIO = http.NotFoundHandler() })
	patterns := rh.server.patterns
	if len(patterns) < 40 {
		t.Fatalf("only %d patterns recorded: %v", len(patterns), patterns)
	}
	chk, err := apitest.Shared()
	if err != nil {
		t.Fatal(err)
	}
	ops := chk.Operations()
	for _, p := range patterns {
		served := false
		for _, op := range ops {
			served = served || routeServes(p, op.Method, op.Path)
		}
		if !served {
			t.Errorf("route %q is not in api/openapi.yaml", p)
		}
	}
	for _, op := range ops {
		served := false
		for _, p := range patterns {
			served = served || routeServes(p, op.Method, op.Path)
		}
		if !served {
			t.Errorf("api/openapi.yaml documents %s %s, which routes.go does not register", op.Method, op.Path)
		}
	}
}

// TestOpenAPIServed: GET /api/openapi.json is the embedded document, public and
// cacheable, and answers 304 to its own ETag.
func TestOpenAPIServed(t *testing.T) {
	h := newHarness(t)
	r := h.do("GET", "/api/openapi.json", "")
	if r.Code != http.StatusOK || !bytes.Equal([]byte(r.Raw), api.OpenAPIJSON()) {
		t.Fatalf("status %d, %d bytes; want the document", r.Code, len(r.Raw))
	}
	if r.Body["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v", r.Body["openapi"])
	}
	if cc := r.Header.Get("Cache-Control"); cc != "public, max-age=300" {
		t.Errorf("Cache-Control %q", cc)
	}
	etag := r.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	if again := h.do("GET", "/api/openapi.json", "", "If-None-Match", etag); again.Code != http.StatusNotModified || again.Raw != "" {
		t.Errorf("If-None-Match: %d %q", again.Code, again.Raw)
	}
	if other := h.do("GET", "/api/openapi.json", "", "If-None-Match", `"other"`); other.Code != http.StatusOK {
		t.Errorf("another ETag: %d", other.Code)
	}
}

// TestRouteCoverageMatching: the matching the coverage test relies on.
func TestRouteCoverageMatching(t *testing.T) {
	for _, tt := range []struct {
		pattern, method, path string
		want                  bool
	}{
		{"GET /api/position/{id...}", "GET", "/api/position/{patientId}", true},
		{"GET /api/position/{id...}", "POST", "/api/position/{patientId}", false},
		{"GET /{$}", "GET", "/", true},
		{"GET /{$}", "GET", "/checkin", false},
		{"GET /static/", "GET", "/static/css/{file}", true},
		{"/socket.io/", "POST", "/socket.io/", true},
		{"GET /api/staff/queue", "GET", "/api/queue", false},
	} {
		if got := routeServes(tt.pattern, tt.method, tt.path); got != tt.want {
			t.Errorf("routeServes(%q, %s %s) = %v", tt.pattern, tt.method, tt.path, got)
		}
	}
}

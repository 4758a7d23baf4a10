package web

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestETag: every tagged read answers 200 with an ETag; the same request with
// that tag in If-None-Match gets 304 and no body; a mutation and a drift of the
// estimate with time (no new version) both change the tag.
func TestETag(t *testing.T) {
	h := newHarness(t, func(d *Deps) { d.Queue.Config.Estimator.Prior = 2 * time.Minute })
	ids := []string{h.checkIn("Ana", phone(1)), h.checkIn("Ben", phone(2)), h.checkIn("Cy", phone(3))}
	h.asStaff("POST", "/api/staff/call-next", `{"room":"1"}`).want(t, 200)

	type reader struct {
		path  string
		get   func(path string, headers ...string) response
		cache string
		weak  bool
	}
	anon := func(p string, hs ...string) response { return h.do("GET", p, "", hs...) }
	staff := func(p string, hs ...string) response { return h.asStaff("GET", p, "", hs...) }
	readers := []reader{
		{"/api/position/" + ids[2], anon, "private, no-cache", false},
		{"/api/status/" + ids[2], anon, "private, no-cache", false},
		{"/api/staff/queue", staff, "no-store", false},
		{"/api/queue", staff, "no-store", false},
		{"/api/staff/stats", staff, "no-store", false},
		{"/api/queue/stats", staff, "no-store", false},
		{"/api/display", anon, "no-cache", true},
	}
	first := map[string]string{}
	for _, rd := range readers {
		t.Run("revalidate "+rd.path, func(t *testing.T) {
			res := rd.get(rd.path).want(t, 200)
			tag := res.Header.Get("ETag")
			if !strings.HasPrefix(tag, map[bool]string{false: `"v`, true: `W/"v`}[rd.weak]) || !strings.HasSuffix(tag, `"`) {
				t.Fatalf("ETag = %q", tag)
			}
			if got := res.Header.Get("Cache-Control"); got != rd.cache {
				t.Fatalf("Cache-Control = %q, want %q", got, rd.cache)
			}
			first[rd.path] = tag
			bare := strings.TrimPrefix(tag, "W/")
			for _, inm := range []string{tag, bare, "W/" + bare, `"nope", ` + tag, `"a","b" ,` + tag, "*"} {
				nm := rd.get(rd.path, "If-None-Match", inm)
				if nm.Code != http.StatusNotModified || nm.Raw != "" {
					t.Fatalf("If-None-Match %s: %d %q, want 304 and no body", inm, nm.Code, nm.Raw)
				}
				if nm.Header.Get("ETag") != tag || nm.Header.Get("Cache-Control") != rd.cache {
					t.Fatalf("304 headers %v", nm.Header)
				}
			}
			for _, inm := range []string{`"nope"`, strings.TrimSuffix(bare, `"`), `W/`, "garbage " + tag} {
				if res := rd.get(rd.path, "If-None-Match", inm); res.Code != 200 {
					t.Fatalf("If-None-Match %s: %d, want 200", inm, res.Code)
				}
			}
		})
	}

	// A 304 never goes to whom the 200 would not: without credentials the tag
	// of the staff queue gets 401, and an unknown patient id 404.
	h.do("GET", "/api/staff/queue", "", "If-None-Match", first["/api/staff/queue"]).wantError(t, 401, "UNAUTHORIZED")
	h.do("GET", "/api/position/0b0c7a58-0c2f-4a8e-9d4e-2f6f3b1f9a10", "", "If-None-Match", "*").wantError(t, 404, "PATIENT_NOT_FOUND")

	// Time alone moves the estimates and waiting times but not the version.
	h.clock.Add(3 * time.Minute)
	for _, path := range []string{"/api/position/" + ids[2], "/api/staff/queue", "/api/staff/stats"} {
		get := anon
		if strings.HasPrefix(path, "/api/staff") {
			get = staff
		}
		res := get(path, "If-None-Match", first[path]).want(t, 200)
		if tag := res.Header.Get("ETag"); tag == first[path] || !strings.HasPrefix(tag, strings.SplitN(first[path], "-", 2)[0]+"-") {
			t.Errorf("%s after drift: ETag %q, was %q: want the same version, another hash", path, tag, first[path])
		}
	}
	// The display shows no estimate per patient, so the drift leaves it alone
	// although its updatedAt moved.
	if res := anon("/api/display", "If-None-Match", first["/api/display"]); res.Code != http.StatusNotModified {
		t.Errorf("display after a drift: %d, want 304", res.Code)
	}

	// A mutation changes every tag.
	h.asStaff("POST", "/api/staff/complete", `{"patientId":"`+ids[0]+`"}`).want(t, 200)
	for _, rd := range readers {
		res := rd.get(rd.path, "If-None-Match", first[rd.path]).want(t, 200)
		if res.Header.Get("ETag") == first[rd.path] {
			t.Errorf("%s: ETag unchanged after complete", rd.path)
		}
	}
}

func TestNoneMatch(t *testing.T) {
	const tag = `"v1-ab"`
	for _, tt := range []struct {
		lines []string
		want  bool
	}{
		{nil, false},
		{[]string{""}, false},
		{[]string{tag}, true},
		{[]string{`W/"v1-ab"`}, true},
		{[]string{`"v1-a"`}, false},
		{[]string{`"x"`, tag}, true},
		{[]string{` "x" , "v1-ab" `}, true},
		{[]string{`"x,y", "v1-ab"`}, true},
		{[]string{`*`}, true},
		{[]string{`x, "v1-ab"`}, false},
		{[]string{`"v1-ab`}, false},
	} {
		if got := noneMatch(tt.lines, tag); got != tt.want {
			t.Errorf("noneMatch(%q) = %v, want %v", tt.lines, got, tt.want)
		}
	}
	if !noneMatch([]string{tag}, "W/"+tag) {
		t.Error("a weak tag must match its strong form (weak comparison)")
	}
}

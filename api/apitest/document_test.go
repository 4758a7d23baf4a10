package apitest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"smartwait/api"
)

// TestDocumentCheckRefusesInvalid: the OpenAPI 3.1 check and the schema
// compilation fail on what a broken document looks like.
func TestDocumentCheckRefusesInvalid(t *testing.T) {
	doc := string(api.OpenAPIJSON())
	for name, broken := range map[string]string{
		"not 3.1":                      strings.Replace(doc, `"openapi": "3.1.0"`, `"openapi": "3.0.3"`, 1),
		"response without description": strings.Replace(doc, `"description": "The answer whose ETag you sent in If-None-Match is still current; no body."`, `"x-no-description": true`, 1),
		"a schema that is not one":     strings.Replace(doc, `"type": "integer"`, `"type": "int"`, 1),
		"a $ref to nothing":            strings.Replace(doc, `"$ref": "#/components/headers/ETag"`, `"$ref": "#/components/headers/Nope"`, 1),
	} {
		if broken == doc {
			t.Fatalf("%s: the replacement found nothing to break", name)
		}
		if _, err := newChecker([]byte(broken), nil); err == nil {
			t.Errorf("%s: the document passed", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

// TestMatchPrefersTheConcretePath: a literal segment beats a parameter, and a
// parameter never matches an empty segment.
func TestMatchPrefersTheConcretePath(t *testing.T) {
	ops := []*operation{
		{method: "GET", path: "/a/{x}", segs: []string{"", "a", param}, literal: 2},
		{method: "GET", path: "/a/b", segs: []string{"", "a", "b"}, literal: 3},
	}
	for path, want := range map[string]string{"/a/b": "/a/b", "/a/c": "/a/{x}", "/a/": "", "/a": "", "/a/b/c": ""} {
		got := ""
		if op := match(ops, "GET", path); op != nil {
			got = op.path
		}
		if got != want {
			t.Errorf("match(%q) = %q, want %q", path, got, want)
		}
	}
}

// TestCheckerHeadersAndContentTypes: a documented header with the wrong type
// and an undocumented content type fail.
func TestCheckerHeadersAndContentTypes(t *testing.T) {
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/api/checkin", nil)
	body := []byte(`{"success":false,"error":{"code":"RATE_LIMITED","message":"Too many check-ins"}}`)
	h := http.Header{"Content-Type": {"application/json"}, "Retry-After": {"30"}}
	if err := c.Response(req, 429, h, body); err != nil {
		t.Fatalf("a real 429 fails: %v", err)
	}
	h.Set("Retry-After", "soon")
	if err := c.Response(req, 429, h, body); err == nil {
		t.Error("Retry-After: soon passed")
	}
	h.Set("Retry-After", "30")
	h.Set("Content-Type", "text/plain")
	if err := c.Response(req, 429, h, body); err == nil {
		t.Error("an undocumented content type passed")
	}
}

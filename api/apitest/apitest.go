// Package apitest checks what the server sends against the published API
// description (package api): every HTTP response against the OpenAPI operation
// it answers (method, path template, status, content type, documented headers
// and body), and every real-time event payload against its JSON Schema. The
// tests of internal/web and internal/socketio run every response and event
// through a Checker, so the document and the code cannot drift apart. It checks
// the document against the OpenAPI 3.1 schema and validates with
// github.com/pb33f/jsonschema/v6 (JSON Schema 2020-12, OpenAPI 3.1's dialect),
// on the Strict form of the document. It is for tests only.
//
// It finds the operation and the response itself (document.go) rather than
// through an OpenAPI library: the one it used (pb33f/libopenapi-validator) was
// two fifths of the test binaries' compile time, paid three times per cold
// `make test` (plain, race and fuzzing builds), for what is here two hundred
// lines over the schema validator it already used.
package apitest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/pb33f/jsonschema/v6"

	"smartwait/api"
)

// Checker validates responses and event payloads. It is safe for concurrent
// use: once built it is read only (compiled schemas validate concurrently).
type Checker struct {
	ops    []*operation
	errSch *jsonschema.Schema
	events map[string]*jsonschema.Schema
}

// New builds a Checker from the embedded document and event schemas, in their
// Strict form. It fails if the document is not a valid OpenAPI 3.1 document or
// any schema in it or among the events does not compile.
func New() (*Checker, error) { return newChecker(api.OpenAPIJSON(), api.EventSchemas()) }

func newChecker(openapi []byte, events map[string][]byte) (*Checker, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(openapi))
	if err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	if err := checkDocument(doc); err != nil {
		return nil, err
	}
	strict, _ := Strict(doc).(map[string]any)
	comp, err := docCompiler(strict)
	if err != nil {
		return nil, err
	}
	c := &Checker{events: map[string]*jsonschema.Schema{}}
	if c.ops, err = loadOperations(comp, strict); err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	if c.errSch, err = comp.Compile(docURL + "#/components/schemas/Error"); err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	for name, raw := range events {
		sch, err := compile("mem:///events/"+name+".json", raw)
		if err != nil {
			return nil, fmt.Errorf("events/%s.json: %w", name, err)
		}
		c.events[name] = sch
	}
	return c, nil
}

// compile compiles one schema document (in its Strict form) with formats asserted.
func compile(url string, raw []byte) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	comp := jsonschema.NewCompiler()
	comp.AssertFormat()
	if err := comp.AddResource(url, Strict(doc)); err != nil {
		return nil, err
	}
	return comp.Compile(url)
}

// Event validates one event payload (its JSON text) against the schema of its
// name. An event without a schema is an error: every event is documented.
func (c *Checker) Event(name string, data []byte) error {
	sch, ok := c.events[name]
	if !ok {
		return fmt.Errorf("event %q has no schema in api/events/", name)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("event %s: payload is not JSON: %v: %s", name, err, data)
	}
	if err := sch.Validate(v); err != nil {
		return fmt.Errorf("event %s does not match api/events/%s.json: %v\npayload: %s", name, name, err, data)
	}
	return nil
}

// Response validates one response to req. body may be nil for a stream whose
// head alone is checked. Routes the document does not list may only answer the
// error envelope with 404 NOT_FOUND, 405 METHOD_NOT_ALLOWED or 413 (the body
// limit runs before routing), or, outside the JSON paths, the mux's plain 404/405.
// CORS preflights are answered before routing: 204 with no body.
func (c *Checker) Response(req *http.Request, status int, header http.Header, body []byte) error {
	where := req.Method + " " + req.URL.Path
	if req.Method == http.MethodOptions && req.Header.Get("Access-Control-Request-Method") != "" {
		if status != http.StatusNoContent || len(body) != 0 {
			return fmt.Errorf("%s: a CORS preflight answered %d with %d bytes, want 204 and no body", where, status, len(body))
		}
		return nil
	}
	method := req.Method
	if method == http.MethodHead {
		method, body = http.MethodGet, nil
	}
	op := match(c.ops, method, req.URL.EscapedPath())
	if op == nil {
		return c.undocumented(where, status, header, body)
	}
	resp := op.status(status)
	if resp == nil {
		return fmt.Errorf("%s → %d: status not documented for %s %s", where, status, op.method, op.path)
	}
	for name, sch := range resp.headers {
		for _, v := range header.Values(name) {
			if err := validateHeader(sch, resp.numeric[name], v); err != nil {
				return fmt.Errorf("%s → %d: header %s %q does not match api/openapi.yaml: %v", where, status, name, v, err)
			}
		}
	}
	if len(resp.content) == 0 {
		return nil // no body documented (a redirect's, a 304's)
	}
	mt, _, _ := mime.ParseMediaType(header.Get("Content-Type"))
	sch, documented := resp.media(mt)
	if !documented {
		return fmt.Errorf("%s → %d: content type %q not documented", where, status, mt)
	}
	if sch == nil || body == nil || status == http.StatusNotModified {
		return nil
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s → %d: body is not JSON: %v: %s", where, status, err, clip(body))
	}
	if err := sch.Validate(v); err != nil {
		return fmt.Errorf("%s → %d does not match api/openapi.yaml (%s %s): %v\nbody: %s", where, status, op.method, op.path, err, clip(body))
	}
	return nil
}

// validateHeader validates one header value: as a number when its schema is
// one, else as a string.
func validateHeader(sch *jsonschema.Schema, numeric bool, v string) error {
	if !numeric {
		return sch.Validate(v)
	}
	if _, err := strconv.ParseFloat(v, 64); err != nil {
		return errors.New("not a number")
	}
	return sch.Validate(json.Number(v))
}

func (c *Checker) undocumented(where string, status int, header http.Header, body []byte) error {
	mt, _, _ := mime.ParseMediaType(header.Get("Content-Type"))
	if mt != "application/json" {
		if status == http.StatusNotFound || status == http.StatusMethodNotAllowed {
			return nil // the mux's own answer for pages
		}
		return fmt.Errorf("%s → %d %s: route not in api/openapi.yaml", where, status, mt)
	}
	// A malformed patient id in a patient route ({id...} matches an empty or
	// slash-containing one) is PATIENT_NOT_FOUND.
	allowed := map[int][]string{404: {"NOT_FOUND", "PATIENT_NOT_FOUND"}, 405: {"METHOD_NOT_ALLOWED"}, 413: {"PAYLOAD_TOO_LARGE"}}
	codes, known := allowed[status]
	if !known {
		return fmt.Errorf("%s → %d: route not in api/openapi.yaml", where, status)
	}
	if body == nil {
		return nil
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s → %d: body is not JSON: %s", where, status, clip(body))
	}
	if err := c.errSch.Validate(v); err != nil {
		return fmt.Errorf("%s → %d: not the error envelope: %v\nbody: %s", where, status, err, clip(body))
	}
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.Unmarshal(body, &e)
	if !slices.Contains(codes, e.Error.Code) {
		return fmt.Errorf("%s → %d: code %s, want one of %v for a route the document does not list", where, status, e.Error.Code, codes)
	}
	return nil
}

// Operation is one documented route: an upper-case method and a path template.
type Operation struct{ Method, Path string }

// Operations lists every operation of the document, sorted by path, then method.
func (c *Checker) Operations() []Operation {
	out := make([]Operation, len(c.ops))
	for i, op := range c.ops {
		out[i] = Operation{op.method, op.path}
	}
	return out
}

// EventNames lists the events that have a schema, sorted.
func (c *Checker) EventNames() []string {
	var out []string
	for n := range c.events {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func clip(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}

// Shared returns one Checker for the whole test binary, built on first use:
// building one parses and compiles the whole document, which is too slow to
// repeat for every test. A Checker is read-only once built.
var Shared = sync.OnceValues(New)

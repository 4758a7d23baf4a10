// Package apitest checks what the server sends against the published API
// description (package api): every HTTP response against the OpenAPI operation
// it answers (method, path template, status, content type and body), and every
// real-time event payload against its JSON Schema. The tests of internal/web and
// internal/socketio run every response and event through a Checker, so the
// document and the code cannot drift apart. It validates with
// github.com/pb33f/libopenapi-validator (OpenAPI 3.1) and
// github.com/pb33f/jsonschema/v6 (JSON Schema 2020-12), on the Strict form of
// the document. It is for tests only.
package apitest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/pb33f/jsonschema/v6"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	vErrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/helpers"
	"github.com/pb33f/libopenapi-validator/paths"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"smartwait/api"
)

// Checker validates responses and event payloads. It is safe for concurrent use.
type Checker struct {
	mu     sync.Mutex // the validator's caches are not documented as concurrency-safe
	model  *v3.Document
	v      validator.Validator
	opts   *config.ValidationOptions
	errSch *jsonschema.Schema
	events map[string]*jsonschema.Schema
}

// New builds a Checker from the embedded document and event schemas, in their
// Strict form. It fails if the document is not a valid OpenAPI 3.1 document.
func New() (*Checker, error) {
	var doc any
	if err := json.Unmarshal(api.OpenAPIJSON(), &doc); err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	strict, err := json.Marshal(Strict(doc))
	if err != nil {
		return nil, err
	}
	d, err := libopenapi.NewDocument(strict)
	if err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	m, err := d.BuildV3Model()
	if err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	v, errs := validator.NewValidator(d, config.WithFormatAssertions())
	if len(errs) > 0 {
		return nil, fmt.Errorf("openapi.json: %w", errors.Join(errs...))
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		return nil, fmt.Errorf("openapi.json is not a valid OpenAPI document: %s", describe(verrs))
	}
	c := &Checker{model: &m.Model, v: v, opts: config.NewValidationOptions(), events: map[string]*jsonschema.Schema{}}
	if c.errSch, err = componentSchema(strict, "Error"); err != nil {
		return nil, err
	}
	for name, raw := range api.EventSchemas() {
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

// componentSchema compiles components.schemas[name] of the document as a
// standalone schema, with the other components as its $defs.
func componentSchema(openapi []byte, name string) (*jsonschema.Schema, error) {
	var doc struct {
		Components struct {
			Schemas json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openapi, &doc); err != nil {
		return nil, err
	}
	defs := strings.ReplaceAll(string(doc.Components.Schemas), `"#/components/schemas/`, `"#/$defs/`)
	raw := `{"$schema":"https://json-schema.org/draft/2020-12/schema","$defs":` + defs + `,"$ref":"#/$defs/` + name + `"}`
	return compile("mem:///components/"+name+".json", []byte(raw))
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
	c.mu.Lock()
	defer c.mu.Unlock()
	where := req.Method + " " + req.URL.Path
	if req.Method == http.MethodOptions && req.Header.Get("Access-Control-Request-Method") != "" {
		if status != http.StatusNoContent || len(body) != 0 {
			return fmt.Errorf("%s: a CORS preflight answered %d with %d bytes, want 204 and no body", where, status, len(body))
		}
		return nil
	}
	r := req.Clone(req.Context())
	r.Body, r.ContentLength = http.NoBody, 0
	head := r.Method == http.MethodHead
	if head {
		r.Method, body = http.MethodGet, nil
	}
	item, errs, _ := paths.FindPath(r, c.model, c.opts)
	if item == nil || len(errs) > 0 || item.GetOperations().GetOrZero(strings.ToLower(r.Method)) == nil {
		return c.undocumented(where, status, header, body)
	}
	if status == http.StatusNotModified || body == nil {
		return c.head(r, where, status, header)
	}
	res := &http.Response{StatusCode: status, Header: header, Body: io.NopCloser(bytes.NewReader(body)), Request: r}
	ok, errs := c.v.ValidateHttpResponse(r, res)
	if !ok && !slices.ContainsFunc(errs, func(e *vErrors.ValidationError) bool { return e.ValidationType != helpers.PathValidation }) {
		// The validator's own lookup found no operation (an empty path parameter).
		return c.undocumented(where, status, header, body)
	}
	if !ok {
		return fmt.Errorf("%s → %d does not match api/openapi.yaml: %s\nbody: %s", where, status, describe(errs), clip(body))
	}
	return nil
}

// head checks that the status and content type are documented for r, without
// a body (streams, 304).
func (c *Checker) head(r *http.Request, where string, status int, header http.Header) error {
	item, _, _ := paths.FindPath(r, c.model, c.opts)
	op := item.GetOperations().GetOrZero(strings.ToLower(r.Method))
	code := fmt.Sprint(status)
	resp := op.Responses.Codes.GetOrZero(code)
	if resp == nil {
		resp = op.Responses.Codes.GetOrZero(code[:1] + "XX")
	}
	if resp == nil {
		return fmt.Errorf("%s → %d: status not documented", where, status)
	}
	if resp.Content == nil || resp.Content.Len() == 0 {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(header.Get("Content-Type"))
	if resp.Content.GetOrZero(mt) == nil {
		return fmt.Errorf("%s → %d: content type %q not documented", where, status, mt)
	}
	return nil
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

// Operations lists every operation of the document, sorted.
func (c *Checker) Operations() []Operation {
	var out []Operation
	for p, item := range c.model.Paths.PathItems.FromOldest() {
		for m := range item.GetOperations().FromOldest() {
			out = append(out, Operation{strings.ToUpper(m), p})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Path < out[j].Path || out[i].Path == out[j].Path && out[i].Method < out[j].Method
	})
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

func describe(errs []*vErrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		b.WriteString("\n  - " + e.Message)
		if e.Reason != "" {
			b.WriteString(": " + e.Reason)
		}
		for _, s := range e.SchemaValidationErrors {
			b.WriteString("\n      " + s.FieldPath + ": " + s.Reason)
		}
	}
	return b.String()
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

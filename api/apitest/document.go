package apitest

import (
	"bytes"
	_ "embed"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/pb33f/jsonschema/v6"
)

// oasSchema is the OpenAPI Initiative's JSON Schema of OpenAPI 3.1 documents
// (https://spec.openapis.org/oas/3.1/schema/2022-10-07): the check every
// OpenAPI validator runs on a document before trusting it.
//
//go:embed oas-3.1-schema.json
var oasSchema []byte

// param stands for a path parameter among a template's segments: no
// segment of a request's escaped path can hold a NUL.
const param = "\x00"

// docURL is where the Strict document is added to the schema compiler: every
// body, header and error schema is compiled from a JSON pointer into it, so
// their $refs to #/components/schemas resolve in place.
const docURL = "mem:///openapi.json"

// operation is one documented route and what it may answer.
type operation struct {
	method    string   // upper case
	path      string   // the template, e.g. /api/position/{patientId}
	segs      []string // path split on "/"; a parameter is param (matches any non-empty segment)
	literal   int      // literal segments: a concrete path wins over a template
	responses map[string]*response
}

// response is one documented status of an operation (a code, "4XX" or "default").
type response struct {
	content map[string]*jsonschema.Schema // media type → body schema; nil schema: body not checked
	headers map[string]*jsonschema.Schema // canonical name → value schema
	numeric map[string]bool               // headers whose schema is a number
}

// docCompiler is a schema compiler holding the Strict document at docURL,
// formats asserted: each schema in it compiles where it stands, so the
// components it refers to are compiled once.
func docCompiler(strict map[string]any) (*jsonschema.Compiler, error) {
	comp := jsonschema.NewCompiler()
	comp.DefaultDraft(jsonschema.Draft2020)
	comp.AssertFormat()
	if err := comp.AddResource(docURL, strict); err != nil {
		return nil, err
	}
	return comp, nil
}

// checkDocument validates the published document (decoded) against the
// OpenAPI 3.1 schema.
func checkDocument(doc any) error {
	raw, err := jsonschema.UnmarshalJSON(bytes.NewReader(oasSchema))
	if err != nil {
		return err
	}
	comp := jsonschema.NewCompiler()
	const url = "https://spec.openapis.org/oas/3.1/schema/2022-10-07"
	if err := comp.AddResource(url, raw); err != nil {
		return err
	}
	sch, err := comp.Compile(url)
	if err != nil {
		return err
	}
	if err := sch.Validate(doc); err != nil {
		return fmt.Errorf("openapi.json is not a valid OpenAPI 3.1 document: %v", err)
	}
	return nil
}

// loadOperations compiles every operation of the Strict document doc, its
// response bodies and headers, after every schema of the document (component
// schemas, and those of parameters, request bodies and headers, which the
// checker does not use, so that each is a valid JSON Schema).
func loadOperations(comp *jsonschema.Compiler, doc map[string]any) ([]*operation, error) {
	if err := compileAll(comp, "#", doc); err != nil {
		return nil, err
	}
	var ops []*operation
	paths, _ := doc["paths"].(map[string]any)
	for path, v := range paths {
		item, _ := v.(map[string]any)
		for method, v := range item {
			o, ok := v.(map[string]any)
			if !ok || !isMethod(method) {
				continue
			}
			op := &operation{method: strings.ToUpper(method), path: path, responses: map[string]*response{}}
			for _, s := range strings.Split(path, "/") {
				if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
					s = param
				} else {
					op.literal++
				}
				op.segs = append(op.segs, s)
			}
			rs, _ := o["responses"].(map[string]any)
			for code, v := range rs {
				ptr := "#/paths/" + escape(path) + "/" + method + "/responses/" + escape(code)
				r, err := loadResponse(comp, doc, ptr, v)
				if err != nil {
					return nil, fmt.Errorf("%s %s → %s: %w", op.method, path, code, err)
				}
				op.responses[code] = r
			}
			ops = append(ops, op)
		}
	}
	sort.Slice(ops, func(i, j int) bool {
		return ops[i].path < ops[j].path || ops[i].path == ops[j].path && ops[i].method < ops[j].method
	})
	return ops, nil
}

// compileAll compiles every schema found under v (at ptr): each component
// schema and each value of a "schema" key, skipping examples.
func compileAll(comp *jsonschema.Compiler, ptr string, v any) error {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			p := ptr + "/" + escape(k)
			if k == "example" || k == "examples" {
				continue
			}
			if _, isObj := e.(map[string]any); isObj && (k == "schema" || ptr == "#/components/schemas") {
				if _, err := comp.Compile(docURL + p); err != nil {
					return fmt.Errorf("%s: %w", p[1:], err)
				}
				continue
			}
			if err := compileAll(comp, p, e); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range t {
			if err := compileAll(comp, fmt.Sprintf("%s/%d", ptr, i), e); err != nil {
				return err
			}
		}
	}
	return nil
}

// loadResponse compiles the response object v found at ptr (or at the
// component it refers to).
func loadResponse(comp *jsonschema.Compiler, doc map[string]any, ptr string, v any) (*response, error) {
	ptr, obj, err := deref(doc, ptr, v)
	if err != nil {
		return nil, err
	}
	r := &response{content: map[string]*jsonschema.Schema{}, headers: map[string]*jsonschema.Schema{}, numeric: map[string]bool{}}
	content, _ := obj["content"].(map[string]any)
	for mt, v := range content {
		media, _ := v.(map[string]any)
		if _, has := media["schema"]; !has || !isJSON(mt) {
			r.content[mt] = nil
			continue
		}
		sch, err := comp.Compile(docURL + ptr + "/content/" + escape(mt) + "/schema")
		if err != nil {
			return nil, fmt.Errorf("%s body: %w", mt, err)
		}
		r.content[mt] = sch
	}
	headers, _ := obj["headers"].(map[string]any)
	for name, v := range headers {
		hptr, h, err := deref(doc, ptr+"/headers/"+escape(name), v)
		if err != nil {
			return nil, err
		}
		s, has := h["schema"].(map[string]any)
		if !has {
			continue
		}
		sch, err := comp.Compile(docURL + hptr + "/schema")
		if err != nil {
			return nil, fmt.Errorf("header %s: %w", name, err)
		}
		key := http.CanonicalHeaderKey(name)
		r.headers[key] = sch
		r.numeric[key] = s["type"] == "integer" || s["type"] == "number"
	}
	return r, nil
}

// deref follows v's "$ref" (one within the document) when it has one: the
// object it names and that object's pointer; else v itself at ptr.
func deref(doc map[string]any, ptr string, v any) (string, map[string]any, error) {
	obj, _ := v.(map[string]any)
	ref, ok := obj["$ref"].(string)
	if !ok {
		return ptr, obj, nil
	}
	if !strings.HasPrefix(ref, "#/") {
		return "", nil, fmt.Errorf("$ref %q is not within the document", ref)
	}
	var cur any = doc
	for _, tok := range strings.Split(ref[2:], "/") {
		m, _ := cur.(map[string]any)
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		if cur, ok = m[tok]; !ok {
			return "", nil, fmt.Errorf("$ref %q names nothing", ref)
		}
	}
	obj, _ = cur.(map[string]any)
	return ref, obj, nil
}

// match finds the operation of method and (escaped) path: segments equal, a
// parameter matching any non-empty segment, the most literal template winning
// (OpenAPI: a concrete path before a templated one).
func match(ops []*operation, method, path string) *operation {
	segs := strings.Split(path, "/")
	var best *operation
	for _, op := range ops {
		if op.method != method || len(op.segs) != len(segs) || best != nil && op.literal <= best.literal {
			continue
		}
		ok := true
		for i, s := range op.segs {
			if s == param && segs[i] == "" || s != param && s != segs[i] {
				ok = false
				break
			}
		}
		if ok {
			best = op
		}
	}
	return best
}

// status is the documented response for code: the code itself, its class
// ("4XX") or "default".
func (op *operation) status(code int) *response {
	s := fmt.Sprint(code)
	for _, k := range []string{s, s[:1] + "XX", "default"} {
		if r := op.responses[k]; r != nil {
			return r
		}
	}
	return nil
}

// media is the documented body of media type mt: its own entry, else its
// type's ("text/*"), else "*/*".
func (r *response) media(mt string) (*jsonschema.Schema, bool) {
	typ, _, _ := strings.Cut(mt, "/")
	for _, k := range []string{mt, typ + "/*", "*/*"} {
		if sch, ok := r.content[k]; ok {
			return sch, true
		}
	}
	return nil, false
}

func isMethod(m string) bool {
	switch m {
	case "get", "put", "post", "delete", "options", "head", "patch", "trace":
		return true
	}
	return false
}

// isJSON reports whether a media type carries JSON (application/json,
// application/manifest+json…): the bodies the checker validates.
func isJSON(mt string) bool { return mt == "application/json" || strings.HasSuffix(mt, "+json") }

// escape makes s one JSON pointer token (RFC 6901).
func escape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

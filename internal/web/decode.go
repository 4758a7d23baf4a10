package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"smartwait/internal/queue"
)

// body is a decoded request body: the fields of a flat object of strings.
type body map[string]string

// decodeBody reads a request body into a flat object of strings, strictly: only
// the allowed field names, only string values (VALIDATION_ERROR otherwise), one
// JSON object and nothing after it (INVALID_JSON otherwise). An empty body is an
// empty object, so optional-only routes work with a bare POST, whatever its
// Content-Type. A body with content must be labelled application/json (any
// parameters, such as charset): anything else is 415 UNSUPPORTED_MEDIA_TYPE,
// because text/plain and form bodies are what any web page may make a visitor's
// browser post to us without a CORS preflight. Only the page form routes, which
// check the origin first, pass form=true: then an
// application/x-www-form-urlencoded body is accepted too, unknown form fields are
// ignored (browsers add submit buttons and the like), and a "form" body that
// starts with '{' is read as JSON. The body must already be limited (limitBody);
// going over is 413.
func decodeBody(r *http.Request, form bool, allowed ...string) (body, error) {
	b, err := decodeBodyOf(r, form, allowed)
	if err == nil { // the audit trail's entry reads its target and detail here (audit.go)
		noteBody(r, func(k string) (any, bool) { v, ok := b[k]; return v, ok })
	}
	return b, err
}

// decodeBodyOf is decodeBody's reading and decoding.
func decodeBodyOf(r *http.Request, form bool, allowed []string) (body, error) {
	raw, err := readRequestBody(r)
	if err != nil {
		return nil, err
	}
	if len(raw) == 0 {
		return body{}, nil
	}
	switch mediaType(r) {
	case "application/json":
		return decodeJSON(raw, allowed)
	case "application/x-www-form-urlencoded":
		if !form {
			break
		}
		if looksLikeJSON(raw) {
			return decodeJSON(raw, allowed)
		}
		return decodeForm(raw, allowed)
	}
	return nil, errNotJSON
}

// errNotJSON is the 415 of a body that is not labelled JSON.
var errNotJSON = &apiError{code: codeUnsupportedMedia, message: "Request body must be JSON, sent with Content-Type: application/json"}

// readRequestBody reads the whole (already limited) request body: over the limit is
// 413 PAYLOAD_TOO_LARGE, a body that cannot be read INVALID_JSON.
func readRequestBody(r *http.Request) ([]byte, error) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, &apiError{code: codeTooLarge, message: "Request body must be at most 64 KiB"}
		}
		return nil, &apiError{code: codeInvalidJSON, message: "Could not read the request body"}
	}
	return raw, nil
}

// mediaType is the request's Content-Type without parameters, lower case; "" when
// missing or malformed.
func mediaType(r *http.Request) string {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return mt
}

// looksLikeJSON catches `curl -d '{…}'`, which labels a JSON body as a form.
func looksLikeJSON(raw []byte) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && t[0] == '{'
}

func decodeForm(raw []byte, allowed []string) (body, error) {
	vals, err := url.ParseQuery(string(raw))
	if err != nil {
		return nil, &apiError{code: codeInvalidJSON, message: "Malformed form body"}
	}
	b := body{}
	for _, k := range allowed {
		if v, ok := vals[k]; ok && len(v) > 0 {
			b[k] = v[0]
		}
	}
	return b, nil
}

// jsonObject decodes raw as one JSON object and nothing after it; blank is
// an empty object. Its fields stay raw for the caller's own rules.
func jsonObject(raw []byte) (map[string]json.RawMessage, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return map[string]json.RawMessage{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	var obj map[string]json.RawMessage
	if err := dec.Decode(&obj); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return nil, invalidField("", "the request body must be a JSON object")
		}
		return nil, &apiError{code: codeInvalidJSON, message: "Malformed JSON in request body"}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &apiError{code: codeInvalidJSON, message: "Unexpected data after the JSON object"}
	}
	if obj == nil { // the body was `null`
		return nil, invalidField("", "the request body must be a JSON object")
	}
	return obj, nil
}

func decodeJSON(raw []byte, allowed []string) (body, error) {
	obj, err := jsonObject(raw)
	if err != nil {
		return nil, err
	}
	b := make(body, len(obj))
	for k, v := range obj {
		if !slices.Contains(allowed, k) {
			return nil, invalidField(k, "unknown field %q", k)
		}
		var str string
		if len(v) == 0 || v[0] != '"' || json.Unmarshal(v, &str) != nil {
			return nil, invalidField(k, "%s must be a string", k)
		}
		b[k] = str
	}
	return b, nil
}

// invalidField is a VALIDATION_ERROR naming the field ("" for the whole body).
func invalidField(field, format string, args ...any) error {
	e := queue.Errorf(queue.CodeValidation, "Validation error: "+format, args...)
	if field != "" {
		e.Details = map[string]string{"field": field}
	}
	return e
}

// required returns the named field or a VALIDATION_ERROR when it is missing or blank.
func (b body) required(field string) (string, error) {
	v := b[field]
	if strings.TrimSpace(v) == "" {
		return "", invalidField(field, "%s is required", field)
	}
	return v, nil
}

package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
)

// The settings routes of lines and rooms take booleans, integers, a list of
// line slugs and the opening hours, which decodeBody (strings only, and the
// check-in and login forms) does not. decodeTyped reads those bodies, as
// strictly: every field is declared with its JSON type, and a field that is
// unknown or of another type is a VALIDATION_ERROR naming it, before any
// other check runs.

// fieldKind is the JSON type a field must have.
type fieldKind int

const (
	kindString    fieldKind = iota // a string
	kindBool                       // true or false
	kindInt                        // a whole number that fits an int
	kindStrings                    // an array of strings
	kindStringMap                  // an object of strings, or null (cleared)
	kindObjects                    // an array of objects of strings
)

var kindNames = [...]string{
	kindString:    "a string",
	kindBool:      "true or false",
	kindInt:       "a whole number",
	kindStrings:   "an array of strings",
	kindStringMap: "an object of strings, or null",
	kindObjects:   "an array of objects of strings",
}

// fieldSpec declares the fields a route accepts and their types.
type fieldSpec map[string]fieldKind

// typedBody is a decoded body: each present field holds a string, bool, int,
// []string or map[string]string (nil for a JSON null), as its spec says.
type typedBody map[string]any

// decodeTyped reads a JSON object body whose fields are declared in spec. The
// rules of decodeBody apply: at most 64 KiB (413), an empty body is an empty
// object, a body with content must be labelled application/json (415), one
// object and nothing after it (INVALID_JSON). Forms are not accepted: no page
// posts these routes.
func decodeTyped(r *http.Request, spec fieldSpec) (typedBody, error) {
	raw, err := readRequestBody(r)
	if err != nil {
		return nil, err
	}
	if len(raw) == 0 {
		return typedBody{}, nil
	}
	if mediaType(r) != "application/json" {
		return nil, errNotJSON
	}
	obj, err := jsonObject(raw)
	if err != nil {
		return nil, err
	}
	b := make(typedBody, len(obj))
	for k, v := range obj {
		kind, known := spec[k]
		if !known {
			return nil, invalidField(k, "unknown field %q", k)
		}
		val, ok := decodeValue(v, kind)
		if !ok {
			return nil, invalidField(k, "%s must be %s", k, kindNames[kind])
		}
		b[k] = val
	}
	noteBody(r, func(k string) (any, bool) { v, ok := b[k]; return v, ok }) // the audit trail's (audit.go)
	return b, nil
}

// decodeValue reads one JSON value as kind; false when it is of another type.
func decodeValue(v json.RawMessage, kind fieldKind) (any, bool) {
	v = bytes.TrimSpace(v)
	switch kind {
	case kindString:
		var s string
		if len(v) == 0 || v[0] != '"' || json.Unmarshal(v, &s) != nil {
			return nil, false
		}
		return s, true
	case kindBool:
		var x bool
		if len(v) == 0 || (v[0] != 't' && v[0] != 'f') || json.Unmarshal(v, &x) != nil {
			return nil, false
		}
		return x, true
	case kindInt:
		// The literal itself, so that 1.5, 1e3 and numbers past int64 are
		// refused rather than rounded.
		n, err := strconv.Atoi(string(v))
		if err != nil {
			return nil, false
		}
		return n, true
	case kindStrings:
		var elems []json.RawMessage
		if len(v) == 0 || v[0] != '[' || json.Unmarshal(v, &elems) != nil {
			return nil, false
		}
		l := make([]string, len(elems))
		for i, e := range elems {
			s, ok := decodeValue(e, kindString)
			if !ok {
				return nil, false
			}
			l[i] = s.(string)
		}
		return l, true
	case kindStringMap:
		if string(v) == "null" {
			return map[string]string(nil), true
		}
		var elems map[string]json.RawMessage
		if len(v) == 0 || v[0] != '{' || json.Unmarshal(v, &elems) != nil {
			return nil, false
		}
		m := make(map[string]string, len(elems))
		for k, e := range elems {
			s, ok := decodeValue(e, kindString)
			if !ok {
				return nil, false
			}
			m[k] = s.(string)
		}
		return m, true
	case kindObjects:
		var elems []json.RawMessage
		if len(v) == 0 || v[0] != '[' || json.Unmarshal(v, &elems) != nil {
			return nil, false
		}
		l := make([]map[string]string, len(elems))
		for i, e := range elems {
			m, ok := decodeValue(e, kindStringMap)
			if !ok || m.(map[string]string) == nil {
				return nil, false
			}
			l[i] = m.(map[string]string)
		}
		return l, true
	}
	return nil, false
}

// str returns a string field, nil when absent.
func (b typedBody) str(name string) *string {
	if v, ok := b[name].(string); ok {
		return &v
	}
	return nil
}

// boolean returns a boolean field, nil when absent.
func (b typedBody) boolean(name string) *bool {
	if v, ok := b[name].(bool); ok {
		return &v
	}
	return nil
}

// integer returns an integer field, nil when absent.
func (b typedBody) integer(name string) *int {
	if v, ok := b[name].(int); ok {
		return &v
	}
	return nil
}

// strings returns a string-array field, nil when absent.
func (b typedBody) strings(name string) *[]string {
	if v, ok := b[name].([]string); ok {
		return &v
	}
	return nil
}

// stringMap returns an object field: present reports whether it was sent at
// all, and m is nil when it was sent as null.
func (b typedBody) stringMap(name string) (m map[string]string, present bool) {
	v, present := b[name]
	m, _ = v.(map[string]string)
	return m, present
}

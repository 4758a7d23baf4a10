package apitest

// Strict returns a copy of a decoded JSON Schema or OpenAPI document in which
// every object schema that lists its properties and says nothing about others
// gets "additionalProperties": false. The published document allows fields to be
// added (docs/api.md, versioning); the tests use this strict form so that a field
// the server sends but the document does not name fails them: the document stays
// complete. A schema that is open on purpose says "additionalProperties: true".
func Strict(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t)+1)
		for k, e := range t {
			out[k] = Strict(e)
		}
		if props, ok := t["properties"].(map[string]any); ok && props != nil {
			_, add := t["additionalProperties"]
			_, uneval := t["unevaluatedProperties"]
			if !add && !uneval {
				out["additionalProperties"] = false
			}
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = Strict(e)
		}
		return out
	}
	return v
}

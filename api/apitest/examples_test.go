package apitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/pb33f/jsonschema/v6"

	"smartwait/api"
)

// TestExamplesMatchTheirSchemas holds every JSON example in the document to the
// schema beside it, in the same strict form the server's responses are held to:
// an example that names a field the schema lacks, misses a required one or has
// the wrong type fails, so the examples integrators copy stay real responses.
func TestExamplesMatchTheirSchemas(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(api.OpenAPIJSON(), &doc); err != nil {
		t.Fatal(err)
	}
	comps, _ := doc["components"].(map[string]any)
	schemas, _ := json.Marshal(comps["schemas"])
	defs := strings.ReplaceAll(string(schemas), `"#/components/schemas/`, `"#/$defs/`)
	responses, _ := comps["responses"].(map[string]any)

	checked := 0
	check := func(where string, media map[string]any) {
		ex, hasEx := media["example"]
		sch, hasSch := media["schema"]
		if !hasEx || !hasSch {
			return
		}
		raw, _ := json.Marshal(sch)
		inline := strings.ReplaceAll(string(raw), `"#/components/schemas/`, `"#/$defs/`)
		full := fmt.Sprintf(`{"$schema":"https://json-schema.org/draft/2020-12/schema","$defs":%s,"allOf":[%s]}`, defs, inline)
		s, err := compile("mem:///examples/"+fmt.Sprint(checked)+".json", []byte(full))
		if err != nil {
			t.Errorf("%s: schema does not compile: %v", where, err)
			return
		}
		exRaw, _ := json.Marshal(ex)
		v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(exRaw))
		if err := s.Validate(v); err != nil {
			t.Errorf("%s: the example does not match its schema: %v\nexample: %s", where, err, exRaw)
		}
		checked++
	}
	content := func(where string, resp map[string]any) {
		if ref, ok := resp["$ref"].(string); ok {
			resp, _ = responses[strings.TrimPrefix(ref, "#/components/responses/")].(map[string]any)
		}
		c, _ := resp["content"].(map[string]any)
		for mt, m := range c {
			if mm, ok := m.(map[string]any); ok && strings.Contains(mt, "json") {
				check(where+" "+mt, mm)
			}
		}
	}
	paths, _ := doc["paths"].(map[string]any)
	for p, item := range paths {
		ops, _ := item.(map[string]any)
		for method, op := range ops {
			o, ok := op.(map[string]any)
			if !ok {
				continue
			}
			if rb, ok := o["requestBody"].(map[string]any); ok {
				content(strings.ToUpper(method)+" "+p+" request", rb)
			}
			rs, _ := o["responses"].(map[string]any)
			for status, r := range rs {
				if rm, ok := r.(map[string]any); ok {
					content(strings.ToUpper(method)+" "+p+" → "+status, rm)
				}
			}
		}
	}
	if checked < 20 {
		t.Fatalf("checked only %d examples: the walk no longer finds them", checked)
	}
	t.Logf("%d examples match their schemas", checked)
}

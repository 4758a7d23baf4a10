package apitest

import (
	"bytes"
	"encoding/json"
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
	raw, err := jsonschema.UnmarshalJSON(bytes.NewReader(api.OpenAPIJSON()))
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := Strict(raw).(map[string]any)
	comp, err := docCompiler(doc)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	check := func(where, ptr string, media map[string]any) {
		ex, hasEx := media["example"]
		if _, hasSch := media["schema"]; !hasEx || !hasSch {
			return
		}
		s, err := comp.Compile(docURL + ptr + "/schema")
		if err != nil {
			t.Errorf("%s: schema does not compile: %v", where, err)
			return
		}
		if err := s.Validate(ex); err != nil {
			exRaw, _ := json.Marshal(ex)
			t.Errorf("%s: the example does not match its schema: %v\nexample: %s", where, err, exRaw)
		}
		checked++
	}
	content := func(where, ptr string, v any) {
		ptr, obj, err := deref(doc, ptr, v)
		if err != nil {
			t.Errorf("%s: %v", where, err)
			return
		}
		c, _ := obj["content"].(map[string]any)
		for mt, m := range c {
			if mm, ok := m.(map[string]any); ok && strings.Contains(mt, "json") {
				check(where+" "+mt, ptr+"/content/"+escape(mt), mm)
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
			at := "#/paths/" + escape(p) + "/" + method
			if rb, ok := o["requestBody"]; ok {
				content(strings.ToUpper(method)+" "+p+" request", at+"/requestBody", rb)
			}
			rs, _ := o["responses"].(map[string]any)
			for status, r := range rs {
				content(strings.ToUpper(method)+" "+p+" → "+status, at+"/responses/"+escape(status), r)
			}
		}
	}
	if checked < 20 {
		t.Fatalf("checked only %d examples: the walk no longer finds them", checked)
	}
	t.Logf("%d examples match their schemas", checked)
}

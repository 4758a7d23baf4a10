package api_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"

	"github.com/pb33f/go-yaml"
	lojson "github.com/pb33f/libopenapi/json"

	"smartwait/api"
	"smartwait/api/apitest"
)

var update = flag.Bool("update", false, "rewrite openapi.json from openapi.yaml")

// TestOpenAPIJSONIsGenerated: the served openapi.json is exactly openapi.yaml
// converted (keys in the written order). After editing the YAML, run
// `go test ./api -run JSON -update`.
func TestOpenAPIJSONIsGenerated(t *testing.T) {
	var node yaml.Node
	if err := yaml.Unmarshal(api.OpenAPIYAML(), &node); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	want, err := lojson.YAMLNodeToJSON(&node, "  ")
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
	if *update {
		if err := os.WriteFile("openapi.json", want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(api.OpenAPIJSON(), want) {
		t.Fatal("openapi.json is not openapi.yaml converted: run `go test ./api -run JSON -update`")
	}
}

// TestDocumentIsValid: the document passes the validator's own check against
// the OpenAPI 3.1 schema, and every event schema compiles (apitest.New does both).
func TestDocumentIsValid(t *testing.T) {
	c, err := apitest.New()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Operations()) < 40 {
		t.Errorf("only %d operations", len(c.Operations()))
	}
}

// TestDocumentIsOpen: the published document lets later versions add fields
// (docs/api.md, versioning): no schema closes itself with additionalProperties
// false; only the tests' Strict form does.
func TestDocumentIsOpen(t *testing.T) {
	docs := map[string][]byte{"openapi.json": api.OpenAPIJSON()}
	for n, b := range api.EventSchemas() {
		docs["events/"+n+".json"] = b
	}
	for name, raw := range docs {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		walk(v, func(m map[string]any) {
			if m["additionalProperties"] == false {
				t.Errorf("%s: a schema has additionalProperties: false", name)
			}
		})
	}
}

func walk(v any, f func(map[string]any)) {
	switch t := v.(type) {
	case map[string]any:
		f(t)
		for _, e := range t {
			walk(e, f)
		}
	case []any:
		for _, e := range t {
			walk(e, f)
		}
	}
}

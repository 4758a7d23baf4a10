// Package api is SmartWait's published API description: the OpenAPI 3.1
// document of every HTTP route (openapi.yaml, and openapi.json generated from it
// by `go test ./api -update`) and a JSON Schema (2020-12) for every real-time
// event payload (events/<event name>.json). The server serves the JSON form at
// GET /api/openapi.json; the tests validate every response and event they see
// against these files (package apitest), so they cannot drift from the code.
// The guides are docs/api.md and docs/events.md.
package api

import (
	"embed"
	"io/fs"
	"path"
	"strings"
)

//go:embed openapi.yaml openapi.json events/*.json
var files embed.FS

// OpenAPIJSON returns the OpenAPI document as JSON (a fresh copy).
func OpenAPIJSON() []byte { return mustRead("openapi.json") }

// OpenAPIYAML returns the OpenAPI document as written (a fresh copy).
func OpenAPIYAML() []byte { return mustRead("openapi.yaml") }

// EventSchemas returns the JSON Schema of every event payload, by event name
// ("queue_update", "room-joined", …).
func EventSchemas() map[string][]byte {
	names, err := fs.Glob(files, "events/*.json")
	if err != nil {
		panic(err) // the pattern is a constant
	}
	out := make(map[string][]byte, len(names))
	for _, n := range names {
		out[strings.TrimSuffix(path.Base(n), ".json")] = mustRead(n)
	}
	return out
}

// mustRead reads an embedded file; the embed patterns guarantee it exists.
func mustRead(name string) []byte {
	b, err := files.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return b
}

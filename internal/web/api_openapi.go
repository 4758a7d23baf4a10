package web

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"

	"smartwait/api"
)

// handleOpenAPI serves GET /api/openapi.json: the API document (api/openapi.yaml
// as JSON), public, cacheable for five minutes and revalidated by its ETag, so
// integrators' tools can load it straight from a running server.
func (s *Server) handleOpenAPI() http.Handler {
	body := api.OpenAPIJSON()
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "public, max-age=300")
		h.Set("ETag", etag)
		if etagMatch(r.Header.Get("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		h.Set("Content-Type", "application/json; charset=utf-8")
		h.Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(body)
	})
}

// etagMatch reports whether an If-None-Match header names etag (or is "*").
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

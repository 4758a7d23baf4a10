package web

import (
	"go/build"
	"path/filepath"
	"strings"
	"testing"
)

// TestDependencies keeps the HTTP layer away from storage, Redis and the SMS
// provider: it works through queue.Service, auth.Service and the small
// interfaces of Deps (STYLE.md). Only tests may open a real database.
func TestDependencies(t *testing.T) {
	forbidden := []string{
		"smartwait/internal/sqlite", "smartwait/internal/postgres", "smartwait/internal/sms",
		"modernc.org/sqlite", "github.com/jackc/pgx", "github.com/redis/go-redis", "database/sql",
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var walk func(dir, path string)
	walk = func(dir, path string) {
		if seen[path] {
			return
		}
		seen[path] = true
		pkg, err := build.ImportDir(dir, 0)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, imp := range pkg.Imports {
			for _, f := range forbidden {
				if imp == f || strings.HasPrefix(imp, f+"/") {
					t.Errorf("%s imports %s", path, imp)
				}
			}
			if rest, ok := strings.CutPrefix(imp, "smartwait/"); ok {
				walk(filepath.Join(root, rest), imp)
			}
		}
	}
	walk(".", "smartwait/internal/web")
	if !seen["smartwait/internal/queue"] || !seen["smartwait/internal/auth"] {
		t.Fatalf("walked %v; want queue and auth among them", seen)
	}
}

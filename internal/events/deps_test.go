package events

import (
	"go/build"
	"testing"
)

// TestDependencies keeps the events package a pure translation from the
// domain to the wire: it may use the domain (queue) and the hub's message
// types (realtime), and nothing that serves, stores or sends.
func TestDependencies(t *testing.T) {
	allowed := map[string]bool{"smartwait/internal/queue": true, "smartwait/internal/realtime": true}
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	own := 0
	for _, imp := range pkg.Imports {
		if len(imp) > len("smartwait/") && imp[:len("smartwait/")] == "smartwait/" {
			own++
			if !allowed[imp] {
				t.Errorf("internal/events imports %s", imp)
			}
		} else if imp == "net/http" || imp == "database/sql" {
			t.Errorf("internal/events imports %s", imp)
		}
	}
	if own == 0 {
		t.Fatal("no SmartWait imports found: wrong directory?")
	}
}

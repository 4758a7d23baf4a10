package realtime_test

import (
	"go/build"
	"strings"
	"testing"
)

// TestKnowsNothingAboutQueues keeps the hub generic (STYLE.md): it imports no
// SmartWait package, so rooms and events are only strings and JSON to it.
func TestKnowsNothingAboutQueues(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if strings.HasPrefix(imp, "smartwait/") {
			t.Errorf("internal/realtime imports %s", imp)
		}
	}
	if len(pkg.Imports) == 0 {
		t.Fatal("no imports found: wrong directory?")
	}
}

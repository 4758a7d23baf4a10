package api_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// mdLink matches the target of a Markdown link or image: ](target).
var mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// TestNoLinksOutsideTheRepository: the repository documents itself. No file
// names the old contract outside it, and every relative Markdown link resolves
// to a file inside the repository that exists (web links are fine).
func TestNoLinksOutsideTheRepository(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	// Built by parts so that this file does not match itself.
	banned := []string{"CONTRACT" + ".md", "../" + "shared", "/work/" + "shared", "CONTRACT" + " §"}
	exts := map[string]bool{".md": true, ".go": true, ".mjs": true, ".js": true, ".sql": true,
		".yaml": true, ".json": true, ".sh": true, ".html": true, ".css": true, ".tmpl": true}
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "bin":
				return filepath.SkipDir
			}
			return nil
		}
		if !exts[filepath.Ext(path)] && d.Name() != "Makefile" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		text := string(b)
		checked++
		for _, s := range banned {
			if strings.Contains(text, s) {
				t.Errorf("%s mentions %q: link to docs/api.md or docs/events.md instead", rel, s)
			}
		}
		if filepath.Ext(path) != ".md" {
			return nil
		}
		for _, m := range mdLink.FindAllStringSubmatch(text, -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "#") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			target, _, _ = strings.Cut(target, "#")
			abs := filepath.Join(filepath.Dir(path), target)
			if r, err := filepath.Rel(root, abs); err != nil || strings.HasPrefix(r, "..") || filepath.IsAbs(target) {
				t.Errorf("%s links outside the repository: %s", rel, m[1])
				continue
			}
			if _, err := os.Stat(abs); err != nil {
				t.Errorf("%s links to a missing file: %s", rel, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("only %d files checked", checked)
	}
}

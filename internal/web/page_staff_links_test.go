package web

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// hrefRE finds the links of a rendered page.
var hrefRE = regexp.MustCompile(`href="([^"]+)"`)

// pageLinks is the page's links to our own pages (not static files, not
// the language switch's query links).
func pageLinks(raw string) []string {
	var out []string
	for _, m := range hrefRE.FindAllStringSubmatch(raw, -1) {
		l := strings.ReplaceAll(m[1], "&amp;", "&")
		if strings.HasPrefix(l, "/") && !strings.HasPrefix(l, "/static/") && !strings.HasPrefix(l, "/manifest") && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// TestStaffPageLinksOpen walks the staff pages each account reaches from
// its dashboard: every link on them opens for that account (no 403 for a
// clinic admin on the deployment's admin page), and the kiosk, display and
// poster links are the account's own clinic's.
func TestStaffPageLinksOpen(t *testing.T) {
	w := newAuthzWorld(t)
	for _, tc := range []struct {
		user      string
		admin     bool   // sees the link to /staff/admin
		home      string // the clinic its kiosk, display and poster links go to
		wantPages int    // staff pages reached (dashboard included)
	}{
		{user: "root", admin: true, home: "", wantPages: 5},
		{user: mainAdmin, home: "", wantPages: 1},
		{user: mainStaff, home: "", wantPages: 1},
		{user: northAdmin, home: "/c/north", wantPages: 1},
		{user: northStaff, home: "/c/north", wantPages: 1},
	} {
		t.Run(tc.user, func(t *testing.T) {
			seen := map[string]bool{}
			todo := []string{"/staff"}
			for len(todo) > 0 {
				p := todo[0]
				todo = todo[1:]
				if seen[p] {
					continue
				}
				seen[p] = true
				r := w.asCookie(tc.user, "GET", p, "")
				if r.Code != http.StatusOK {
					t.Fatalf("%s opens %s: %d %.300s", tc.user, p, r.Code, r.Raw)
				}
				if !strings.HasPrefix(p, "/staff") || strings.Contains(p, ".csv") {
					continue // a patient page or a download: its links are not the account's
				}
				todo = append(todo, pageLinks(r.Raw)...)
				if p == "/staff" {
					if got := strings.Contains(r.Raw, `href="/staff/admin"`); got != tc.admin {
						t.Errorf("%s's dashboard links the admin page: %v, want %v", tc.user, got, tc.admin)
					}
					for _, pg := range []string{"/kiosk", "/display", "/qr"} {
						if !strings.Contains(r.Raw, `href="`+tc.home+pg+`"`) {
							t.Errorf("%s's dashboard has no link to %s%s", tc.user, tc.home, pg)
						}
					}
				}
			}
			staff := 0
			for p := range seen {
				if strings.HasPrefix(p, "/staff") && !strings.Contains(p, "?") && !strings.Contains(p, ".csv") {
					staff++
				}
			}
			if staff != tc.wantPages {
				t.Errorf("%s reached %d staff pages, want %d: %v", tc.user, staff, tc.wantPages, seen)
			}
		})
	}
}

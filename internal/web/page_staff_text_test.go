package web

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"smartwait/internal/i18n"
	"smartwait/internal/queue"
)

// The staff pages' words live in the catalogue (issue 16): the staff pages
// stay English, but a later translation must be a catalogue file, not a hunt
// through templates, Go and scripts. These tests fail when a word reaches a
// staff page from anywhere else.

// Marks around every text of a marked catalogue: the parts of a message
// between its placeholders, so what fills a placeholder stays unmarked and
// must be data the test put there.
const markOpen, markClose = "⟦", "⟧"

var (
	marked      = regexp.MustCompile(markOpen + `[^` + markOpen + markClose + `]*` + markClose)
	slot        = regexp.MustCompile(`\{[A-Za-z][A-Za-z0-9]*\}`)
	letter      = regexp.MustCompile(`\p{L}`)
	visibleAttr = regexp.MustCompile(`\s(aria-label|title|placeholder|alt|data-confirm)="([^"]*)"`)
)

// markedCatalog is the compiled-in catalogues with every English message's
// text marked; Spanish is left as it is.
func markedCatalog(tb testing.TB) *i18n.Catalog {
	tb.Helper()
	read := func(lang string) []byte {
		b, err := os.ReadFile("../i18n/catalog/" + lang + ".json")
		if err != nil {
			tb.Fatal(err)
		}
		return b
	}
	var tree map[string]any
	if err := json.Unmarshal(read("en"), &tree); err != nil {
		tb.Fatal(err)
	}
	var mark func(v any) any
	mark = func(v any) any {
		switch v := v.(type) {
		case string:
			var b strings.Builder
			last := 0
			for _, m := range slot.FindAllStringIndex(v, -1) {
				if m[0] > last {
					b.WriteString(markOpen + v[last:m[0]] + markClose)
				}
				b.WriteString(v[m[0]:m[1]])
				last = m[1]
			}
			if last < len(v) {
				b.WriteString(markOpen + v[last:] + markClose)
			}
			return b.String()
		case map[string]any:
			for k, x := range v {
				if k != "by" {
					v[k] = mark(x)
				}
			}
		}
		return v
	}
	en, err := json.Marshal(mark(tree))
	if err != nil {
		tb.Fatal(err)
	}
	c, err := i18n.LoadFS(fstest.MapFS{"en.json": {Data: en}, "es.json": {Data: read("es")}}, []string{"en", "es"}, "en")
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// visibleTexts is what a person reads or hears of a page: its text outside
// scripts, the attributes a screen reader or the browser shows, and what a
// text input holds.
func visibleTexts(page string) []string {
	page = regexp.MustCompile(`(?s)<script[^>]*>.*?</script>`).ReplaceAllString(page, "")
	var out []string
	for _, tag := range regexp.MustCompile(`<[^>]*>`).FindAllString(page, -1) {
		for _, m := range visibleAttr.FindAllStringSubmatch(tag, -1) {
			out = append(out, m[2])
		}
		if strings.HasPrefix(tag, "<input") && !regexp.MustCompile(`type="(hidden|checkbox|radio)"`).MatchString(tag) {
			if m := regexp.MustCompile(`\svalue="([^"]*)"`).FindStringSubmatch(tag); m != nil {
				out = append(out, m[1])
			}
		}
	}
	out = append(out, regexp.MustCompile(`<[^>]*>`).Split(page, -1)...)
	for i, s := range out {
		out[i] = html.UnescapeString(s)
	}
	return out
}

// unexplained is what of text is neither a marked catalogue message nor one
// of data (the test's clinic, accounts, lines and rooms; a list of them), nor
// free of letters.
func unexplained(text string, data []string) []string {
	var out []string
	for _, part := range marked.Split(text, -1) {
		part = strings.TrimFunc(part, func(r rune) bool { return !letter.MatchString(string(r)) })
		if part == "" {
			continue
		}
		ok := true
		for _, item := range strings.Split(part, ", ") {
			if !slices.Contains(data, item) && letter.MatchString(item) {
				ok = false
			}
		}
		if !ok {
			out = append(out, part)
		}
	}
	return out
}

// TestStaffPagesSpeakOnlyTheCatalogue renders every staff page, in each of
// the states its templates and handlers word differently, with a catalogue
// whose English is marked: every letter on the page must come from a marked
// message or from the test's own data. A word written into a staff template
// or the Go that fills it shows up unmarked and fails here. It also checks
// that the staff pages are English whatever the browser asks.
func TestStaffPagesSpeakOnlyTheCatalogue(t *testing.T) {
	h := newHarness(t, func(d *Deps) { d.Catalog = markedCatalog(t) })
	h.asAdmin("PATCH", "/api/staff/lines/default", `{"name":"Qmain"}`).want(t, http.StatusOK)
	data := []string{"Test Clinic", "nurse", "boss", "staff", "admin", "kiosk", "Qmain", "default", "A"}
	es := []string{"Accept-Language", "es", "Cookie", langCookie + "=es"}

	type shot struct {
		name string
		r    response
		also []string // messages not of the page's own: the API's, shown as it gives them
	}
	apiMessage := func(r response) []string { return []string{r.str(t, "error.message")} }
	var shots []shot
	take := func(name string, r response, also ...string) {
		t.Helper()
		if r.Code >= 500 {
			t.Fatalf("%s: status %d %.300s", name, r.Code, r.Raw)
		}
		shots = append(shots, shot{name, r, also})
	}
	take("sign-in", h.do("GET", "/staff/login?lang=es", "", es...))
	take("sign-in without a password", h.form("/staff/login", url.Values{"username": {"nurse"}}, es...))
	take("sign-in refused", h.form("/staff/login", url.Values{"username": {"nurse"}, "password": {"wrong password"}}),
		apiMessage(h.do("POST", "/api/staff/login", `{"username":"nurse","password":"wrong password"}`))...)
	take("dashboard, no rooms", h.do("GET", "/staff?lang=es", "", append(cookie(h.staff), "Accept-Language", "es")...))
	take("admin, no rooms", h.do("GET", "/staff/admin?done=added", "", cookie(h.admin)...))
	take("admin refuses staff", h.do("GET", "/staff/admin", "", cookie(h.staff)...))

	h.addLine("qlab", "Qlab", "L", map[string]any{"public": false, "hours": map[string]string{"mon": "08:00-12:00", "tue": "08:00-12:00", "sat": "09:00-10:00"}})
	h.addLine("qxr", "Qxr", "X", map[string]any{"open": false, "hours": map[string]string{}})
	h.addRoom("Qroom", "default", "qlab")
	h.asAdmin("POST", "/api/staff/rooms", `{"name":"Qbench","lines":["qlab"],"open":false}`).want(t, http.StatusCreated)
	h.asAdmin("POST", "/api/staff/rooms", `{"name":"Qbare","lines":[]}`).want(t, http.StatusCreated)
	data = append(data, "Qlab", "qlab", "Qxr", "qxr", "Qroom", "Qbench", "Qbare", "L", "X")
	take("dashboard, rooms", h.do("GET", "/staff", "", cookie(h.admin)...))
	take("admin, rooms", h.do("GET", "/staff/admin?done=removed", "", cookie(h.admin)...))
	take("admin, removing oneself", h.form("/staff/admin/users/remove", url.Values{"username": {"boss"}}, cookie(h.admin)...))
	dup := url.Values{"username": {"nurse"}, "password": {"a long enough password"}, "role": {"kiosk"}}
	take("admin, account refused", h.form("/staff/admin/users", dup, cookie(h.admin)...),
		apiMessage(h.asAdmin("POST", "/api/staff/users", `{"username":"nurse","password":"a long enough password","role":"kiosk"}`))...)

	take("webhooks, none", h.do("GET", "/staff/admin/webhooks", "", cookie(h.admin)...))
	h.asAdmin("POST", "/api/staff/webhooks", `{"url":"https://qhooks.example/in","description":"Qehr","events":["ticket.created"],"personalData":true}`).want(t, http.StatusCreated)
	h.asAdmin("POST", "/api/staff/webhooks", `{"url":"https://qoff.example/in","events":["ticket.called","sms.status"],"enabled":false}`).want(t, http.StatusCreated)
	take("webhooks", h.do("GET", "/staff/admin/webhooks", "", cookie(h.admin)...))
	data = append(data, "https://qhooks.example/in", "Qehr", "https://qoff.example/in", "ticket.called", "sms.status")
	for _, typ := range queue.WebhookEventTypes {
		data = append(data, string(typ))
	}
	// The audit page: its entries' codes, details and ticket ids are shown as
	// the API gives them, like its messages.
	h.asStaff("POST", "/api/staff/complete", `{"patientId":"00000000-0000-4000-8000-000000000000"}`)
	h.asAdmin("POST", "/api/staff/erase", `{"phone":"+14155552671"}`).want(t, http.StatusOK)
	var asGiven []string
	for _, e := range h.trail("") {
		asGiven = append(asGiven, e.Detail, e.Result, shortID(e.ID))
	}
	take("audit log", h.do("GET", "/staff/admin/audit", "", cookie(h.admin)...), asGiven...)
	take("audit log, filtered", h.do("GET", "/staff/admin/audit?action=login&actor=nurse&day=2026-11-28", "", cookie(h.admin)...), asGiven...)
	data = append(data, "someday") // the filter as typed, shown back in its field
	take("audit log, bad day", h.do("GET", "/staff/admin/audit?day=someday", "", cookie(h.admin)...),
		apiMessage(h.asAdmin("GET", "/api/staff/audit?day=someday", ""))...)
	take("audit log refuses staff", h.do("GET", "/staff/admin/audit", "", cookie(h.staff)...))

	for _, s := range shots {
		texts := visibleTexts(s.r.Raw)
		if !strings.HasPrefix(s.r.Header.Get("Content-Type"), "text/html") {
			texts = []string{s.r.Raw}
		} else if !strings.Contains(s.r.Raw, `<html lang="en">`) {
			t.Errorf("%s: not an English page", s.name)
		}
		seen := map[string]bool{}
		// The longest first, so a short one ("ok") does not eat into a longer
		// one that holds it (a URL like "https://qhooks.example/in").
		also := slices.Clone(s.also)
		slices.SortFunc(also, func(a, b string) int { return len(b) - len(a) })
		for _, text := range texts {
			for _, also := range also {
				text = strings.ReplaceAll(text, also, "")
			}
			for _, u := range unexplained(text, data) {
				if !seen[u] {
					seen[u] = true
					t.Errorf("%s: %q is not from the catalogue (in %q)", s.name, u, strings.TrimSpace(text))
				}
			}
		}
	}
}

// TestUnexplainedFindsStrayWords keeps the check above honest: it finds a word
// outside the marks, and only that.
func TestUnexplainedFindsStrayWords(t *testing.T) {
	data := []string{"Lab", "Main queue"}
	for text, want := range map[string][]string{
		"⟦Serves ⟧Main queue, Lab⟦ · Open⟧": nil,
		"⟦Serves ⟧Main queue, Lab · Open":   {"Main queue, Lab · Open"},
		"Lab⟦ (closed)⟧":                    nil,
		"Room 1":                            {"Room"},
		" (closed)":                         {"closed"},
		"⟦Waiting · #⟧3":                    nil,
		"12 · –":                            nil,
	} {
		if got := unexplained(text, data); !slices.Equal(got, want) {
			t.Errorf("unexplained(%q) = %q, want %q", text, got, want)
		}
	}
	texts := visibleTexts(`<p title="Hi there">x &amp; y</p><script>var a = 'no';</script><input type="hidden" value="v"><input value="Room 1">`)
	for _, want := range []string{"Hi there", "x & y", "Room 1"} {
		if !slices.Contains(texts, want) {
			t.Errorf("visibleTexts misses %q: %q", want, texts)
		}
	}
	for _, bad := range []string{"v", "var a = 'no';"} {
		if slices.Contains(texts, bad) {
			t.Errorf("visibleTexts takes %q", bad)
		}
	}
}

// staffTemplates are the templates the staff pages render (the layout is
// shared with the patient pages, and checked with them here too).
var staffTemplates = []string{"layout", "staff_login", "staff", "admin", "webhooks", "audit"}

// TestStaffTemplatesHoldNoWords reads the staff templates themselves, every
// branch of them: with their actions taken out, no text or visible attribute
// may keep a letter. The rendered check above sees only the branches its
// states reach; this sees the rest.
func TestStaffTemplatesHoldNoWords(t *testing.T) {
	action := regexp.MustCompile(`(?s)\{\{.*?\}\}`)
	for _, name := range staffTemplates {
		b, err := templateFS.ReadFile("templates/" + name + ".html")
		if err != nil {
			t.Fatal(err)
		}
		src := action.ReplaceAllString(string(b), "")
		src = regexp.MustCompile(`(?s)<!--.*?-->`).ReplaceAllString(src, "")
		for _, text := range visibleTexts(src) {
			if letter.MatchString(text) {
				t.Errorf("%s.html: %q is written in the template, not taken from the catalogue", name, strings.TrimSpace(text))
			}
		}
	}
}

// jsLiteral is a string literal of a script: its text and where its quote is.
type jsLiteral struct {
	text string
	at   int
}

// jsScan splits a script into its string literals and its code with the
// comments blanked out. It knows comments, the three quotes and regular
// expression literals, which is all our hand-written scripts use.
func jsScan(src string) (lits []jsLiteral, code string) {
	b := []byte(src)
	prev := byte('(') // the last significant code character
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '/' && i+1 < len(b) && b[i+1] == '/':
			for ; i < len(b) && b[i] != '\n'; i++ {
				b[i] = ' '
			}
		case c == '/' && i+1 < len(b) && b[i+1] == '*':
			for ; i+1 < len(b) && !(b[i] == '*' && b[i+1] == '/'); i++ {
				if b[i] != '\n' {
					b[i] = ' '
				}
			}
			b[i], b[i+1] = ' ', ' '
			i++
		case c == '\'' || c == '"' || c == '`':
			var s strings.Builder
			j := i + 1
			for ; j < len(b) && b[j] != c; j++ {
				if b[j] == '\\' && j+1 < len(b) {
					j++
				}
				s.WriteByte(b[j])
			}
			lits = append(lits, jsLiteral{s.String(), i})
			i, prev = j, c
		case c == '/' && strings.IndexByte("(,=:[!&|?{};+-*%<>~^", prev) >= 0:
			inClass := false
			for i++; i < len(b) && (b[i] != '/' || inClass); i++ {
				switch b[i] {
				case '\\':
					i++
				case '[':
					inClass = true
				case ']':
					inClass = false
				}
			}
			prev = '/'
		case c > ' ':
			prev = c
		}
	}
	return lits, string(b)
}

var (
	// prose is a literal that reads as words: two words, a capitalised
	// word, or a sentence's end.
	prose = regexp.MustCompile(`\p{L}.*\s|\s.*\p{L}|^\p{Lu}\p{Ll}|\p{L}[.?!]$`)
	// catalogueKey is a message key as the scripts write it: "queue.complete";
	// keyPrefix is the start of one they complete: "hours.short." + day.
	catalogueKey = regexp.MustCompile(`^[a-z]+(\.[A-Za-z0-9]+)+$`)
	keyPrefix    = regexp.MustCompile(`^[a-z]+(\.[A-Za-z0-9]+)*\.$`)
	// sinks put a literal where a person reads it: text, labels, prompts,
	// toasts. A literal there with any letter is a word, prose-like or not.
	sinks = regexp.MustCompile(`\.textContent\s*=\s*(['"` + "`" + `])` +
		`|\bel\(\s*'[^']*'\s*,\s*(?:'[^']*'|[\w.]+)\s*,\s*(['"` + "`" + `])` +
		`|\bbutton\(\s*(['"` + "`" + `])` +
		`|\bnode\(\s*'[^']*'\s*,\s*\{[^{}]*\}\s*,\s*(['"` + "`" + `])` +
		`|setAttribute\(\s*'(?:aria-label|title|placeholder|alt)'\s*,\s*(['"` + "`" + `])` +
		`|\b(?:confirm|alert|toast|say)\(\s*(['"` + "`" + `])` +
		`|\bdialogError\(\s*'[^']*'\s*,\s*(['"` + "`" + `])`)
)

// notProse are the staff scripts' literals that the prose pattern takes for
// words but are not shown: CSS classes, element ids, selectors.
var notProse = []string{
	"use strict", "dialog [data-close]", "small primary", "small secondary", "small secondary toggle", "small danger", "badge urgent",
	"muted small", "toast ", "alert ", "small ", " row-urgent", "dot waiting", "chart-t chart-d", "badge arrived",
	"a, button", // the controls a rebuilt row gives focus back to (staff.js)
}

// sharedScripts are loaded by the staff pages but belong to the patient
// pages too, and are checked with them.
var sharedScripts = []string{"js/live.js", "js/alerts.js"}

// TestStaffScriptsHoldNoWords reads every script a staff page loads: no
// string literal may read as prose (other than notProse), no literal with a
// letter may go straight to the screen, and every catalogue key a script
// names must be in the strings its pages give it (#sw-text). Single
// lowercase words that are not written straight to the screen ("minutes"
// handed through a variable) pass the pattern; the rendered pages and the
// e2e tests are the check for those.
func TestStaffScriptsHoldNoWords(t *testing.T) {
	h := newHarness(t)
	en := h.server.catalog.Printer(i18n.Base)
	scripts := map[string]map[string]bool{} // script → the keys of #sw-text on its pages
	for _, path := range []string{"/staff/login", "/staff", "/staff/admin", "/staff/admin/webhooks", "/staff/admin/audit"} {
		r := h.do("GET", path, "", cookie(h.admin)...)
		if path == "/staff/login" {
			r = h.do("GET", path, "")
		}
		wantPage(t, r, http.StatusOK)
		m := regexp.MustCompile(`(?s)<script type="application/json" id="sw-text">(.*?)</script>`).FindStringSubmatch(r.Raw)
		var text map[string]any
		if m == nil || json.Unmarshal([]byte(m[1]), &text) != nil {
			t.Fatalf("%s: no #sw-text", path)
		}
		for _, src := range regexp.MustCompile(`<script src="/static/(js/[^"?]+)\?v=`).FindAllStringSubmatch(r.Raw, -1) {
			if slices.Contains(sharedScripts, src[1]) {
				continue
			}
			if scripts[src[1]] == nil {
				scripts[src[1]] = map[string]bool{}
			}
			for k := range text {
				scripts[src[1]][k] = true
			}
		}
	}
	if len(scripts) < 5 {
		t.Fatalf("the staff pages load %d scripts of their own: %v", len(scripts), scripts)
	}
	for name, keys := range scripts {
		b, err := staticFS.ReadFile("static/" + name)
		if err != nil {
			t.Fatal(err)
		}
		lits, code := jsScan(string(b))
		sections := map[string]bool{}
		for k := range keys {
			sections[k[:strings.IndexByte(k, '.')]] = true
		}
		at := map[int]string{}
		for _, l := range lits {
			at[l.at] = l.text
			switch {
			case catalogueKey.MatchString(l.text):
				if sec := l.text[:strings.IndexByte(l.text, '.')]; sections[sec] && !keys[l.text] {
					t.Errorf("%s: key %q is not among its pages' strings", name, l.text)
				}
			case strings.HasPrefix(l.text, "/"), keyPrefix.MatchString(l.text), slices.Contains(notProse, l.text):
			case prose.MatchString(l.text):
				t.Errorf("%s: %q reads as words; put it in the catalogue's staff section", name, l.text)
			}
		}
		for _, m := range sinks.FindAllStringSubmatchIndex(code, -1) {
			for g := 2; g < len(m); g += 2 {
				if m[g] >= 0 && letter.MatchString(at[m[g]]) && !catalogueKey.MatchString(at[m[g]]) {
					t.Errorf("%s: %q goes to the screen as it is written", name, at[m[g]])
				}
			}
		}
	}
	if !en.Has("staff.queue.complete") {
		t.Fatal("the catalogue has no staff section")
	}
}

// TestJSScanFindsWords keeps the script check honest on a sample.
func TestJSScanFindsWords(t *testing.T) {
	src := "// it's a comment with 'quotes'\n" +
		"var re = /['\"]x/g; /* and 'another' */\n" +
		"el('td', 'muted', 'no phone'); b.textContent = 'minutes'; toast(t('queue.done'));\n" +
		"var s = \"Don't\" + `tpl ok`;\n"
	lits, code := jsScan(src)
	var got []string
	for _, l := range lits {
		got = append(got, l.text)
	}
	want := []string{"td", "muted", "no phone", "minutes", "queue.done", "Don't", "tpl ok"}
	if !slices.Equal(got, want) {
		t.Fatalf("literals %q, want %q", got, want)
	}
	var sunk []string
	for _, m := range sinks.FindAllStringSubmatchIndex(code, -1) {
		for g := 2; g < len(m); g += 2 {
			if m[g] >= 0 {
				for _, l := range lits {
					if l.at == m[g] {
						sunk = append(sunk, l.text)
					}
				}
			}
		}
	}
	if want := []string{"no phone", "minutes"}; !slices.Equal(sunk, want) {
		t.Fatalf("sinks %q, want %q", sunk, want)
	}
	for s, want := range map[string]bool{"no phone": true, "Complete": true, "done.": true, "minutes": false, "row-urgent": false, "GET": false} {
		if prose.MatchString(s) != want {
			t.Errorf("prose(%q) = %v", s, !want)
		}
	}
}

package web

import (
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"smartwait/internal/i18n"
)

// The language of a patient's page (docs/languages.md). Every patient page is
// written in one of the deployment's languages (Deps.Catalog), chosen per
// request by pageLanguage, and offers the others as plain links.

// langCookie remembers the language a visitor picked with ?lang=.
const langCookie = "sw_lang"

// langCookieAge is how long the choice is remembered: a year.
const langCookieAge = 365 * 24 * 60 * 60

// langLink is one entry of a page's language switch: another enabled
// language, named in itself ("Español"), and this page's URL in it.
type langLink struct {
	Lang, Name, URL string
}

// pageLanguage picks the language of a patient page, the first of:
//
//  1. ?lang= naming enabled languages ("es", or the display's "en,es"), which
//     is then remembered in the sw_lang cookie; unknown codes are ignored;
//  2. the sw_lang cookie;
//  3. ticket, the language the patient checked in with (status page; "" when
//     unknown);
//  4. the browser's Accept-Language;
//  5. the deployment's default.
//
// It returns the page's printer and the languages ?lang= named, in its order
// (nil when it named none we speak). The answer depends on Accept-Language and
// Cookie, so the response says it varies by both.
func (s *Server) pageLanguage(w http.ResponseWriter, r *http.Request, ticket string) (*i18n.Printer, []string) {
	w.Header().Add("Vary", "Accept-Language, Cookie")
	asked := s.askedLanguages(r)
	if len(asked) > 0 {
		http.SetCookie(w, &http.Cookie{
			Name: langCookie, Value: asked[0], Path: "/", MaxAge: langCookieAge,
			HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
		})
		return s.catalog.Printer(asked[0]), asked
	}
	if c, err := r.Cookie(langCookie); err == nil && s.catalog.Supports(c.Value) {
		return s.catalog.Printer(c.Value), nil
	}
	if s.catalog.Supports(ticket) {
		return s.catalog.Printer(ticket), nil
	}
	return s.catalog.Printer(s.catalog.Match(r.Header.Get("Accept-Language"))), nil
}

// askedLanguages is the enabled languages ?lang= names, in its order, each
// once.
func (s *Server) askedLanguages(r *http.Request) []string {
	var out []string
	for _, l := range strings.Split(r.URL.Query().Get("lang"), ",") {
		l = strings.ToLower(strings.TrimSpace(l))
		if s.catalog.Supports(l) && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// langLinks is the language switch of a page in lang: this page's URL, with
// the rest of its query, in each other enabled language. A page that speaks
// several languages (the display's ?lang=en,es) keeps them: the link puts its
// language first.
func (s *Server) langLinks(r *http.Request, lang string, keep []string) []langLink {
	var out []langLink
	for _, l := range s.catalog.Languages() {
		if l == lang {
			continue
		}
		v := l
		if len(keep) > 1 {
			v = strings.Join(append([]string{l}, slices.DeleteFunc(slices.Clone(keep), func(k string) bool { return k == l })...), ",")
		}
		q := r.URL.Query()
		q.Set("lang", v)
		out = append(out, langLink{Lang: l, Name: s.catalog.Printer(l).T("language.name"), URL: r.URL.Path + "?" + q.Encode()})
	}
	return out
}

// patientPage is a patient page in the language pageLanguage picks, with its
// switch. keep is what langLinks keeps (the display's languages).
func (s *Server) patientPage(w http.ResponseWriter, r *http.Request, ticket string, p page) (page, []string) {
	lp, asked := s.pageLanguage(w, r, ticket)
	p.L = lp
	p.Langs = s.langLinks(r, lp.Lang(), asked)
	return p, asked
}

// scriptText is the strings a page's scripts read (#sw-text, SW.t in live.js):
// the messages under each catalogue section named ("pages.status",
// "format.weekday"), keyed by the section's last name and the rest
// ("status.called.title", "weekday.monday"). Plural messages stay objects of
// their forms, which SW.t chooses with Intl.PluralRules.
func scriptText(p *i18n.Printer, sections ...string) map[string]any {
	out := map[string]any{}
	for _, sec := range sections {
		short := sec[strings.LastIndexByte(sec, '.')+1:]
		for k, v := range p.Section(sec + ".") {
			out[short+"."+k] = v
		}
	}
	return out
}

// when words a moment for a patient in the clinic's time zone loc
// (queue.Service.ClinicLocation), relative to now, with the clock as the
// page's language writes it (Printer.Time): "today at 1:00 PM", "tomorrow at
// 8:00 AM", "lunes a las 08:00".
func (s *Server) when(p *i18n.Printer, at, now time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.Local
	}
	la, ln := at.In(loc), now.In(loc)
	clock := p.Time(la)
	sameDay := func(a, b time.Time) bool { return a.Year() == b.Year() && a.YearDay() == b.YearDay() }
	switch {
	case sameDay(la, ln):
		return p.T("pages.lines.today", "time", clock)
	case sameDay(la, ln.AddDate(0, 0, 1)):
		return p.T("pages.lines.tomorrow", "time", clock)
	}
	return p.T("pages.lines.day", "day", p.T("format.weekday."+strings.ToLower(la.Weekday().String())), "time", clock)
}

// tx is a message with markup in its placeholders: arguments that are
// template.HTML go in as they are (a <strong> name, a <span> a script
// updates), everything else escaped. The templates' way to keep the words in
// the catalogue and the elements in the template, in whatever order a
// language puts them.
func tx(p *i18n.Printer, key string, args ...any) template.HTML {
	fill := slices.Clone(args)
	var marks []string
	for i := 1; i < len(fill); i += 2 {
		if h, ok := fill[i].(template.HTML); ok {
			fill[i] = fmt.Sprintf("\x01%d\x01", len(marks))
			marks = append(marks, string(h))
		}
	}
	out := template.HTMLEscapeString(p.T(key, fill...))
	for i, h := range marks {
		out = strings.Replace(out, fmt.Sprintf("\x01%d\x01", i), h, 1)
	}
	return template.HTML(out)
}

// strong is s, escaped, in <strong>: for tx.
func strong(s string) template.HTML {
	return template.HTML("<strong>" + template.HTMLEscapeString(s) + "</strong>")
}

// span is v, escaped, in a <span> with the given attribute (`id="wait-low"`,
// `class="n-wait"`): for tx, where a script updates the number later.
func span(attr string, v any) template.HTML {
	return template.HTML("<span " + attr + ">" + template.HTMLEscapeString(fmt.Sprint(v)) + "</span>")
}

package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"smartwait/internal/i18n"
)

// The pages' templates and static files are compiled into the binary, so the
// binary is the whole deployment.
var (
	//go:embed templates/*.html
	templateFS embed.FS
	//go:embed static
	staticFS embed.FS
)

// pageCSP is the Content-Security-Policy of every page: scripts, styles, images,
// fetches and the service worker only from our own origin, nothing inline (no
// 'unsafe-inline' anywhere), no plugins, no <base> rewriting, forms post only to
// us, and no framing (clickjacking on the staff buttons).
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; manifest-src 'self'; worker-src 'self'; font-src 'self'; " +
	"media-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'"

// pages holds the parsed templates: one template set per page (the layout plus
// the page), parsed once when the server is built so a broken template stops
// start-up instead of failing a patient's request.
type pages struct {
	sets map[string]*template.Template
}

// pageNames are the templates under templates/ besides layout.html.
var pageNames = []string{"checkin", "status", "staff_login", "staff", "admin", "webhooks", "audit", "display", "qr", "kiosk", "offline", "notfound", "clinics"}

func parsePages() (*pages, error) {
	p := &pages{sets: map[string]*template.Template{}}
	funcs := template.FuncMap{"asset": assetURL, "tx": tx, "strong": strong, "span": span}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: parse page %s: %w", name, err)
		}
		p.sets[name] = t
	}
	return p, nil
}

// assetVersion changes whenever the static files change, so their URLs can be
// cached for a long time; it is a hash of the embedded files.
var assetVersion = func() string {
	var sum uint32 = 2166136261 // FNV-1a: cheap, stable, good enough to bust caches
	_ = fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := staticFS.ReadFile(p)
		for _, c := range append([]byte(p), b...) {
			sum = (sum ^ uint32(c)) * 16777619
		}
		return nil
	})
	return fmt.Sprintf("%08x", sum)
}()

// assetURL is the versioned URL of a static file, e.g. "/static/js/live.js?v=…".
func assetURL(name string) string { return "/static/" + name + "?v=" + assetVersion }

// page is what every template gets: the page's own data plus the layout's fields.
type page struct {
	Title  string // <title> and the top heading
	Clinic string
	Body   string // body class: "patient", "staff", "display", "poster", "kiosk"
	NoBar  bool   // no top bar (the TV display and the printed poster)
	// Home is the path the clinic's pages hang from ("" unprefixed,
	// "/c/north"); Site is the clinic's slug for the scripts' real-time
	// rooms, "" for the default clinic (page_clinic.go).
	Home, Site string
	Scripts    []string
	Data       any

	// The page's language (page_lang.go): L writes its words, Langs is its
	// language switch (none on the staff pages), Text the strings its scripts
	// read (scriptText; every page gets the connection indicator's).
	L     *i18n.Printer
	Langs []langLink
	Text  map[string]any
}

// render writes the named page with status. It renders into a buffer first, so a
// template error becomes a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t := s.pages.sets[name]
	if t == nil {
		s.fail(w, r, fmt.Errorf("web: no page %q", name))
		return
	}
	if p.Clinic == "" {
		p.Clinic = s.clinicName()
	}
	if p.L == nil {
		p.L = s.catalog.Printer(i18n.Base) // the staff pages are English
	}
	if p.Text == nil {
		p.Text = map[string]any{}
	}
	for k, v := range scriptText(p.L, "pages.conn") {
		p.Text[k] = v
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, p); err != nil {
		s.log.Error("render page", "request_id", requestIDFrom(r.Context()), "page", name, "error", err.Error())
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) clinicName() string {
	if s.d.Config.ClinicName != "" {
		return s.d.Config.ClinicName
	}
	return "SmartWait"
}

// pageHeaders sets the security headers of every page and static file. The
// referrer policy is same-origin rather than no-referrer: a status page's URL holds
// the patient id, which must not reach other sites, but our own form posts must
// keep sending their Origin (browsers send "Origin: null" under no-referrer, and
// the CSRF check would refuse them).
func pageHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", pageCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if h.Get("Cache-Control") == "" {
			h.Set("Cache-Control", "no-cache")
		}
		next.ServeHTTP(w, r)
	})
}

// noStore marks a response as private and never cached: staff pages carry
// patient names and phones.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// handleStatic serves the embedded static files under /static/. Versioned URLs
// (?v=) are immutable for a year; the content never changes for one version.
func handleStatic() http.Handler {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the embed pattern guarantees the directory
	}
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r) // no directory listings
			return
		}
		if r.URL.Query().Get("v") != "" {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		if path.Ext(r.URL.Path) == ".webmanifest" {
			w.Header().Set("Content-Type", "application/manifest+json")
		}
		files.ServeHTTP(w, r)
	})
}

// serveFile serves one embedded static file at a fixed URL (the service worker
// and the manifest must live at the root to control every page).
func serveFile(name, contentType string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := staticFS.ReadFile("static/" + name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(b)
	})
}

package web

import (
	"cmp"
	"context"
	"net/http"
	"strings"

	"smartwait/internal/auth"
	"smartwait/internal/i18n"
	"smartwait/internal/queue"
)

// staffPage lets through only browsers with a valid session cookie; others are
// sent to the login page. A state-changing request must also come from one of our
// origins — checked first, before the session, so a forged cross-site form post
// is refused whoever's cookie it carries (SameSite=Strict does not cover other
// ports of the same host, which are the same site).
func (s *Server) staffPage(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !safeMethod(r.Method) && !s.sameOrigin(r) {
			s.refuseCrossOrigin(w, r)
			return
		}
		st, ok := s.pageSession(r)
		if !ok {
			http.Redirect(w, r, "/staff/login", http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), staffKey, st)))
	})
}

// pageSession returns the staff session of the request's cookie, if valid.
func (s *Server) pageSession(r *http.Request) (staffSession, bool) {
	return s.cookieSession(r, s.d.Auth.Authenticate)
}

// cookieSession returns the session authn finds for the request's cookie.
func (s *Server) cookieSession(r *http.Request, authn func(context.Context, string) (auth.Session, auth.User, error)) (staffSession, bool) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return staffSession{}, false
	}
	sess, user, err := authn(r.Context(), c.Value)
	if err != nil {
		return staffSession{}, false
	}
	return staffSession{Session: sess, User: user, Cookie: true}, true
}

// refuseCrossOrigin answers a page form posted from a foreign origin.
func (s *Server) refuseCrossOrigin(w http.ResponseWriter, r *http.Request) {
	s.log.Warn("cross-origin form refused", "request_id", requestIDFrom(r.Context()), "route", routeOf(r))
	noteCode(r, codeCrossOrigin)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusForbidden)
	_, _ = w.Write([]byte("Cross-origin request refused (CROSS_ORIGIN).\n"))
}

// loginData is the login page.
type loginData struct {
	Username string
	Error    string
}

// handleLoginPage serves GET /staff/login; a browser that is already logged in
// goes straight to the dashboard.
func (s *Server) handleLoginPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := s.pageSession(r); ok {
			http.Redirect(w, r, "/staff", http.StatusSeeOther)
			return
		}
		s.render(w, r, http.StatusOK, "staff_login", s.loginPage(loginData{}))
	})
}

func (s *Server) loginPage(d loginData) page {
	p := s.staffPrinter()
	return page{Title: p.T("staff.login.title"), Body: "staff", Data: d, L: p}
}

// staffPrinter writes the staff pages: English whatever the browser asks, as
// the catalogue's "staff" section is English-only (i18n.EnglishOnly).
func (s *Server) staffPrinter() *i18n.Printer { return s.catalog.Printer(i18n.Base) }

// handleLoginForm serves POST /staff/login: the session cookie, then the
// dashboard; or the form again with the error. It is rate limited together with
// POST /api/staff/login.
func (s *Server) handleLoginForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.sameOrigin(r) { // login CSRF: a foreign site must not sign a browser in
			s.refuseCrossOrigin(w, r)
			return
		}
		if err := r.ParseForm(); err != nil {
			s.render(w, r, http.StatusBadRequest, "staff_login", s.loginPage(loginData{Error: s.staffPrinter().T("staff.form.unreadable")}))
			return
		}
		username := strings.TrimSpace(r.PostForm.Get("username"))
		password := r.PostForm.Get("password")
		d := loginData{Username: username}
		if username == "" || password == "" {
			noteCode(r, queue.CodeValidation)
			d.Error = s.staffPrinter().T("staff.login.missing")
			s.render(w, r, http.StatusBadRequest, "staff_login", s.loginPage(d))
			return
		}
		token, sess, user, err := s.d.Auth.Login(r.Context(), username, password)
		if err != nil {
			status, info := classify(err)
			if status >= 500 {
				s.fail(w, r, err)
				return
			}
			noteCode(r, info.Code)
			d.Error = info.Message
			s.render(w, r, status, "staff_login", s.loginPage(d))
			return
		}
		noteActor(r, user.Username)
		s.setSessionCookie(w, token, sess.ExpiresAt)
		if user.Role == auth.RoleKiosk { // a lobby tablet signing in, to its clinic's kiosk
			to, err := s.kioskHome(r.Context(), user)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			http.Redirect(w, r, cmp.Or(to, "/kiosk"), http.StatusSeeOther) // no clinic: the public one
			return
		}
		http.Redirect(w, r, "/staff", http.StatusSeeOther)
	})
}

// handleLogoutForm serves POST /staff/logout: the session ends at once.
func (s *Server) handleLogoutForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, _ := staffFrom(r.Context())
		if err := s.d.Auth.Logout(r.Context(), st.Session.ID); err != nil {
			s.fail(w, r, err)
			return
		}
		s.clearSessionCookie(w)
		http.Redirect(w, r, "/staff/login", http.StatusSeeOther)
	})
}

// dashboardData is the staff dashboard; the queue itself is loaded by script.
// The lines and rooms are rendered too, so the room picker is right before the
// script runs (it keeps them current).
type dashboardData struct {
	Username string
	// Admin shows the link to the admin page: only deployment admins may
	// open it (adminCheck), so a clinic admin does not get it.
	Admin bool
	// Home is where the bar's kiosk, display and poster links hang from:
	// the account's clinic's pages ("" for the default clinic's unprefixed
	// ones, "/c/<slug>" for another).
	Home     string
	SMSAlert string // e.g. confirmation texts held back; "" when nothing
	Lines    []staffLine
	Rooms    []staffRoom // none: the room is typed, as in a clinic without rooms set up
}

// staffLine is a line in the dashboard's filter and forms.
type staffLine struct{ Slug, Name string }

// handleDashboard serves GET /staff.
func (s *Server) handleDashboard() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, _ := staffFrom(r.Context())
		d := dashboardData{Username: st.User.Username, Admin: st.User.DeploymentAdmin(), SMSAlert: s.smsAlert()}
		lines, rooms, err := s.linesAndRooms(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		sc := scopeOf(r, auth.RoleStaff) // only the account's clinics' lines and rooms
		home, err := s.staffHome(r.Context(), sc)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Home = home.Home
		for _, l := range lines {
			if sc.has(l.ClinicID()) {
				d.Lines = append(d.Lines, staffLine{Slug: l.ID, Name: l.Name})
			}
		}
		if d.Rooms, err = s.ownRooms(r, sc, rooms); err != nil {
			s.fail(w, r, err)
			return
		}
		p := s.staffPrinter()
		s.render(w, r, http.StatusOK, "staff", page{Title: p.T("staff.dashboard.title"), Body: "staff", Clinic: home.Clinic.Name,
			Scripts: []string{"js/live.js", "js/alerts.js", "js/chart.js", "js/staff-stats.js", "js/staff.js", "js/staff-desk.js"}, Data: d,
			L: p, Text: scriptText(p, dashboardText...)})
	})
}

// staffHome is the clinic an account works at, for its pages' top bar and
// the kiosk, display and poster links: the default clinic's unprefixed pages
// when the scope holds it (or holds no clinic at all), else the first of the
// scope's clinics in the deployment's order, under "/c/<slug>". An account
// bound to a clinic other than the default must not be sent to the default
// clinic's kiosk and TV, which show none of its lines, nor see its name.
// The default clinic's site has no slug and the deployment's name
// (SMARTWAIT_CLINIC_NAME), the brand the staff pages have always shown; it
// costs no lookup.
func (s *Server) staffHome(ctx context.Context, sc clinicScope) (site, error) {
	deflt := site{Clinic: s.named(queue.Clinic{ID: queue.DefaultClinicID})}
	if sc.has(queue.DefaultClinicID) {
		return deflt, nil
	}
	all, err := s.d.Queue.Clinics(ctx)
	if err != nil {
		return site{}, err
	}
	for _, c := range all {
		if sc.has(c.ID) {
			return site{Clinic: s.named(c), Home: "/c/" + c.Slug}, nil
		}
	}
	return deflt, nil
}

// dashboardText is the catalogue sections the dashboard's scripts read
// (SW.t("queue.complete") is staff.queue.complete).
var dashboardText = []string{"staff.queue", "staff.desk", "staff.figures", "staff.chart"}

// smsAlert is what staff should know about the texts now, "" when nothing.
func (s *Server) smsAlert() string {
	if s.d.SMSAlert == nil {
		return ""
	}
	return s.d.SMSAlert()
}

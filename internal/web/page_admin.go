package web

import (
	"net/http"
	"strings"

	"smartwait/internal/auth"
)

// adminData is the admin's page: the lines and rooms (managed by script
// through the API: admin.js) and the staff accounts (plain forms).
type adminData struct {
	Username string // the admin looking at the page
	Users    []auth.User
	Notice   string
	Error    string
	// The add form's values after a refused post (never the password).
	NewUsername, NewRole string
	Lines                []adminLine
	Rooms                []staffRoom
}

// adminLine is a line as the admin's table shows it before the script runs.
type adminLine struct {
	Slug, Name, Prefix string
	Open, Public       bool
	Hours              string // in words (hoursText)
	Waiting            int
}

// adminPage refuses staff who are not admins with a 403 page.
func (s *Server) adminPage(next http.Handler) http.Handler {
	return s.staffPage(s.adminCheck(next))
}

// adminCheck is adminPage's refusal, inside staffPage: routes.go puts an
// admin form's audit between the two, so a refused attempt is recorded too.
func (s *Server) adminCheck(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if st, _ := staffFrom(r.Context()); !st.User.DeploymentAdmin() { // clinic admins use the API
			noteCode(r, auth.CodeForbidden)
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(s.staffPrinter().T("staff.admin.forbidden") + "\n"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// handleAdminPage serves GET /staff/admin: the accounts and a form to add one.
func (s *Server) handleAdminPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := adminData{NewRole: string(auth.RoleStaff)}
		switch r.URL.Query().Get("done") {
		case "added":
			d.Notice = s.staffPrinter().T("staff.accounts.added")
		case "removed":
			d.Notice = s.staffPrinter().T("staff.accounts.removed")
		}
		s.renderAdmin(w, r, http.StatusOK, d)
	})
}

func (s *Server) renderAdmin(w http.ResponseWriter, r *http.Request, status int, d adminData) {
	st, _ := staffFrom(r.Context())
	p := s.staffPrinter()
	users, err := s.d.Auth.ListUsers(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lines, rooms, err := s.linesAndRooms(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, l := range lines {
		d.Lines = append(d.Lines, adminLine{Slug: l.ID, Name: l.Name, Prefix: l.Prefix, Open: l.Open, Public: l.Public,
			Hours: hoursText(p, l.Hours), Waiting: l.Waiting})
	}
	d.Rooms = rooms
	d.Username, d.Users = st.User.Username, users
	s.render(w, r, status, "admin", page{Title: p.T("staff.admin.title"), Body: "staff", Scripts: []string{"js/live.js", "js/admin.js", "js/admin-forms.js", "js/admin-setup.js"},
		Data: d, L: p, Text: scriptText(p, adminText...)})
}

// adminText is the catalogue sections admin-setup.js reads: its own, the
// opening hours it words as hoursText does, and the weekdays' names (those
// two through admin-forms.js, which clinics.js shares).
var adminText = []string{"staff.setup", "staff.hours", "format.weekday"}

// handleAddUserForm serves POST /staff/admin/users {username, password, role}.
func (s *Server) handleAddUserForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			s.renderAdmin(w, r, http.StatusBadRequest, adminData{Error: s.staffPrinter().T("staff.form.unreadable")})
			return
		}
		username := strings.TrimSpace(r.PostForm.Get("username"))
		role := r.PostForm.Get("role")
		if _, err := s.d.Auth.AddUser(r.Context(), username, r.PostForm.Get("password"), auth.Role(role)); err != nil {
			s.formError(w, r, err, adminData{NewUsername: username, NewRole: role})
			return
		}
		http.Redirect(w, r, "/staff/admin?done=added", http.StatusSeeOther)
	})
}

// handleRemoveUserForm serves POST /staff/admin/users/remove {username}. The last
// admin cannot be removed; an admin may not remove their own account here (they
// would lock themselves out mid-session).
func (s *Server) handleRemoveUserForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			s.renderAdmin(w, r, http.StatusBadRequest, adminData{Error: s.staffPrinter().T("staff.form.unreadable")})
			return
		}
		username := r.PostForm.Get("username")
		if st, _ := staffFrom(r.Context()); st.User.Username == username {
			s.renderAdmin(w, r, http.StatusConflict, adminData{Error: s.staffPrinter().T("staff.accounts.removeSelf")})
			return
		}
		if err := s.d.Auth.RemoveUser(r.Context(), username); err != nil {
			s.formError(w, r, err, adminData{})
			return
		}
		http.Redirect(w, r, "/staff/admin?done=removed", http.StatusSeeOther)
	})
}

// formError shows a refused admin form's error on the page, with the error's
// contract status.
func (s *Server) formError(w http.ResponseWriter, r *http.Request, err error, d adminData) {
	status, info := classify(err)
	if status >= 500 {
		s.fail(w, r, err)
		return
	}
	noteCode(r, info.Code)
	d.Error = info.Message
	s.renderAdmin(w, r, status, d)
}

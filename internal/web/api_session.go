package web

import (
	"net/http"
	"time"

	"smartwait/internal/auth"
)

// userView is a staff account as the API shows it (never the password hash).
type userView struct {
	ID        int64    `json:"id"`
	Username  string   `json:"username"`
	Role      string   `json:"role"`
	CreatedAt jsonTime `json:"createdAt,omitzero"`
}

func newUserView(u auth.User) userView {
	return userView{ID: u.ID, Username: u.Username, Role: string(u.Role), CreatedAt: jsonTime(u.CreatedAt)}
}

// loginView is the data of POST /api/staff/login. username and role repeat the
// user's for clients of the original API.
type loginView struct {
	Token     string   `json:"token"`
	ExpiresAt jsonTime `json:"expiresAt"`
	ExpiresIn int64    `json:"expiresIn"` // seconds
	User      userView `json:"user"`
	Username  string   `json:"username"`
	Role      string   `json:"role"`
}

// handleLogin serves POST /api/staff/login {username, password} (JSON; the login
// page posts its form to /staff/login). It returns the token and also sets it as
// the session cookie. Because of that cookie, a login sent from a browser page
// must come from one of our origins (sameOrigin), like the page form: otherwise
// a foreign page could sign the visitor's browser in to the attacker's account
// (login CSRF). Clients that send neither Origin nor Referer (curl, apps using the
// Bearer token) are not browser pages and log in as before.
func (s *Server) handleLogin() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fromBrowserPage(r) && !s.sameOrigin(r) {
			s.fail(w, r, &apiError{code: codeCrossOrigin, message: "Cross-origin request refused"})
			return
		}
		b, err := decodeBody(r, false, "username", "password")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		username, err := b.required("username")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		password, err := b.required("password")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var (
			token string
			sess  auth.Session
			user  auth.User
		)
		err = s.observe("login", func() (err error) {
			token, sess, user, err = s.d.Auth.Login(r.Context(), username, password)
			return err
		})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		noteActor(r, user.Username)
		s.setSessionCookie(w, token, sess.ExpiresAt)
		ok(w, loginView{
			Token: token, ExpiresAt: jsonTime(sess.ExpiresAt),
			ExpiresIn: int64(sess.ExpiresAt.Sub(s.now()) / time.Second),
			User:      newUserView(user), Username: user.Username, Role: string(user.Role),
		}, "Logged in")
	})
}

// handleLogout serves POST /api/staff/logout: the session ends at once.
func (s *Server) handleLogout() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, _ := staffFrom(r.Context())
		if err := s.d.Auth.Logout(r.Context(), st.Session.ID); err != nil {
			s.fail(w, r, err)
			return
		}
		s.clearSessionCookie(w)
		ok(w, nil, "Logged out")
	})
}

// handleMe serves GET /api/staff/me.
func (s *Server) handleMe() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, _ := staffFrom(r.Context())
		ok(w, struct {
			User      userView `json:"user"`
			SessionID string   `json:"sessionId"`
			ExpiresAt jsonTime `json:"expiresAt"`
		}{newUserView(st.User), st.Session.ID, jsonTime(st.Session.ExpiresAt)}, "")
	})
}

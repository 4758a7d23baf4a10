package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"smartwait/internal/auth"
)

// SessionCookie is the name of the staff session cookie.
const SessionCookie = "smartwait_session"

// staffSession is the authenticated staff member of a request.
type staffSession struct {
	Session auth.Session
	User    auth.User
	Cookie  bool // authenticated by cookie rather than a Bearer header
}

func staffFrom(ctx context.Context) (staffSession, bool) {
	st, ok := ctx.Value(staffKey).(staffSession)
	return st, ok
}

// requireStaff lets through only requests with a valid staff session, from an
// `Authorization: Bearer` header or the session cookie. A cookie is sent by the
// browser on its own, so a state-changing request authenticated by one must also
// come from one of our origins (CSRF defence beside SameSite=Strict). A kiosk
// account's session is refused with 403 FORBIDDEN.
func (s *Server) requireStaff(next http.Handler) http.Handler {
	return s.authenticated(s.d.Auth.Authenticate, next)
}

// requireDesk is requireStaff that also lets a kiosk account's session
// through: for the front-desk check-in and a session's own me and logout.
func (s *Server) requireDesk(next http.Handler) http.Handler {
	return s.authenticated(s.d.Auth.AuthenticateDesk, next)
}

// authenticated runs next with the session authn finds for the request's
// credentials, or answers the error.
func (s *Server) authenticated(authn func(context.Context, string) (auth.Session, auth.User, error), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, cookie, err := credentials(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		sess, user, err := authn(r.Context(), token)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if cookie && !safeMethod(r.Method) && !s.sameOrigin(r) {
			s.fail(w, r, &apiError{code: codeCrossOrigin, message: "Cross-origin request refused"})
			return
		}
		ctx := context.WithValue(r.Context(), staffKey, staffSession{Session: sess, User: user, Cookie: cookie})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// isKiosk reports whether the request's session is a kiosk account's.
func isKiosk(r *http.Request) bool {
	st, ok := staffFrom(r.Context())
	return ok && st.User.Role == auth.RoleKiosk
}

// requireAdmin lets through only admins; it runs inside requireStaff.
func requireAdmin(next http.Handler) http.Handler { return adminOnly("staff accounts")(next) }

// adminOnly lets through only admins, and answers anyone else 403 FORBIDDEN
// "Only admins may manage <what>"; it runs inside requireStaff.
func adminOnly(what string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !isAdmin(r) {
				forbidden(w, r, what)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// isAdmin reports whether the request's staff member is an admin.
func isAdmin(r *http.Request) bool {
	st, ok := staffFrom(r.Context())
	return ok && st.User.Role == auth.RoleAdmin
}

// forbidden answers 403 FORBIDDEN to a staff member asking for an admin's work.
func forbidden(w http.ResponseWriter, r *http.Request, what string) {
	noteCode(r, auth.CodeForbidden)
	writeJSON(w, http.StatusForbidden, errorBody{Error: errorInfo{
		Code: auth.CodeForbidden, Message: "Only admins may manage " + what}})
}

// credentials returns the request's token and whether it came from the cookie. A
// malformed Authorization header is refused rather than falling back to the cookie.
func credentials(r *http.Request) (token string, cookie bool, err error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, found := strings.Cut(h, " ")
		if !found || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			return "", false, &auth.Error{Code: auth.CodeUnauthorized, Message: "Malformed Authorization header"}
		}
		return strings.TrimSpace(tok), false, nil
	}
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		return c.Value, true, nil
	}
	return "", false, &auth.Error{Code: auth.CodeUnauthorized, Message: "Authentication required"}
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// allowedOrigin reports whether origin ("scheme://host[:port]") is the public
// URL's or an ALLOWED_ORIGINS entry: the origins CORS answers. The rule itself
// is internal/origin's, shared with the Socket.IO server.
func (s *Server) allowedOrigin(origin string) bool {
	return s.origins.Allowed(origin)
}

// fromBrowserPage reports whether the request names the page it was sent from:
// browsers send Origin on every POST and DELETE (Referer at least on older
// ones), while curl, native apps and servers send neither.
func fromBrowserPage(r *http.Request) bool {
	return r.Header.Get("Origin") != "" || r.Header.Get("Referer") != ""
}

// sameOrigin reports whether the request comes from one of our origins: its Origin
// header (or, without one, its Referer) must be the public URL's origin, an
// allowed origin, or the origin the request was addressed to. Browsers send Origin
// on every POST and DELETE, so a request with neither header is refused.
func (s *Server) sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		ref, err := url.Parse(r.Header.Get("Referer"))
		if err != nil || ref.Host == "" {
			return false
		}
		origin = ref.Scheme + "://" + ref.Host
	}
	return s.origins.Ours(r, origin)
}

// setSessionCookie hands the browser the session token: HttpOnly so scripts cannot
// read it, SameSite=Strict so other sites cannot send it, Secure behind https.
func (s *Server) setSessionCookie(w http.ResponseWriter, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: token, Path: "/",
		Expires: expires, MaxAge: max(1, int(expires.Sub(s.now())/time.Second)),
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode,
	})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode,
	})
}

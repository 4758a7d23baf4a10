package web

import (
	"context"
	"net/http"
	"strings"

	"smartwait/internal/auth"
	"smartwait/internal/queue"
)

// Staff accounts (docs/clinics.md, "Staff and clinics"): a deployment admin
// manages every account; a clinic admin only the accounts that act nowhere
// but at its clinics (auth.User.Covers), and grants only those clinics.

// userFields are POST /api/staff/users': clinics is [{clinic, role?}], the
// clinics the account is bound to (absent or empty: not bound, as before
// clinics).
var userFields = fieldSpec{"username": kindString, "password": kindString, "role": kindString, "clinics": kindObjects}

// grantView is one clinic of an account and its role there.
type grantView struct {
	Clinic string `json:"clinic"`
	Role   string `json:"role"`
}

// accountView is an account as admins see it: where it acts. clinics is
// every clinic but for a deployment admin (deploymentAdmin, clinics empty);
// an account from before clinics acts at the default clinic.
type accountView struct {
	userView
	Clinics         []grantView `json:"clinics"`
	DeploymentAdmin bool        `json:"deploymentAdmin,omitempty"`
}

// accountViews presents us with their clinics' slugs.
func (s *Server) accountViews(ctx context.Context, us ...auth.User) ([]accountView, error) {
	cs, err := s.d.Queue.Clinics(ctx)
	if err != nil {
		return nil, err
	}
	slugs := make(map[int64]string, len(cs))
	for _, c := range cs {
		slugs[queue.ClinicIDOf(c.ID)] = c.Slug
	}
	out := make([]accountView, len(us))
	for i, u := range us {
		v := accountView{userView: newUserView(u), Clinics: []grantView{}, DeploymentAdmin: u.DeploymentAdmin()}
		if !u.DeploymentAdmin() {
			for _, id := range clinicIDsOf(u) {
				if slug, ok := slugs[id]; ok {
					v.Clinics = append(v.Clinics, grantView{Clinic: slug, Role: string(u.RoleAt(id))})
				}
			}
		}
		out[i] = v
	}
	return out, nil
}

// clinicIDsOf is every clinic u acts at, by id.
func clinicIDsOf(u auth.User) []int64 {
	ids, _ := u.Clinics(auth.RoleKiosk)
	return ids
}

// handleListUsers serves GET /api/staff/users (admin): the accounts the
// admin manages, with their clinics.
func (s *Server) handleListUsers() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		us, err := s.d.Auth.ListUsers(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		me, _ := requestUser(r)
		var mine []auth.User
		for _, u := range us {
			if me.Covers(u) {
				mine = append(mine, u)
			}
		}
		out, err := s.accountViews(r.Context(), mine...)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		list(w, out)
	})
}

// handleAddUser serves POST /api/staff/users {username, password, role?,
// clinics?} (admin): 201 with the new account. An unknown clinic is 404
// CLINIC_NOT_FOUND; a clinic admin must name clinics, and only its own
// (403 FORBIDDEN otherwise).
func (s *Server) handleAddUser() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := decodeTyped(r, userFields)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		grants, err := s.grants(r, b["clinics"])
		if err != nil {
			s.fail(w, r, err)
			return
		}
		u, err := s.d.Auth.AddUserAt(r.Context(), deref(b.str("username")), deref(b.str("password")), auth.Role(deref(b.str("role"))), grants)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v, err := s.accountViews(r.Context(), u)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusCreated, envelope{Success: true, Data: v[0], Message: "User created"})
	})
}

// grants resolves a POST's clinics to grants the request's admin may give.
func (s *Server) grants(r *http.Request, field any) ([]auth.Grant, error) {
	entries, _ := field.([]map[string]string)
	var out []auth.Grant
	for _, e := range entries {
		for k := range e {
			if k != "clinic" && k != "role" {
				return nil, invalidField("clinics", "a clinic entry has only clinic and role, not %q", k)
			}
		}
		slug := strings.TrimSpace(e["clinic"])
		if slug == "" {
			return nil, invalidField("clinics", "each entry of clinics names a clinic")
		}
		c, err := s.d.Queue.Clinic(r.Context(), slug)
		if err != nil {
			return nil, err
		}
		id := queue.ClinicIDOf(c.ID)
		if !mayAll(r) && allowClinic(r, id, auth.RoleAdmin) != nil {
			return nil, &apiError{code: auth.CodeForbidden, message: "Only a deployment admin grants clinic " + slug}
		}
		out = append(out, auth.Grant{ClinicID: id, Role: auth.Role(strings.TrimSpace(e["role"]))})
	}
	if len(out) == 0 && !mayAll(r) {
		return nil, &apiError{code: auth.CodeForbidden, message: "A clinic admin must name the account's clinics"}
	}
	return out, nil
}

// mayManage refuses (403 FORBIDDEN) a clinic admin's change of an account
// that acts anywhere but at its clinics; an unknown account is 404
// USER_NOT_FOUND.
func (s *Server) mayManage(r *http.Request, username string) error {
	if mayAll(r) {
		return nil
	}
	o, err := s.d.Auth.UserNamed(r.Context(), username)
	if err != nil {
		return err
	}
	if me, _ := requestUser(r); !me.Covers(o) {
		return &apiError{code: auth.CodeForbidden, message: "Only a deployment admin manages this account"}
	}
	return nil
}

// handleRemoveUser serves DELETE /api/staff/users/{username} (admin). The last
// deployment admin cannot be removed (409 LAST_ADMIN).
func (s *Server) handleRemoveUser() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.mayManage(r, r.PathValue("username")); err != nil {
			s.fail(w, r, err)
			return
		}
		if err := s.d.Auth.RemoveUser(r.Context(), r.PathValue("username")); err != nil {
			s.fail(w, r, err)
			return
		}
		ok(w, nil, "User removed")
	})
}

// handleSetPassword serves POST /api/staff/users/{username}/password {password}
// (admin). The user's sessions end.
func (s *Server) handleSetPassword() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := decodeBody(r, false, "password")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if err := s.mayManage(r, r.PathValue("username")); err != nil {
			s.fail(w, r, err)
			return
		}
		if err := s.d.Auth.SetPassword(r.Context(), r.PathValue("username"), b["password"]); err != nil {
			s.fail(w, r, err)
			return
		}
		ok(w, nil, "Password changed")
	})
}

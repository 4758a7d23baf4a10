package web

import (
	"net/http"

	"smartwait/internal/auth"
)

// handleListUsers serves GET /api/staff/users (admin).
func (s *Server) handleListUsers() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		us, err := s.d.Auth.ListUsers(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out := make([]userView, len(us))
		for i, u := range us {
			out[i] = newUserView(u)
		}
		list(w, out)
	})
}

// handleAddUser serves POST /api/staff/users {username, password, role?} (admin):
// 201 with the new account.
func (s *Server) handleAddUser() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := decodeBody(r, false, "username", "password", "role")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		u, err := s.d.Auth.AddUser(r.Context(), b["username"], b["password"], auth.Role(b["role"]))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusCreated, envelope{Success: true, Data: newUserView(u), Message: "User created"})
	})
}

// handleRemoveUser serves DELETE /api/staff/users/{username} (admin). The last
// admin cannot be removed (409 LAST_ADMIN).
func (s *Server) handleRemoveUser() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
		if err := s.d.Auth.SetPassword(r.Context(), r.PathValue("username"), b["password"]); err != nil {
			s.fail(w, r, err)
			return
		}
		ok(w, nil, "Password changed")
	})
}

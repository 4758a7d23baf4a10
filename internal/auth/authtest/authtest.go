// Package authtest is the conformance suite every auth.Store implementation must
// pass (SQLite and PostgreSQL run it unchanged). It uses auth.Store methods, and
// the queue.Store of the same database only to add and remove clinics.
package authtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"smartwait/internal/auth"
	"smartwait/internal/queue"
)

// Store is what the suite runs on: an auth.Store that is also the queue.Store
// of the same database, where the clinics that grants name live.
type Store interface {
	auth.Store
	queue.Store
}

// RunStoreTests runs the conformance suite. open must return an empty, migrated
// store (a fresh database or schema) on every call, and arrange its cleanup on tb.
func RunStoreTests(t *testing.T, open func(tb testing.TB) Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s auth.Store)
	}{
		{"CreateAndGetUser", testCreateAndGetUser},
		{"UsernameTaken", testUsernameTaken},
		{"UserNotFound", testUserNotFound},
		{"ListAndCountUsers", testListAndCountUsers},
		{"SetPassword", testSetPassword},
		{"SessionByTokenHash", testSessionByTokenHash},
		{"DeleteSession", testDeleteSession},
		{"DeleteUserCascadesSessions", testDeleteUserCascadesSessions},
		{"DeleteUserSessions", testDeleteUserSessions},
		{"DeleteExpiredSessions", testDeleteExpiredSessions},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t))
		})
	}
	grants := []struct {
		name string
		fn   func(t *testing.T, s Store)
	}{
		{"GrantsRoundTrip", testGrantsRoundTrip},
		{"GrantOfUnknownClinic", testGrantOfUnknownClinic},
		{"RemovedClinicTakesItsGrants", testRemovedClinicTakesItsGrants},
	}
	for _, tc := range grants {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t))
		})
	}
}

// t0 is the suite's reference time; stores may keep only milliseconds.
var t0 = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

// mustCreate creates a user with the role and fails the test on error.
func mustCreate(tb testing.TB, s auth.Store, username string, role auth.Role) auth.User {
	tb.Helper()
	u := auth.User{Username: username, Role: role, PasswordHash: "$2a$12$hash-of-" + username, CreatedAt: t0}
	if err := s.CreateUser(context.Background(), &u); err != nil {
		tb.Fatalf("CreateUser(%q): %v", username, err)
	}
	return u
}

// mustSession creates a session for the user expiring at exp and returns it.
func mustSession(tb testing.TB, s auth.Store, userID int64, name string, exp time.Time) auth.Session {
	tb.Helper()
	sess := auth.Session{
		ID: "sess-" + name, TokenHash: fmt.Sprintf("%064x", name),
		UserID: userID, CreatedAt: t0, ExpiresAt: exp,
	}
	if err := s.CreateSession(context.Background(), sess); err != nil {
		tb.Fatalf("CreateSession(%s): %v", name, err)
	}
	return sess
}

func sameUser(got, want auth.User) bool {
	return got.ID == want.ID && got.Username == want.Username && got.Role == want.Role &&
		got.PasswordHash == want.PasswordHash && got.CreatedAt.Equal(want.CreatedAt) &&
		got.ClinicBound == want.ClinicBound && slices.Equal(got.Grants, want.Grants)
}

func testCreateAndGetUser(t *testing.T, s auth.Store) {
	ctx := context.Background()
	admin := mustCreate(t, s, "admin", auth.RoleAdmin)
	nurse := mustCreate(t, s, "nurse.joy", auth.RoleStaff)
	if admin.ID <= 0 || nurse.ID <= 0 || admin.ID == nurse.ID {
		t.Fatalf("CreateUser ids = %d, %d, want distinct and > 0", admin.ID, nurse.ID)
	}
	for _, want := range []auth.User{admin, nurse} {
		got, err := s.UserByUsername(ctx, want.Username)
		if err != nil || !sameUser(got, want) {
			t.Errorf("UserByUsername(%q) = %+v, %v, want %+v", want.Username, got, err, want)
		}
		got, err = s.UserByID(ctx, want.ID)
		if err != nil || !sameUser(got, want) {
			t.Errorf("UserByID(%d) = %+v, %v, want %+v", want.ID, got, err, want)
		}
	}
}

func testUsernameTaken(t *testing.T, s auth.Store) {
	mustCreate(t, s, "admin", auth.RoleAdmin)
	u := auth.User{Username: "admin", Role: auth.RoleStaff, PasswordHash: "x", CreatedAt: t0}
	if err := s.CreateUser(context.Background(), &u); !errors.Is(err, auth.ErrExists) {
		t.Fatalf("CreateUser(taken username) error = %v, want one wrapping ErrExists", err)
	}
	if n, err := s.CountUsers(context.Background()); err != nil || n != 1 {
		t.Errorf("CountUsers after a refused create = %d, %v, want 1", n, err)
	}
}

func testUserNotFound(t *testing.T, s auth.Store) {
	ctx := context.Background()
	u := mustCreate(t, s, "admin", auth.RoleAdmin)
	tests := []struct {
		name string
		call func() error
	}{
		{"UserByUsername", func() error { _, err := s.UserByUsername(ctx, "nobody"); return err }},
		{"UserByUsername is exact", func() error { _, err := s.UserByUsername(ctx, "admin "); return err }},
		{"UserByID", func() error { _, err := s.UserByID(ctx, u.ID+1000); return err }},
		{"SetPassword", func() error { return s.SetPassword(ctx, u.ID+1000, "x") }},
		{"DeleteUser", func() error { return s.DeleteUser(ctx, u.ID+1000) }},
		{"SessionByTokenHash", func() error { _, _, err := s.SessionByTokenHash(ctx, "feed"); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); !errors.Is(err, auth.ErrNotFound) {
				t.Errorf("error = %v, want one wrapping ErrNotFound", err)
			}
		})
	}
}

func testListAndCountUsers(t *testing.T, s auth.Store) {
	ctx := context.Background()
	if n, err := s.CountUsers(ctx); err != nil || n != 0 {
		t.Fatalf("CountUsers on an empty store = %d, %v, want 0", n, err)
	}
	if us, err := s.ListUsers(ctx); err != nil || len(us) != 0 {
		t.Fatalf("ListUsers on an empty store = %v, %v, want none", us, err)
	}
	for _, name := range []string{"zoe", "admin", "mark"} {
		mustCreate(t, s, name, auth.RoleStaff)
	}
	us, err := s.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range us {
		got = append(got, u.Username)
	}
	if want := []string{"admin", "mark", "zoe"}; !slices.Equal(got, want) {
		t.Errorf("ListUsers = %v, want %v (by username)", got, want)
	}
	if n, err := s.CountUsers(ctx); err != nil || n != 3 {
		t.Errorf("CountUsers = %d, %v, want 3", n, err)
	}
}

func testSetPassword(t *testing.T, s auth.Store) {
	ctx := context.Background()
	u := mustCreate(t, s, "admin", auth.RoleAdmin)
	other := mustCreate(t, s, "nurse", auth.RoleStaff)
	if err := s.SetPassword(ctx, u.ID, "$2a$12$new"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.UserByID(ctx, u.ID); err != nil || got.PasswordHash != "$2a$12$new" {
		t.Errorf("after SetPassword: hash %q, %v", got.PasswordHash, err)
	}
	if got, err := s.UserByID(ctx, other.ID); err != nil || got.PasswordHash != other.PasswordHash {
		t.Errorf("SetPassword changed another user's hash: %q, %v", got.PasswordHash, err)
	}
}

// SessionByTokenHash returns the session and its user, expired or not: telling an
// expired token from an unknown one is the caller's job.
func testSessionByTokenHash(t *testing.T, s auth.Store) {
	ctx := context.Background()
	u := mustCreate(t, s, "admin", auth.RoleAdmin)
	live := mustSession(t, s, u.ID, "live", t0.Add(8*time.Hour))
	expired := mustSession(t, s, u.ID, "expired", t0.Add(-time.Minute))
	for _, want := range []auth.Session{live, expired} {
		gs, gu, err := s.SessionByTokenHash(ctx, want.TokenHash)
		if err != nil {
			t.Fatalf("SessionByTokenHash(%s): %v", want.ID, err)
		}
		if gs.ID != want.ID || gs.TokenHash != want.TokenHash || gs.UserID != u.ID ||
			!gs.CreatedAt.Equal(want.CreatedAt) || !gs.ExpiresAt.Equal(want.ExpiresAt) {
			t.Errorf("SessionByTokenHash(%s) session = %+v, want %+v", want.ID, gs, want)
		}
		if !sameUser(gu, u) {
			t.Errorf("SessionByTokenHash(%s) user = %+v, want %+v", want.ID, gu, u)
		}
	}
}

// DeleteSession ends one session; deleting it again is either nil or ErrNotFound.
func testDeleteSession(t *testing.T, s auth.Store) {
	ctx := context.Background()
	u := mustCreate(t, s, "admin", auth.RoleAdmin)
	a := mustSession(t, s, u.ID, "a", t0.Add(time.Hour))
	b := mustSession(t, s, u.ID, "b", t0.Add(time.Hour))
	if err := s.DeleteSession(ctx, a.ID); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	if _, _, err := s.SessionByTokenHash(ctx, a.TokenHash); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("deleted session: SessionByTokenHash error = %v, want ErrNotFound", err)
	}
	if _, _, err := s.SessionByTokenHash(ctx, b.TokenHash); err != nil {
		t.Errorf("the other session was deleted too: %v", err)
	}
	if err := s.DeleteSession(ctx, a.ID); err != nil && !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("DeleteSession of a deleted session = %v, want nil or ErrNotFound", err)
	}
}

func testDeleteUserCascadesSessions(t *testing.T, s auth.Store) {
	ctx := context.Background()
	u := mustCreate(t, s, "nurse", auth.RoleStaff)
	keep := mustCreate(t, s, "admin", auth.RoleAdmin)
	gone := mustSession(t, s, u.ID, "gone", t0.Add(time.Hour))
	kept := mustSession(t, s, keep.ID, "kept", t0.Add(time.Hour))
	if err := s.DeleteUser(ctx, u.ID); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	if _, err := s.UserByID(ctx, u.ID); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("deleted user: UserByID error = %v, want ErrNotFound", err)
	}
	if _, _, err := s.SessionByTokenHash(ctx, gone.TokenHash); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("session of a deleted user: error = %v, want ErrNotFound", err)
	}
	if _, _, err := s.SessionByTokenHash(ctx, kept.TokenHash); err != nil {
		t.Errorf("another user's session: %v", err)
	}
	// Not merely hidden by a join: the rows are gone.
	if ids, err := s.DeleteUserSessions(ctx, u.ID); err != nil || len(ids) != 0 {
		t.Errorf("sessions left behind by DeleteUser: %v, %v", ids, err)
	}
	// The username is free again.
	mustCreate(t, s, "nurse", auth.RoleStaff)
}

func testDeleteUserSessions(t *testing.T, s auth.Store) {
	ctx := context.Background()
	u := mustCreate(t, s, "nurse", auth.RoleStaff)
	other := mustCreate(t, s, "admin", auth.RoleAdmin)
	mustSession(t, s, u.ID, "one", t0.Add(time.Hour))
	mustSession(t, s, u.ID, "two", t0.Add(-time.Hour))
	kept := mustSession(t, s, other.ID, "kept", t0.Add(time.Hour))
	ids, err := s.DeleteUserSessions(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	if want := []string{"sess-one", "sess-two"}; !slices.Equal(ids, want) {
		t.Errorf("DeleteUserSessions = %v, want %v", ids, want)
	}
	if ids, err := s.DeleteUserSessions(ctx, u.ID); err != nil || len(ids) != 0 {
		t.Errorf("DeleteUserSessions again = %v, %v, want none", ids, err)
	}
	if _, _, err := s.SessionByTokenHash(ctx, kept.TokenHash); err != nil {
		t.Errorf("another user's session: %v", err)
	}
	if _, err := s.UserByID(ctx, u.ID); err != nil {
		t.Errorf("DeleteUserSessions removed the user: %v", err)
	}
}

func testDeleteExpiredSessions(t *testing.T, s auth.Store) {
	ctx := context.Background()
	u := mustCreate(t, s, "admin", auth.RoleAdmin)
	old := mustSession(t, s, u.ID, "old", t0.Add(-time.Hour))
	justExpired := mustSession(t, s, u.ID, "just", t0.Add(-time.Millisecond))
	atNow := mustSession(t, s, u.ID, "now", t0)
	live := mustSession(t, s, u.ID, "live", t0.Add(time.Hour))
	n, err := s.DeleteExpiredSessions(ctx, t0)
	if err != nil || n != 2 {
		t.Fatalf("DeleteExpiredSessions = %d, %v, want 2", n, err)
	}
	for _, sess := range []auth.Session{old, justExpired} {
		if _, _, err := s.SessionByTokenHash(ctx, sess.TokenHash); !errors.Is(err, auth.ErrNotFound) {
			t.Errorf("expired session %s survived: %v", sess.ID, err)
		}
	}
	for _, sess := range []auth.Session{atNow, live} {
		if _, _, err := s.SessionByTokenHash(ctx, sess.TokenHash); err != nil {
			t.Errorf("session %s (not expired before now) was deleted: %v", sess.ID, err)
		}
	}
	if n, err := s.DeleteExpiredSessions(ctx, t0); err != nil || n != 0 {
		t.Errorf("DeleteExpiredSessions again = %d, %v, want 0", n, err)
	}
}

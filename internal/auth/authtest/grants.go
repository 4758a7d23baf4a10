package authtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"smartwait/internal/auth"
	"smartwait/internal/queue"
)

// mustClinic adds a clinic to the store's database and returns its id.
func mustClinic(tb testing.TB, s Store, slug string) int64 {
	tb.Helper()
	c := queue.Clinic{Slug: slug, Name: slug, TimeZone: "UTC", CreatedAt: t0}
	err := s.Update(context.Background(), func(tx queue.Tx) error { return tx.CreateClinic(context.Background(), &c) })
	if err != nil {
		tb.Fatalf("CreateClinic(%s): %v", slug, err)
	}
	return c.ID
}

// Every lookup returns a user's grants, by clinic id, and whether it is bound
// to them; an account without grants comes back unbound with none.
func testGrantsRoundTrip(t *testing.T, s Store) {
	ctx := context.Background()
	north := mustClinic(t, s, "north")
	// Given out of order: the store returns them by clinic id.
	bound := auth.User{Username: "north.admin", Role: auth.RoleAdmin, PasswordHash: "h", CreatedAt: t0, ClinicBound: true,
		Grants: []auth.Grant{{ClinicID: north, Role: auth.RoleAdmin}, {ClinicID: auth.DefaultClinicID, Role: auth.RoleStaff}}}
	if err := s.CreateUser(ctx, &bound); err != nil {
		t.Fatal(err)
	}
	bound.Grants = []auth.Grant{{ClinicID: auth.DefaultClinicID, Role: auth.RoleStaff}, {ClinicID: north, Role: auth.RoleAdmin}}
	plain := mustCreate(t, s, "nurse", auth.RoleStaff)
	for _, want := range []auth.User{bound, plain} {
		got, err := s.UserByUsername(ctx, want.Username)
		if err != nil || !sameUser(got, want) {
			t.Errorf("UserByUsername(%q) = %+v, %v, want %+v", want.Username, got, err, want)
		}
		got, err = s.UserByID(ctx, want.ID)
		if err != nil || !sameUser(got, want) {
			t.Errorf("UserByID(%d) = %+v, %v, want %+v", want.ID, got, err, want)
		}
		sess := mustSession(t, s, want.ID, want.Username, t0.Add(time.Hour))
		if _, got, err := s.SessionByTokenHash(ctx, sess.TokenHash); err != nil || !sameUser(got, want) {
			t.Errorf("SessionByTokenHash user = %+v, %v, want %+v", got, err, want)
		}
	}
	us, err := s.ListUsers(ctx)
	if err != nil || len(us) != 2 || !sameUser(us[0], bound) || !sameUser(us[1], plain) {
		t.Errorf("ListUsers = %+v, %v, want %+v then %+v", us, err, bound, plain)
	}
}

// A grant naming no clinic refuses the whole account: no user is left behind.
func testGrantOfUnknownClinic(t *testing.T, s Store) {
	ctx := context.Background()
	u := auth.User{Username: "ghost", Role: auth.RoleStaff, PasswordHash: "h", CreatedAt: t0, ClinicBound: true,
		Grants: []auth.Grant{{ClinicID: auth.DefaultClinicID, Role: auth.RoleStaff}, {ClinicID: 9999, Role: auth.RoleStaff}}}
	if err := s.CreateUser(ctx, &u); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("CreateUser with a grant of clinic 9999: %v, want ErrNotFound", err)
	}
	if _, err := s.UserByUsername(ctx, "ghost"); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("the refused account was stored: %v", err)
	}
	mustCreate(t, s, "ghost", auth.RoleStaff) // and its name is free
}

// Removing a clinic removes its grants, but the account stays bound: it must
// not fall back to the pre-clinic meaning of its role (an admin would become
// the deployment's). Removing the user removes its grants too.
func testRemovedClinicTakesItsGrants(t *testing.T, s Store) {
	ctx := context.Background()
	north := mustClinic(t, s, "north")
	u := auth.User{Username: "north.admin", Role: auth.RoleAdmin, PasswordHash: "h", CreatedAt: t0, ClinicBound: true,
		Grants: []auth.Grant{{ClinicID: north, Role: auth.RoleAdmin}}}
	if err := s.CreateUser(ctx, &u); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx queue.Tx) error { return tx.DeleteClinic(ctx, north) }); err != nil {
		t.Fatalf("DeleteClinic: %v", err)
	}
	got, err := s.UserByID(ctx, u.ID)
	if err != nil || !got.ClinicBound || len(got.Grants) != 0 {
		t.Fatalf("after its clinic went: %+v, %v, want bound with no grants", got, err)
	}
	if got.DeploymentAdmin() {
		t.Errorf("a clinic admin whose clinic went became a deployment admin")
	}
	if err := s.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	again := mustCreate(t, s, "north.admin", auth.RoleStaff)
	if got, err := s.UserByID(ctx, again.ID); err != nil || got.ClinicBound || len(got.Grants) != 0 {
		t.Errorf("a new account of the same name: %+v, %v, want no grants", got, err)
	}
}

package auth_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"smartwait/internal/auth"
	"smartwait/internal/queue"
)

const north, south int64 = 2, 3

var (
	deployAdmin = auth.User{Username: "root", Role: auth.RoleAdmin}
	legacyStaff = auth.User{Username: "nurse", Role: auth.RoleStaff}
	legacyKiosk = auth.User{Username: "tablet", Role: auth.RoleKiosk}
	northAdmin  = auth.User{Username: "na", Role: auth.RoleAdmin, ClinicBound: true,
		Grants: []auth.Grant{{ClinicID: auth.DefaultClinicID, Role: auth.RoleStaff}, {ClinicID: north, Role: auth.RoleAdmin}}}
	northStaff = auth.User{Username: "ns", Role: auth.RoleStaff, ClinicBound: true,
		Grants: []auth.Grant{{ClinicID: north, Role: auth.RoleStaff}}}
	northKiosk = auth.User{Username: "nk", Role: auth.RoleKiosk, ClinicBound: true,
		Grants: []auth.Grant{{ClinicID: north, Role: auth.RoleKiosk}}}
	orphanAdmin = auth.User{Username: "oa", Role: auth.RoleAdmin, ClinicBound: true}
	// A grant above the account's role counts only up to the account's role.
	inflated = auth.User{Username: "x", Role: auth.RoleStaff, ClinicBound: true,
		Grants: []auth.Grant{{ClinicID: north, Role: auth.RoleAdmin}}}
)

func TestMayUse(t *testing.T) {
	tests := []struct {
		u      auth.User
		clinic int64
		need   auth.Role
		want   bool
	}{
		{deployAdmin, south, auth.RoleAdmin, true},
		{deployAdmin, auth.DefaultClinicID, auth.RoleStaff, true},
		{legacyStaff, auth.DefaultClinicID, auth.RoleStaff, true},
		{legacyStaff, auth.DefaultClinicID, auth.RoleKiosk, true},
		{legacyStaff, auth.DefaultClinicID, auth.RoleAdmin, false},
		{legacyStaff, north, auth.RoleStaff, false},
		{legacyKiosk, auth.DefaultClinicID, auth.RoleKiosk, true},
		{legacyKiosk, auth.DefaultClinicID, auth.RoleStaff, false},
		{northAdmin, north, auth.RoleAdmin, true},
		{northAdmin, auth.DefaultClinicID, auth.RoleStaff, true},
		{northAdmin, auth.DefaultClinicID, auth.RoleAdmin, false},
		{northAdmin, south, auth.RoleKiosk, false},
		{northStaff, north, auth.RoleStaff, true},
		{northStaff, north, auth.RoleAdmin, false},
		{northStaff, auth.DefaultClinicID, auth.RoleStaff, false},
		{northKiosk, north, auth.RoleKiosk, true},
		{northKiosk, north, auth.RoleStaff, false},
		{orphanAdmin, auth.DefaultClinicID, auth.RoleKiosk, false},
		{inflated, north, auth.RoleStaff, true},
		{inflated, north, auth.RoleAdmin, false},
	}
	for _, tc := range tests {
		if got := tc.u.MayUse(tc.clinic, tc.need); got != tc.want {
			t.Errorf("%s.MayUse(%d, %s) = %v, want %v", tc.u.Username, tc.clinic, tc.need, got, tc.want)
		}
	}
	if !deployAdmin.DeploymentAdmin() || northAdmin.DeploymentAdmin() || orphanAdmin.DeploymentAdmin() || legacyStaff.DeploymentAdmin() {
		t.Error("DeploymentAdmin: only an unbound admin is one")
	}
}

func TestClinicsAndCovers(t *testing.T) {
	if ids, all := deployAdmin.Clinics(auth.RoleStaff); !all || ids != nil {
		t.Errorf("deployment admin Clinics = %v, %v", ids, all)
	}
	for _, tc := range []struct {
		u    auth.User
		need auth.Role
		want []int64
	}{
		{legacyStaff, auth.RoleStaff, []int64{auth.DefaultClinicID}},
		{legacyKiosk, auth.RoleStaff, nil},
		{northAdmin, auth.RoleStaff, []int64{auth.DefaultClinicID, north}},
		{northAdmin, auth.RoleAdmin, []int64{north}},
		{orphanAdmin, auth.RoleKiosk, nil},
	} {
		if ids, all := tc.u.Clinics(tc.need); all || !slices.Equal(ids, tc.want) {
			t.Errorf("%s.Clinics(%s) = %v, %v, want %v", tc.u.Username, tc.need, ids, all, tc.want)
		}
	}
	northOnly := auth.User{Username: "a", Role: auth.RoleAdmin, ClinicBound: true, Grants: []auth.Grant{{ClinicID: north, Role: auth.RoleAdmin}}}
	for _, tc := range []struct {
		admin, other auth.User
		want         bool
	}{
		{deployAdmin, northAdmin, true},
		{northOnly, northStaff, true},
		{northOnly, northKiosk, true},
		{northOnly, northAdmin, false}, // it also acts at the default clinic
		{northOnly, legacyStaff, false},
		{northOnly, deployAdmin, false},
		{northOnly, orphanAdmin, false},
	} {
		if got := tc.admin.Covers(tc.other); got != tc.want {
			t.Errorf("%s.Covers(%s) = %v, want %v", tc.admin.Username, tc.other.Username, got, tc.want)
		}
	}
}

func TestGrantsText(t *testing.T) {
	gs := []auth.Grant{{ClinicID: 1, Role: auth.RoleStaff}, {ClinicID: 12, Role: auth.RoleAdmin}}
	got, err := auth.ParseGrants("12:admin,1:staff")
	if err != nil || !slices.Equal(got, gs) || auth.FormatGrants(gs) != "1:staff,12:admin" {
		t.Errorf("ParseGrants = %v, %v; FormatGrants = %q", got, err, auth.FormatGrants(gs))
	}
	if got, err := auth.ParseGrants(""); err != nil || got != nil {
		t.Errorf(`ParseGrants("") = %v, %v`, got, err)
	}
	if _, err := auth.ParseGrants("x:staff"); err == nil {
		t.Error("ParseGrants accepted a malformed id")
	}
}

func TestAddUserAtValidatesGrants(t *testing.T) {
	f := newFixture(t)
	s := f.svc
	ctx := context.Background()
	for _, slug := range []string{"north", "south"} {
		c := queue.Clinic{Slug: slug, Name: slug, TimeZone: "UTC"}
		if err := f.db.Update(ctx, func(tx queue.Tx) error { return tx.CreateClinic(ctx, &c) }); err != nil || c.ID != map[string]int64{"north": north, "south": south}[slug] {
			t.Fatalf("CreateClinic(%s) = id %d, %v", slug, c.ID, err)
		}
	}
	u, err := s.AddUserAt(ctx, "north.nurse", "correct horse battery", auth.RoleStaff, []auth.Grant{{ClinicID: north}})
	if err != nil || !u.ClinicBound || !slices.Equal(u.Grants, []auth.Grant{{ClinicID: north, Role: auth.RoleStaff}}) {
		t.Fatalf("AddUserAt = %+v, %v", u, err)
	}
	for name, gs := range map[string][]auth.Grant{
		"above the account": {{ClinicID: north, Role: auth.RoleAdmin}},
		"twice":             {{ClinicID: north}, {ClinicID: north, Role: auth.RoleKiosk}},
		"bad role":          {{ClinicID: north, Role: "owner"}},
		"no clinic":         {{Role: auth.RoleStaff}},
	} {
		_, err := s.AddUserAt(ctx, "x"+name[:3], "correct horse battery", auth.RoleStaff, gs)
		var ae *auth.Error
		if !errors.As(err, &ae) || ae.Code != auth.CodeValidation {
			t.Errorf("%s: %v, want VALIDATION_ERROR", name, err)
		}
	}
	if _, err := s.AddUserAt(ctx, "lost", "correct horse battery", auth.RoleStaff, []auth.Grant{{ClinicID: 99}}); err == nil {
		t.Error("AddUserAt accepted a grant of an unknown clinic")
	}
	// A clinic admin is not a deployment admin: removing the only deployment
	// admin is refused even with clinic admins left.
	f.mustAdd(t, "root", "correct horse battery", auth.RoleAdmin)
	if _, err := s.AddUserAt(ctx, "north.admin", "correct horse battery", auth.RoleAdmin, []auth.Grant{{ClinicID: north}}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.RemoveUser(ctx, "root"), auth.CodeLastAdmin)
	if err := s.RemoveUser(ctx, "north.admin"); err != nil {
		t.Errorf("RemoveUser(clinic admin) = %v", err)
	}
}

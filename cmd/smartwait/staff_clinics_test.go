package main

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"smartwait/internal/auth"
	"smartwait/internal/queue"
	"smartwait/internal/sqlite"
)

// TestStaffAddAtClinics: --clinic binds an account to clinics (repeated or
// a comma list, each with an optional role), list shows where each account
// acts, and an unknown clinic adds nothing.
func TestStaffAddAtClinics(t *testing.T) {
	path := filepath.Join(t.TempDir(), "staff.db")
	mustCLI(t, path, "", "staff", "add", "--password", "boss-secret-1", "--role", "admin", "boss")
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	north := queue.Clinic{Slug: "north", Name: "North", TimeZone: "UTC"}
	err = db.Update(context.Background(), func(tx queue.Tx) error { return tx.CreateClinic(context.Background(), &north) })
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	out := mustCLI(t, path, "", "staff", "add", "--password", "north-admin-1", "--role", "admin", "--clinic", "north", "--clinic", "main:staff", "nadmin")
	if !strings.Contains(out, `Added admin "nadmin" at north,main:staff`) {
		t.Errorf("add printed %q", out)
	}
	mustCLI(t, path, "", "staff", "add", "--password", "north-desk-1", "--clinic", "north", "desk")
	if _, err := cli(t, path, "", "staff", "add", "--password", "ghost-pass-1", "--clinic", "south", "ghost"); err == nil ||
		!strings.Contains(err.Error(), `no clinic "south"`) {
		t.Errorf("unknown clinic: %v", err)
	}
	if _, err := cli(t, path, "", "staff", "add", "--password", "ghost-pass-1", "--clinic", "north:owner", "ghost"); err == nil {
		t.Error("a bad role at a clinic was accepted")
	}

	out = mustCLI(t, path, "", "staff", "list")
	for _, want := range []string{"boss", "deployment", "nadmin", "main:staff,north:admin", "desk", "north:staff"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "ghost") {
		t.Errorf("a refused account was added:\n%s", out)
	}

	db, err = sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := db.UserByUsername(context.Background(), "nadmin")
	if err != nil || !u.ClinicBound || u.DeploymentAdmin() || !u.MayUse(north.ID, auth.RoleAdmin) ||
		u.MayUse(queue.DefaultClinicID, auth.RoleAdmin) || !u.MayUse(queue.DefaultClinicID, auth.RoleStaff) {
		t.Errorf("nadmin = %+v, %v", u, err)
	}
	if ids, _ := u.Clinics(auth.RoleKiosk); !slices.Equal(ids, []int64{queue.DefaultClinicID, north.ID}) {
		t.Errorf("nadmin clinics = %v", ids)
	}
}

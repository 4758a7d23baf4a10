package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"smartwait/internal/auth"
	"smartwait/internal/queue"
)

// TestStaffBrandIsTheAccountsClinic: the staff pages' top bar names the
// clinic the account works at. An account bound to north sees North; a
// deployment admin and the default clinic's staff keep the deployment's
// brand (SMARTWAIT_CLINIC_NAME, "Test Clinic" in the harness).
func TestStaffBrandIsTheAccountsClinic(t *testing.T) {
	w := newAuthzWorld(t)
	for user, want := range map[string]string{
		"root":     "Test Clinic",
		mainAdmin:  "Test Clinic",
		mainStaff:  "Test Clinic",
		northAdmin: "North",
		northStaff: "North",
	} {
		r := w.asCookie(user, "GET", "/staff", "")
		if r.Code != http.StatusOK {
			t.Fatalf("%s opens /staff: %d", user, r.Code)
		}
		if brand := `<span class="brand">` + want + ` · Staff</span>`; !strings.Contains(r.Raw, brand) {
			t.Errorf("%s's dashboard lacks %q", user, brand)
		}
	}
}

// TestKioskAccountLandsOnItsClinic: a kiosk account bound to north signs in
// to north's kiosk, and the unprefixed /kiosk (the default clinic's, where
// its check-ins would be refused) sends it there too; on its own kiosk it is
// the signed-in tablet.
func TestKioskAccountLandsOnItsClinic(t *testing.T) {
	w := newAuthzWorld(t)
	r := w.h.form("/staff/login", url.Values{"username": {northKiosk}, "password": {"correct horse"}})
	if r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/c/north/kiosk" {
		t.Fatalf("north's kiosk signs in: %d → %q", r.Code, r.Header.Get("Location"))
	}
	for path, to := range map[string]string{"/kiosk": "/c/north/kiosk", "/kiosk?lang=es": "/c/north/kiosk?lang=es", "/c/main/kiosk": "/c/north/kiosk"} {
		if r := w.asCookie(northKiosk, "GET", path, ""); r.Code != http.StatusSeeOther || r.Header.Get("Location") != to {
			t.Errorf("north's kiosk opens %s: %d → %q, want %s", path, r.Code, r.Header.Get("Location"), to)
		}
	}
	page := w.asCookie(northKiosk, "GET", "/c/north/kiosk", "")
	wantPage(t, page, http.StatusOK)
	if !strings.Contains(page.Raw, `data-desk="true"`) {
		t.Error("north's kiosk is not signed in on its own kiosk page")
	}
	// Anyone else still gets the page asked for: the public, a staff member.
	for _, hs := range [][]string{nil, cookie(w.tok[northStaff])} {
		if r := w.h.do("GET", "/kiosk", "", hs...); r.Code != http.StatusOK {
			t.Errorf("/kiosk with %v: %d", hs, r.Code)
		}
	}
}

// TestKioskAccountWithoutClinicIsAPublicKiosk: a kiosk account whose clinic
// was removed may check in at no clinic. Its tablet showed the signed-in form
// (no phone asked), whose every check-in was refused with 403; it now shows
// the public kiosk, where patients check themselves in.
func TestKioskAccountWithoutClinicIsAPublicKiosk(t *testing.T) {
	w := newAuthzWorld(t)
	ctx := context.Background()
	east, err := w.h.deps.Queue.CreateClinic(ctx, queue.Clinic{Slug: "east", Name: "East", TimeZone: "UTC"})
	if err != nil {
		t.Fatal(err)
	}
	a := w.h.deps.Auth
	if _, err := a.AddUserAt(ctx, "east.kiosk", "correct horse", auth.RoleKiosk, []auth.Grant{{ClinicID: east.ID}}); err != nil {
		t.Fatal(err)
	}
	if w.tok["east.kiosk"], _, _, err = a.Login(ctx, "east.kiosk", "correct horse"); err != nil {
		t.Fatal(err)
	}
	if err := w.h.deps.Queue.DeleteClinic(ctx, "east"); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/kiosk", "/c/north/kiosk"} {
		page := w.asCookie("east.kiosk", "GET", path, "")
		wantPage(t, page, http.StatusOK)
		if !strings.Contains(page.Raw, `data-phone-required="true" data-desk="false"`) {
			t.Errorf("%s for a kiosk account with no clinic is not the public kiosk", path)
		}
	}
	// Its own clinic's tablet is still the signed-in one.
	if page := w.asCookie(northKiosk, "GET", "/c/north/kiosk", ""); !strings.Contains(page.Raw, `data-desk="true"`) {
		t.Error("north's kiosk is no longer signed in on its own page")
	}
}

package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
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

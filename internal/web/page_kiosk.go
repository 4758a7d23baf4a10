package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"sync"
	"time"

	"smartwait/internal/auth"
)

// The lobby kiosk (docs/lines.md, "Kiosk"): a tablet at the entrance where
// patients check themselves in. Signed in with a kiosk account, it posts to
// the front-desk check-in, so the phone is optional; anonymous, it posts to
// POST /api/checkin like a phone does. Either way it has the public
// check-in's rate limit, keyed per device rather than per address: a clinic's tablets and its patients' phones on the
// clinic's Wi-Fi share one address, and one busy kiosk must not use up the
// limit of everyone behind it.

// kioskCookie names the kiosk's device cookie, set by GET /kiosk: 32 random
// hex characters that say nothing about any patient.
const kioskCookie = "sw_kiosk"

// Config.KioskDevices (SMARTWAIT_KIOSK_DEVICES_PER_IP, default DefaultKioskDevices)
// bounds the kiosk devices behind one address that get a check-in limit of
// their own. Anyone can make up a cookie; without a bound a client could send
// a new one with every check-in and escape the limit. A device beyond the
// bound counts against its address's limit. A device is forgotten after
// kioskDeviceIdle without a check-in.
const (
	DefaultKioskDevices = 4
	kioskDeviceIdle     = 10 * time.Minute
)

// kioskData is the kiosk page. Desk is set on a tablet signed in with a
// kiosk account: the phone is optional there and the form posts to the
// front-desk check-in (POST /api/staff/checkin). An anonymous kiosk posts to
// the public check-in, which requires a phone.
type kioskData struct {
	Lines         linePicker
	PhoneRequired bool
	Desk          bool
	Language      string // the page's language, which kiosk.js sends with each check-in
	// LinesURL is where kiosk.js re-reads the public lines: its clinic's
	// /api/clinics/{slug}/lines, the default clinic's for /kiosk too
	// (/api/lines would list every clinic's lines).
	LinesURL string
	// Line is the line a check-in goes to when the patient picks none, on a
	// clinic's kiosk: the clinic's first public line (the unprefixed kiosk
	// leaves it to the API's default line, as it always did).
	Line string
}

// handleKioskPage serves GET /kiosk and a clinic's GET /c/{slug}/kiosk: the
// blank kiosk form with the clinic's public lines. It gives the device its
// cookie if it has none.
func (s *Server) handleKioskPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, ok := s.pageSite(w, r)
		if !ok {
			return
		}
		kiosk, signedIn := s.kioskAccount(r)
		desk := signedIn && kiosk.MayUse(t.Clinic.ID, auth.RoleKiosk)
		if signedIn && !desk {
			// Not its clinic's kiosk (the unprefixed /kiosk is the default
			// clinic's, which an account bound to north may not use): to its
			// own. An account that acts at no clinic (its clinic was removed)
			// stays, as a public kiosk — its desk check-ins would be refused.
			to, err := s.kioskHome(r.Context(), kiosk)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			if to != "" {
				if r.URL.RawQuery != "" {
					to += "?" + r.URL.RawQuery // the page's language (?lang=)
				}
				http.Redirect(w, r, to, http.StatusSeeOther)
				return
			}
		}
		p, _ := s.patientPage(w, r, "", sitePage(page{Body: "kiosk", NoBar: true}, t))
		lines, err := s.linePicker(r.Context(), p.L, t)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d := kioskData{Lines: lines, LinesURL: "/api/clinics/" + t.Clinic.Slug + "/lines"}
		if t.prefixed() {
			// A clinic without public lines has no default line: the
			// check-in then says the line is unavailable.
			d.Line, _ = s.d.Queue.CheckInLine(r.Context(), t.Clinic.Slug, "")
		}
		if _, ok := kioskDevice(r); !ok {
			var b [16]byte
			_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
			http.SetCookie(w, &http.Cookie{
				Name: kioskCookie, Value: hex.EncodeToString(b[:]), Path: "/",
				MaxAge:   400 * 24 * 60 * 60, // the longest browsers keep a cookie
				HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode,
			})
		}
		p.Title, p.Scripts = p.L.T("pages.kiosk.title"), []string{"js/live.js", "js/kiosk.js"}
		d.PhoneRequired, d.Desk, d.Language = !desk, desk, p.L.Lang()
		p.Data = d
		p.Text = scriptText(p.L, "pages.kiosk", "pages.lines", "pages.checkin", "format.weekday")
		s.render(w, r, http.StatusOK, "kiosk", p)
	})
}

// kioskHome is the kiosk of the clinic kiosk account u works at (staffHome),
// "" when it may check patients in at none.
func (s *Server) kioskHome(ctx context.Context, u auth.User) (string, error) {
	home, err := s.staffHome(ctx, userScope(u, auth.RoleKiosk))
	if err != nil || !u.MayUse(home.Clinic.ID, auth.RoleKiosk) {
		return "", err
	}
	return home.Home + "/kiosk", nil
}

// kioskAccount returns the kiosk account whose session cookie the request
// carries, and false when it carries none (a staff member's is none).
func (s *Server) kioskAccount(r *http.Request) (auth.User, bool) {
	st, ok := s.cookieSession(r, s.d.Auth.AuthenticateDesk)
	return st.User, ok && st.User.Role == auth.RoleKiosk
}

// kioskCheckinLimit is the check-in rate limit of a kiosk account's
// front-desk check-ins, keyed by its session (one per tablet): the public
// check-in's limit, per device. Staff at the desk are not limited.
func (s *Server) kioskCheckinLimit() func(http.Handler) http.Handler {
	limit := s.rateLimit("checkin", s.d.Config.CheckinPerMinute, func(r *http.Request) string {
		st, _ := staffFrom(r.Context())
		return "kiosk-session:" + st.Session.ID
	})
	return func(next http.Handler) http.Handler {
		limited := limit(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if isKiosk(r) {
				limited.ServeHTTP(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// kioskDevice returns the request's kiosk device id, if it carries a
// well-formed one.
func kioskDevice(r *http.Request) (string, bool) {
	c, err := r.Cookie(kioskCookie)
	if err != nil || len(c.Value) != 32 {
		return "", false
	}
	if _, err := hex.DecodeString(c.Value); err != nil {
		return "", false
	}
	return c.Value, true
}

// checkinClient returns the key the check-in rate limit counts by: the kiosk
// device for a request from one (within Config.KioskDevices of its address),
// else the client's address.
func (s *Server) checkinClient() func(r *http.Request) string {
	k := &kioskDevices{byIP: map[string]map[string]time.Time{}, max: s.d.Config.KioskDevices}
	return func(r *http.Request) string {
		ip := s.clientIP(r)
		if id, ok := kioskDevice(r); ok && k.admit(ip, id, s.now()) {
			return "kiosk:" + ip + "/" + id
		}
		return ip
	}
}

// kioskDevices remembers, per address, the kiosk devices that checked in
// lately. It is safe for concurrent use.
type kioskDevices struct {
	mu    sync.Mutex
	max   int                             // devices per address
	byIP  map[string]map[string]time.Time // address → device → last check-in
	swept time.Time
}

// admit records a check-in from device id at address ip, and reports whether
// the device has a limit of its own.
func (k *kioskDevices) admit(ip, id string, now time.Time) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if now.Sub(k.swept) > kioskDeviceIdle {
		for a, devs := range k.byIP {
			forgetIdle(devs, now)
			if len(devs) == 0 {
				delete(k.byIP, a)
			}
		}
		k.swept = now
	}
	devs := k.byIP[ip]
	if devs == nil {
		devs = map[string]time.Time{}
		k.byIP[ip] = devs
	}
	forgetIdle(devs, now)
	if _, known := devs[id]; !known && len(devs) >= k.max {
		return false
	}
	devs[id] = now
	return true
}

// forgetIdle drops the devices that have not checked anyone in for
// kioskDeviceIdle.
func forgetIdle(devs map[string]time.Time, now time.Time) {
	for id, at := range devs {
		if now.Sub(at) > kioskDeviceIdle {
			delete(devs, id)
		}
	}
}

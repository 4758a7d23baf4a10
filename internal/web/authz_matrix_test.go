package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"smartwait/api/apitest"
)

// The authorization matrix of issue 13 (docs/clinics.md, "Staff and
// clinics"): every route the server registers has a row here, and a route
// added without one fails TestAuthzMatrixCoversEveryRoute. For each route
// that acts on a clinic's line, ticket, room, clinic or accounts, an account
// of one clinic gets 403 or 404 against the other clinic's resource, and the
// state a deployment admin sees is unchanged; against its own clinic's it is
// let through (no 401, 403, or a ticket's 404).

// authzKind is how a route relates to clinics.
type authzKind int

const (
	authzPublic         authzKind = iota // no staff credentials: patients, displays, providers, operations
	authzSession                         // the caller's own session (me, logout)
	authzAnyStaff                        // any staff account; no clinic's data
	authzDeployment                      // a deployment admin's only (API)
	authzDeploymentPage                  // a deployment admin's only (page, cookie session)
	authzStaffPage                       // a page any staff account may open; its data comes from the API
	authzClinic                          // acts on one clinic's resource: the cross-clinic checks
	authzRealtime                        // Socket.IO: per-clinic staff rooms, each account × clinic in TestAuthzRooms (authz_rooms_test.go)
)

// authzReq is a request aimed at clinic c.
type authzReq func(c clinicRes) (method, path, body string)

// authzRow is one route's row of the matrix.
type authzRow struct {
	kind authzKind
	// authzClinic: the request on a clinic's resource, and who makes it.
	target   authzReq
	admin    bool // made by the clinic's admin (the route needs an admin)
	kiosk    bool // also made by north's kiosk account
	mainOnly bool // only the default clinic's resource can be named on this route
	stream   bool // an event stream: the allowed request is cut short
	// list, if set, is a listing whose answer to one clinic's account must
	// not show the other clinic's patients, lines or rooms.
	list string
	// deployment rows: a request any account might make.
	req func(w *authzWorld) (method, path, body string)
}

func get(path string) func(*authzWorld) (string, string, string) {
	return func(*authzWorld) (string, string, string) { return "GET", path, "" }
}

func authzRows() map[string]authzRow {
	public := authzRow{kind: authzPublic}
	ticket := func(op string) authzRow {
		return authzRow{kind: authzClinic, target: func(c clinicRes) (string, string, string) {
			return "POST", "/api/staff/" + op, `{"patientId":"` + c.called + `"}`
		}}
	}
	queueRow := authzRow{kind: authzClinic, list: "?", target: func(c clinicRes) (string, string, string) {
		return "GET", "?line=" + c.line, ""
	}}
	listing := func(path string, admin bool) authzRow {
		return authzRow{kind: authzClinic, list: path, admin: admin}
	}
	withPath := func(r authzRow, path string) authzRow {
		t := r.target
		r.list = path
		r.target = func(c clinicRes) (string, string, string) {
			m, p, b := t(c)
			return m, path + p, b
		}
		return r
	}
	return map[string]authzRow{
		// Patients, displays, SMS providers, operations and pages: no staff.
		"POST /api/checkin": public, "GET /api/position/{id...}": public, "GET /api/status/{id...}": public,
		"GET /api/lines": public, "POST /api/staff/login": public,
		"GET /api/clinics": public, "GET /api/clinics/{slug}/lines": public,
		"POST " + twilioStatusPath: public, "POST " + inboundSMSPath: public,
		"GET /api/events/patient/{id...}": public, "GET /api/events/display": public,
		"GET /health": public, "GET /metrics": public, "GET /api/openapi.json": public, "GET /api/display": public,
		"GET /{$}": public, "GET /checkin": public, "POST /checkin": public, "GET /status/{id...}": public,
		"GET /staff/login": public, "POST /staff/login": public, "GET /display": public, "GET /kiosk": public,
		"GET /qr": public, "GET /offline": public, "GET /qr.png": public, "GET /static/": public,
		// A clinic's public pages: as public as the default clinic's.
		"GET /c/{slug}/": public, "GET /c/{slug}/{$}": public, "GET /c/{slug}/checkin": public, "POST /c/{slug}/checkin": public,
		"GET /c/{slug}/status/{id...}": public, "GET /c/{slug}/display": public, "GET /c/{slug}/kiosk": public,
		"GET /c/{slug}/qr": public, "GET /c/{slug}/qr.png": public,
		"GET /sw.js": public, "GET /manifest.webmanifest": public, "GET /favicon.ico": public,

		"POST /api/staff/logout": {kind: authzSession}, "GET /api/staff/me": {kind: authzSession},
		"POST /staff/logout":   {kind: authzSession},
		"GET /health/detailed": {kind: authzAnyStaff},
		"GET /staff":           {kind: authzStaffPage},

		// The deployment's: clinics, accounts' pages, audit, erasure, webhooks.
		"GET /api/staff/audit":     {kind: authzDeployment, req: get("/api/staff/audit")},
		"GET /api/staff/audit.csv": {kind: authzDeployment, req: get("/api/staff/audit.csv")},
		"POST /api/staff/erase": {kind: authzDeployment, req: func(*authzWorld) (string, string, string) {
			return "POST", "/api/staff/erase", `{"phone":"` + phone(10) + `"}`
		}},
		"GET /api/staff/webhooks": {kind: authzDeployment, req: get("/api/staff/webhooks")},
		"POST /api/staff/webhooks": {kind: authzDeployment, req: func(*authzWorld) (string, string, string) {
			return "POST", "/api/staff/webhooks", `{"url":"https://hooks.example/x"}`
		}},
		"PATCH /api/staff/webhooks/{id}": {kind: authzDeployment, req: func(*authzWorld) (string, string, string) {
			return "PATCH", "/api/staff/webhooks/1", `{"enabled":false}`
		}},
		"DELETE /api/staff/webhooks/{id}": {kind: authzDeployment, req: func(*authzWorld) (string, string, string) {
			return "DELETE", "/api/staff/webhooks/1", ""
		}},
		"GET /api/staff/webhooks/{id}/deliveries": {kind: authzDeployment, req: get("/api/staff/webhooks/1/deliveries")},
		"POST /api/staff/realtime/test": {kind: authzDeployment, req: func(*authzWorld) (string, string, string) {
			return "POST", "/api/staff/realtime/test", ""
		}},
		"GET /api/staff/clinics": {kind: authzDeployment, req: get("/api/staff/clinics")},
		"POST /api/staff/clinics": {kind: authzDeployment, req: func(*authzWorld) (string, string, string) {
			return "POST", "/api/staff/clinics", `{"slug":"south","name":"South","timezone":"UTC"}`
		}},
		"PATCH /api/staff/clinics/{slug}": {kind: authzDeployment, req: func(*authzWorld) (string, string, string) {
			return "PATCH", "/api/staff/clinics/north", `{"name":"Renamed"}`
		}},
		"DELETE /api/staff/clinics/{slug}": {kind: authzDeployment, req: func(*authzWorld) (string, string, string) {
			return "DELETE", "/api/staff/clinics/north", ""
		}},
		"GET /staff/admin":          {kind: authzDeploymentPage, req: get("/staff/admin")},
		"GET /staff/admin/audit":    {kind: authzDeploymentPage, req: get("/staff/admin/audit")},
		"GET /staff/admin/webhooks": {kind: authzDeploymentPage, req: get("/staff/admin/webhooks")},
		"GET /staff/admin/clinics":  {kind: authzDeploymentPage, req: get("/staff/admin/clinics")},
		"POST /staff/admin/users": {kind: authzDeploymentPage, req: func(*authzWorld) (string, string, string) {
			return "POST", "/staff/admin/users", "username=someone&password=correct+horse+battery&role=staff"
		}},
		"POST /staff/admin/users/remove": {kind: authzDeploymentPage, req: func(*authzWorld) (string, string, string) {
			return "POST", "/staff/admin/users/remove", "username=" + mainStaff
		}},

		"/socket.io/": {kind: authzRealtime},

		// One clinic's resources.
		"DELETE /api/checkin/{id...}": {kind: authzClinic, target: func(c clinicRes) (string, string, string) {
			return "DELETE", "/api/checkin/" + c.ready, ""
		}},
		"GET /api/staff/queue": withPath(queueRow, "/api/staff/queue"),
		"GET /api/queue":       withPath(queueRow, "/api/queue"),
		"GET /api/staff/stats": withPath(queueRow, "/api/staff/stats"),
		"GET /api/queue/stats": withPath(queueRow, "/api/queue/stats"),
		"POST /api/staff/call-next": {kind: authzClinic, target: func(c clinicRes) (string, string, string) {
			return "POST", "/api/staff/call-next", `{"room":"` + c.room + `"}`
		}},
		"POST /api/staff/complete": ticket("complete"),
		"POST /api/staff/no-show":  ticket("no-show"),
		"POST /api/staff/recall":   ticket("recall"),
		"GET /api/staff/notifications": {kind: authzClinic, list: "/api/staff/notifications", target: func(c clinicRes) (string, string, string) {
			return "GET", "/api/staff/notifications?patientId=" + c.ready, ""
		}},
		"POST /api/staff/checkin": {kind: authzClinic, kiosk: true, target: func(c clinicRes) (string, string, string) {
			return "POST", "/api/staff/checkin", `{"name":"Desk Patient","appointmentTime":"none","line":"` + c.line + `"}`
		}},
		"POST /api/staff/transfer": {kind: authzClinic, target: func(c clinicRes) (string, string, string) {
			return "POST", "/api/staff/transfer", `{"patientId":"` + c.ready + `","line":"` + c.line2 + `"}`
		}},
		"POST /api/staff/priority": {kind: authzClinic, target: func(c clinicRes) (string, string, string) {
			return "POST", "/api/staff/priority", `{"patientId":"` + c.ready + `","urgent":true}`
		}},
		"GET /api/staff/lines": listing("/api/staff/lines", false),
		"POST /api/staff/lines": {kind: authzClinic, admin: true, target: func(c clinicRes) (string, string, string) {
			return "POST", "/api/staff/lines", `{"slug":"newline","name":"New","prefix":"Z","clinic":"` + c.slug + `"}`
		}},
		"PATCH /api/staff/lines/{slug}": {kind: authzClinic, admin: true, target: func(c clinicRes) (string, string, string) {
			return "PATCH", "/api/staff/lines/" + c.line2, `{"name":"Renamed"}`
		}},
		"DELETE /api/staff/lines/{slug}": {kind: authzClinic, admin: true, target: func(c clinicRes) (string, string, string) {
			return "DELETE", "/api/staff/lines/" + c.line2, ""
		}},
		"GET /api/staff/rooms": listing("/api/staff/rooms", false),
		"POST /api/staff/rooms": {kind: authzClinic, admin: true, target: func(c clinicRes) (string, string, string) {
			return "POST", "/api/staff/rooms", `{"name":"Room X","lines":["` + c.line + `"],"clinic":"` + c.slug + `"}`
		}},
		"PATCH /api/staff/rooms/{name}": {kind: authzClinic, target: func(c clinicRes) (string, string, string) {
			return "PATCH", "/api/staff/rooms/" + url.PathEscape(c.room), `{"open":false}`
		}},
		"DELETE /api/staff/rooms/{name}": {kind: authzClinic, admin: true, target: func(c clinicRes) (string, string, string) {
			return "DELETE", "/api/staff/rooms/" + url.PathEscape(c.room), ""
		}},
		"GET /api/staff/users": listing("/api/staff/users", true),
		"POST /api/staff/users": {kind: authzClinic, admin: true, target: func(c clinicRes) (string, string, string) {
			return "POST", "/api/staff/users", `{"username":"new.one","password":"correct horse battery","clinics":[{"clinic":"` + c.slug + `"}]}`
		}},
		"DELETE /api/staff/users/{username}": {kind: authzClinic, admin: true, target: func(c clinicRes) (string, string, string) {
			return "DELETE", "/api/staff/users/" + c.staff, ""
		}},
		"POST /api/staff/users/{username}/password": {kind: authzClinic, admin: true, target: func(c clinicRes) (string, string, string) {
			return "POST", "/api/staff/users/" + c.staff + "/password", `{"password":"another long one"}`
		}},
		"GET /api/events/staff": {kind: authzClinic, stream: true, target: func(c clinicRes) (string, string, string) {
			return "GET", "/api/events/staff?clinic=" + c.slug, ""
		}},
		"GET /api/staff/waits": {kind: authzClinic, mainOnly: true, target: func(c clinicRes) (string, string, string) {
			return "GET", "/api/staff/waits", ""
		}},
	}
}

// TestAuthzMatrixCoversEveryRoute: every route registered (with the hub and
// Socket.IO, so every optional route is there) and every operation of
// api/openapi.yaml has a row, and every row is a registered route.
func TestAuthzMatrixCoversEveryRoute(t *testing.T) {
	rh := newRealtimeHarness(t, func(d *Deps) { d.Realtime.SocketIO = http.NotFoundHandler() })
	rows := authzRows()
	for _, p := range rh.server.patterns {
		if _, ok := rows[p]; !ok {
			t.Errorf("route %q has no row in the authorization matrix (authz_matrix_test.go)", p)
		}
	}
	for p := range rows {
		if !slices.Contains(rh.server.patterns, p) {
			t.Errorf("matrix row %q is not a registered route", p)
		}
	}
	chk, err := apitest.Shared()
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range chk.Operations() {
		covered := false
		for p := range rows {
			covered = covered || routeServes(p, op.Method, op.Path)
		}
		if !covered {
			t.Errorf("api/openapi.yaml's %s %s has no row in the authorization matrix", op.Method, op.Path)
		}
	}
}

// TestAuthzMatrix runs the cross-clinic checks of every clinic row, each on
// a fresh world, and the deployment rows' refusals.
func TestAuthzMatrix(t *testing.T) {
	rows := authzRows()
	for pattern, row := range rows {
		switch row.kind {
		case authzClinic:
			t.Run(pattern, func(t *testing.T) { testClinicRow(t, row) })
		}
	}
	t.Run("deployment", func(t *testing.T) {
		w := newAuthzWorld(t)
		for pattern, row := range rows {
			if row.kind != authzDeployment && row.kind != authzDeploymentPage {
				continue
			}
			m, p, b := row.req(w)
			for _, u := range []string{northAdmin, northStaff, mainStaff, mainAdmin, northKiosk} {
				before := w.snapshot()
				var res response
				if row.kind == authzDeployment {
					res = w.as(u, m, p, b)
				} else {
					res = w.asCookie(u, m, p, b)
				}
				wantRefused(t, pattern+" by "+u, res, u == northKiosk)
				if after := w.snapshot(); after != before {
					t.Errorf("%s by %s changed the state", pattern, u)
				}
			}
		}
	})
	t.Run("any staff", func(t *testing.T) {
		w := newAuthzWorld(t)
		for _, u := range []string{northAdmin, northStaff, mainStaff, mainAdmin} {
			w.as(u, "GET", "/health/detailed", "").want(t, http.StatusOK)
			page := w.asCookie(u, "GET", "/staff", "")
			if page.Code != http.StatusOK {
				t.Errorf("GET /staff by %s: %d", u, page.Code)
			}
			away := w.nth
			if strings.HasPrefix(u, "north.") {
				away = w.main
			}
			for _, m := range away.markers[3:] { // its lines and rooms
				if strings.Contains(page.Raw, m) {
					t.Errorf("GET /staff by %s shows %q of clinic %s", u, m, away.slug)
				}
			}
			me := w.as(u, "GET", "/api/staff/me", "").want(t, http.StatusOK)
			if me.str(t, "data.user.username") != u {
				t.Errorf("me of %s: %s", u, me.Raw)
			}
		}
	})
}

// wantRefused fails unless res is 403 (or 404, a ticket of another clinic);
// a kiosk account's cookie is no staff session at all: a page sends it to
// the login page (303).
func wantRefused(tb testing.TB, what string, res response, kiosk bool) {
	tb.Helper()
	if kiosk && res.Code == http.StatusSeeOther {
		return
	}
	if res.Code != http.StatusForbidden && res.Code != http.StatusNotFound {
		tb.Errorf("%s: %d, want 403 or 404\n%s", what, res.Code, res.Raw)
	}
}

// testClinicRow: each clinic's account against the other clinic's resource
// is refused and changes nothing; against its own it is let through.
func testClinicRow(t *testing.T, row authzRow) {
	w := newAuthzWorld(t)
	type dir struct {
		actor     string
		own, away clinicRes
	}
	dirs := []dir{{northStaff, w.nth, w.main}, {mainStaff, w.main, w.nth}}
	if row.admin {
		dirs = []dir{{northAdmin, w.nth, w.main}, {mainAdmin, w.main, w.nth}}
	}
	if row.kiosk {
		dirs = append(dirs, dir{northKiosk, w.nth, w.main})
	}
	if row.list != "" {
		for _, d := range dirs {
			if d.actor == northKiosk {
				continue
			}
			res := w.as(d.actor, "GET", row.list, "").want(t, http.StatusOK)
			for _, m := range d.away.markers {
				if strings.Contains(res.Raw, m) {
					t.Errorf("GET %s by %s shows %q of clinic %s:\n%s", row.list, d.actor, m, d.away.slug, res.Raw)
				}
			}
			if row.list == "/api/staff/users" && strings.Contains(res.Raw, `"`+d.away.staff+`"`) {
				t.Errorf("GET %s by %s lists %s", row.list, d.actor, d.away.staff)
			}
		}
	}
	if row.target == nil {
		return
	}
	// Refused first, so the allowed requests cannot hide a change.
	for _, d := range dirs {
		if row.mainOnly && d.away.slug != "main" {
			continue
		}
		before := w.snapshot()
		m, p, b := row.target(d.away)
		res := w.as(d.actor, m, p, b)
		wantRefused(t, m+" "+p+" by "+d.actor, res, false)
		if after := w.snapshot(); after != before {
			t.Errorf("%s %s by %s (refused: %d) changed the state", m, p, d.actor, res.Code)
		}
	}
	for _, d := range dirs {
		if row.mainOnly && d.own.slug != "main" {
			continue
		}
		m, p, b := row.target(d.own)
		var res response
		if row.stream {
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			req, _ := http.NewRequestWithContext(ctx, m, p, nil)
			req.Header.Set("Authorization", "Bearer "+w.tok[d.actor])
			res = w.h.serve(req)
			cancel()
		} else {
			res = w.as(d.actor, m, p, b)
		}
		if res.Code == http.StatusUnauthorized || res.Code == http.StatusForbidden ||
			(res.Code == http.StatusNotFound && strings.Contains(res.Raw, "PATIENT_NOT_FOUND")) {
			t.Errorf("%s %s by %s at its own clinic: %d\n%s", m, p, d.actor, res.Code, res.Raw)
		}
	}
}

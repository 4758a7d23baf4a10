package web

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"smartwait/internal/auth"
	"smartwait/internal/queue"
	"smartwait/internal/realtime"
)

// The authorization matrix's world (authz_matrix_test.go): the default clinic
// "main" and a clinic "north", each with two lines, a room, a called and a
// waiting patient, and accounts bound to each.

// clinicRes names one clinic's resources.
type clinicRes struct {
	slug          string
	line, line2   string // line has the patients; line2 is empty
	room          string
	called, ready string // a called and a waiting patient's ids
	staff, admin  string // usernames of the clinic's bound staff and admin
	markers       []string
}

// authzWorld is the matrix's fixture.
type authzWorld struct {
	h    *harness
	tok  map[string]string // username → Bearer token; "root" is the deployment admin
	main clinicRes
	nth  clinicRes
}

// The matrix's accounts besides root (the harness's deployment admin).
const (
	northAdmin = "north.admin"
	northStaff = "north.staff"
	northKiosk = "north.kiosk"
	mainStaff  = "main.staff"
	mainAdmin  = "main.admin"
)

func newAuthzWorld(tb testing.TB) *authzWorld {
	tb.Helper()
	// The hub without newRealtimeHarness's event recorder: the events of a
	// clinic other than the default are clinicrooms' to get right.
	hub := realtime.NewHub(realtime.Config{})
	broker := realtime.NewMemoryBus().Broker()
	if err := broker.Start(tb.Context(), hub); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(hub.Close)
	h := newHarness(tb, func(d *Deps) {
		d.Queue.Publisher = &Events{Broker: broker, Log: d.Log}
		d.Realtime = Realtime{Hub: hub, Broker: broker, SocketIO: http.NotFoundHandler()}
	})
	ctx := context.Background()
	q := h.deps.Queue
	north, err := q.CreateClinic(ctx, queue.Clinic{Slug: "north", Name: "North", TimeZone: "UTC"})
	if err != nil {
		tb.Fatal(err)
	}
	h.addLine("mainlab", "Main lab", "M", nil)
	for _, l := range []queue.Queue{{ID: "northwalk", Name: "North walk-in", Prefix: "N", Clinic: north},
		{ID: "northlab", Name: "North lab", Prefix: "L", Clinic: north}} {
		if _, err := q.CreateLine(ctx, l, queue.LinePatch{}); err != nil {
			tb.Fatal(err)
		}
	}
	h.addRoom("Room M", "default", "mainlab")
	if _, err := q.CreateRoom(ctx, queue.Room{Name: "Room N", Lines: []string{"northwalk", "northlab"}, Open: true, ClinicID: north.ID}); err != nil {
		tb.Fatal(err)
	}
	w := &authzWorld{h: h, tok: map[string]string{"root": h.admin},
		main: clinicRes{slug: "main", line: "default", line2: "mainlab", room: "Room M", staff: mainStaff, admin: mainAdmin},
		nth:  clinicRes{slug: "north", line: "northwalk", line2: "northlab", room: "Room N", staff: northStaff, admin: northAdmin},
	}
	for i, c := range []*clinicRes{&w.main, &w.nth} {
		name := map[string]string{"main": "Mainly Patient", "north": "Northern Patient"}[c.slug]
		c.called = h.checkInTo(c.line, name+" One", phone(10+i), "none").str(tb, "data.patientId")
		c.ready = h.checkInTo(c.line, name+" Two", phone(20+i), "none").str(tb, "data.patientId")
		h.asAdmin("POST", "/api/staff/call-next", jsonOf(tb, map[string]string{"room": c.room})).want(tb, http.StatusOK)
		// What must never show in another clinic's listings.
		c.markers = []string{c.called, c.ready, name, c.line2, c.room}
	}
	a := h.deps.Auth
	for _, u := range []struct {
		name   string
		role   auth.Role
		clinic int64
	}{
		{northAdmin, auth.RoleAdmin, north.ID}, {northStaff, auth.RoleStaff, north.ID}, {northKiosk, auth.RoleKiosk, north.ID},
		{mainStaff, auth.RoleStaff, queue.DefaultClinicID}, {mainAdmin, auth.RoleAdmin, queue.DefaultClinicID},
	} {
		if _, err := a.AddUserAt(ctx, u.name, "correct horse", u.role, []auth.Grant{{ClinicID: u.clinic}}); err != nil {
			tb.Fatal(err)
		}
		tok, _, _, err := a.Login(ctx, u.name, "correct horse")
		if err != nil {
			tb.Fatal(err)
		}
		w.tok[u.name] = tok
	}
	return w
}

// as sends a request with the account's Bearer token.
func (w *authzWorld) as(user, method, path, body string) response {
	w.h.tb.Helper()
	return w.h.do(method, path, body, "Authorization", "Bearer "+w.tok[user])
}

// asCookie sends a page request with the account's session cookie, from our
// own origin.
func (w *authzWorld) asCookie(user, method, path, body string) response {
	w.h.tb.Helper()
	req := newPageRequest(method, path, body)
	req.AddCookie(&http.Cookie{Name: SessionCookie, Value: w.tok[user]})
	return w.h.serve(req)
}

// newPageRequest is a browser's request of a page (a form body for POST).
func newPageRequest(method, path, body string) *http.Request {
	var req *http.Request
	if body == "" {
		req, _ = http.NewRequest(method, path, nil)
	} else {
		req, _ = http.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Origin", testPublicURL)
	return req
}

// snapshot is everything a deployment admin sees of both clinics' state: a
// refused request must leave it as it was.
func (w *authzWorld) snapshot() string {
	w.h.tb.Helper()
	var b strings.Builder
	for _, p := range []string{"/api/staff/queue", "/api/staff/lines", "/api/staff/rooms", "/api/staff/users", "/api/staff/notifications"} {
		b.WriteString(w.as("root", "GET", p, "").want(w.h.tb, http.StatusOK).Raw)
	}
	return b.String()
}

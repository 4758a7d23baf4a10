package web

import (
	"net/http"

	"smartwait/internal/audit"
)

// routes lists every route the server answers, and wraps them in the middleware
// every request passes through. Each staff action's route is wrapped in its
// audit spec (audit.go), inside the authentication that names the actor and
// outside the admin check, so refused attempts are recorded too.
func (s *Server) routes() http.Handler {
	mux := &patternMux{ServeMux: http.NewServeMux()}
	s.mux = mux.ServeMux
	staff := s.requireStaff
	desk := s.requireDesk // staff, or a lobby kiosk's account
	admin := func(h http.Handler) http.Handler { return s.requireStaff(requireAdmin(h)) }
	a := s.audited
	// auditedAdmin is admin, with the action audited before the admin check.
	auditedAdmin := func(what string, spec auditSpec, h http.Handler) http.Handler {
		return s.requireStaff(a(spec)(adminOnly(what)(h)))
	}
	loginSpec := auditSpec{action: audit.Login, actorField: "username"}

	// Patients: the id in the path is the capability. {id...} also matches an
	// empty or slash-containing id, so every malformed id is PATIENT_NOT_FOUND.
	mux.Handle("POST /api/checkin", s.checkinLimit(s.handleCheckIn()))
	mux.Handle("DELETE /api/checkin/{id...}", s.optionalStaff(a(auditSpec{action: audit.Remove, kind: audit.TargetTicket, path: "id", staffOnly: true})(s.handleCancel())))
	mux.Handle("GET /api/position/{id...}", s.handlePosition())
	mux.Handle("GET /api/status/{id...}", s.handlePosition())
	mux.Handle("GET /api/lines", s.handlePublicLines())

	// Staff sessions.
	mux.Handle("POST /api/staff/login", s.loginLimit(a(loginSpec)(s.handleLogin())))
	mux.Handle("POST /api/staff/logout", desk(a(auditSpec{action: audit.Logout})(s.handleLogout())))
	mux.Handle("GET /api/staff/me", desk(s.handleMe()))

	// Staff queue operations.
	mux.Handle("GET /api/staff/queue", staff(s.handleQueue()))
	mux.Handle("GET /api/queue", staff(s.handleQueue()))
	mux.Handle("POST /api/staff/call-next", staff(a(auditSpec{action: audit.CallNext, detail: []string{"room", "line"}})(s.handleCallNext())))
	mux.Handle("POST /api/staff/complete", staff(a(ticketSpec(audit.Complete))(s.handleFinish(opComplete))))
	mux.Handle("POST /api/staff/no-show", staff(a(ticketSpec(audit.NoShow))(s.handleFinish(opNoShow))))
	mux.Handle("POST /api/staff/recall", staff(a(ticketSpec(audit.Recall))(s.handleFinish(opRecall))))
	mux.Handle("GET /api/staff/stats", staff(s.handleStats()))
	mux.Handle("GET /api/queue/stats", staff(s.handleStats()))
	mux.Handle("GET /api/staff/notifications", staff(s.handleNotifications()))
	mux.Handle("POST /api/staff/checkin", desk(s.kioskLimit(a(auditSpec{action: audit.FrontDeskCheck, detail: []string{"line"}})(s.handleFrontDeskCheckIn()))))
	mux.Handle("POST /api/staff/transfer", staff(a(ticketSpec(audit.Transfer, "line", "keepPlace"))(s.handleTransfer())))
	mux.Handle("POST /api/staff/priority", staff(a(ticketSpec(audit.Priority, "urgent", "before"))(s.handlePriority())))

	// Lines and rooms: staff read them and open or close rooms; admins manage them.
	mux.Handle("GET /api/staff/lines", staff(s.handleStaffLines()))
	mux.Handle("POST /api/staff/lines", auditedAdmin("lines", auditSpec{action: audit.LineCreate, kind: audit.TargetLine, field: "slug", detail: lineSettings}, s.handleCreateLine()))
	mux.Handle("PATCH /api/staff/lines/{slug}", auditedAdmin("lines", auditSpec{action: audit.LineUpdate, kind: audit.TargetLine, path: "slug", detail: lineSettings}, s.handleUpdateLine()))
	mux.Handle("DELETE /api/staff/lines/{slug}", auditedAdmin("lines", auditSpec{action: audit.LineDelete, kind: audit.TargetLine, path: "slug"}, s.handleDeleteLine()))
	mux.Handle("GET /api/staff/rooms", staff(s.handleRooms()))
	mux.Handle("POST /api/staff/rooms", auditedAdmin("rooms", auditSpec{action: audit.RoomCreate, kind: audit.TargetRoom, field: "name", detail: roomSettings[1:]}, s.handleCreateRoom()))
	mux.Handle("PATCH /api/staff/rooms/{name}", staff(a(auditSpec{action: audit.RoomUpdate, kind: audit.TargetRoom, path: "name", detail: roomSettings})(s.handleUpdateRoom())))
	mux.Handle("DELETE /api/staff/rooms/{name}", auditedAdmin("rooms", auditSpec{action: audit.RoomDelete, kind: audit.TargetRoom, path: "name"}, s.handleDeleteRoom()))

	// Clinics (docs/clinics.md, "API"): patients list them and their lines;
	// deployment admins manage them.
	mux.Handle("GET /api/clinics", s.handlePublicClinics())
	mux.Handle("GET /api/clinics/{slug}/lines", s.handleClinicLines())
	// Managing clinics is a deployment admin's (clinicauth.go).
	clinicsOnly := deploymentOnly("clinics")
	mux.Handle("GET /api/staff/clinics", s.requireStaff(clinicsOnly(s.handleStaffClinics())))
	mux.Handle("POST /api/staff/clinics", auditedAdmin("clinics", auditSpec{action: audit.ClinicAdd, kind: audit.TargetClinic, field: "slug", detail: clinicSettings}, clinicsOnly(s.handleCreateClinic())))
	mux.Handle("PATCH /api/staff/clinics/{slug}", auditedAdmin("clinics", auditSpec{action: audit.ClinicUpdate, kind: audit.TargetClinic, path: "slug", detail: clinicSettings}, clinicsOnly(s.handleUpdateClinic())))
	mux.Handle("DELETE /api/staff/clinics/{slug}", auditedAdmin("clinics", auditSpec{action: audit.ClinicRemove, kind: audit.TargetClinic, path: "slug"}, clinicsOnly(s.handleDeleteClinic())))

	// SMS provider callbacks: authenticated by signature, not by staff session.
	mux.Handle("POST "+twilioStatusPath, s.handleTwilioStatus())
	mux.Handle("POST "+inboundSMSPath, s.handleInboundSMS())

	// Staff accounts (admin only).
	// Never a password in an entry: the specs name the fields that go in.
	userAdd := auditSpec{action: audit.UserAdd, kind: audit.TargetAccount, field: "username", detail: []string{"role", "clinics"}}
	userRemove := auditSpec{action: audit.UserRemove, kind: audit.TargetAccount, path: "username"}
	mux.Handle("GET /api/staff/users", admin(s.handleListUsers()))
	mux.Handle("POST /api/staff/users", auditedAdmin("staff accounts", userAdd, s.handleAddUser()))
	mux.Handle("DELETE /api/staff/users/{username}", auditedAdmin("staff accounts", userRemove, s.handleRemoveUser()))
	mux.Handle("POST /api/staff/users/{username}/password", auditedAdmin("staff accounts",
		auditSpec{action: audit.UserPassword, kind: audit.TargetAccount, path: "username"}, s.handleSetPassword()))

	// The audit trail and erasure (admin only; docs/security.md).
	// Deployment-wide, so a deployment admin's (clinicauth.go).
	deployment := func(what string, h http.Handler) http.Handler { return deploymentOnly(what)(h) }
	mux.Handle("GET /api/staff/audit", s.requireStaff(deployment("the audit log", s.handleAudit())))
	mux.Handle("GET /api/staff/audit.csv", auditedAdmin("the audit log",
		auditSpec{action: audit.Export, query: []string{"actor", "action", "day", "limit", "before"}}, deployment("the audit log", s.handleAuditCSV())))
	mux.Handle("POST /api/staff/erase", auditedAdmin("personal data", auditSpec{action: audit.ErasePhone, kind: audit.TargetPhone}, deployment("personal data", s.handleErase())))

	// Outbound webhooks (admin only; docs/integrations.md).
	hooks := func(h http.Handler) http.Handler { return admin(deployment("webhooks", s.webhooksOn(h))) }
	mux.Handle("GET /api/staff/webhooks", hooks(s.handleListWebhooks()))
	mux.Handle("POST /api/staff/webhooks", hooks(a(auditSpec{action: audit.WebhookCreate, detail: []string{"url", "personalData"}})(s.handleCreateWebhook())))
	mux.Handle("PATCH /api/staff/webhooks/{id}", hooks(a(auditSpec{action: audit.WebhookUpdate, kind: audit.TargetWebhook, path: "id", detail: []string{"enabled", "personalData"}})(s.handleUpdateWebhook())))
	mux.Handle("DELETE /api/staff/webhooks/{id}", hooks(a(auditSpec{action: audit.WebhookDelete, kind: audit.TargetWebhook, path: "id"})(s.handleDeleteWebhook())))
	mux.Handle("GET /api/staff/webhooks/{id}/deliveries", hooks(s.handleWebhookDeliveries()))

	// Real-time: Server-Sent Events (sse.go) and the admin's test message.
	if s.d.Realtime.Hub != nil {
		mux.Handle("GET /api/events/patient/{id...}", s.handleEventsPatient())
		mux.Handle("GET /api/events/staff", staff(s.handleEventsStaff()))
		mux.Handle("GET /api/events/display", s.handleEventsDisplay())
		mux.Handle("POST /api/staff/realtime/test", auditedAdmin("staff accounts", auditSpec{action: audit.RealtimeTest}, deployment("staff accounts", s.handleRealtimeTest())))
	}

	// Operations.
	mux.Handle("GET /health", s.handleHealth())
	mux.Handle("GET /health/detailed", staff(s.handleHealthDetailed()))
	mux.Handle("GET /metrics", s.handleMetrics())
	mux.Handle("GET /api/openapi.json", s.handleOpenAPI())

	// Staff pages' data.
	mux.Handle("GET /api/staff/waits", staff(s.handleWaits()))
	// The waiting-room display's data: queue-level facts, no credentials.
	mux.Handle("GET /api/display", s.handleDisplayAPI())

	// Pages (page_*.go): security headers on each; staff pages are never cached.
	// Page forms are checked for their origin like cookie-authenticated API calls.
	pg := pageHeaders
	staffPg := func(h http.Handler) http.Handler { return pageHeaders(noStore(s.staffPage(h))) }
	mux.Handle("GET /{$}", pg(s.handleCheckinPage()))
	mux.Handle("GET /checkin", pg(s.handleCheckinPage()))
	mux.Handle("POST /checkin", pg(s.checkinLimit(s.handleCheckinForm())))
	mux.Handle("GET /status/{id...}", pg(s.handleStatusPage()))
	mux.Handle("GET /staff/login", pg(noStore(s.handleLoginPage())))
	mux.Handle("POST /staff/login", pg(noStore(s.loginLimit(a(loginSpec)(s.handleLoginForm())))))
	mux.Handle("POST /staff/logout", staffPg(a(auditSpec{action: audit.Logout})(s.handleLogoutForm())))
	mux.Handle("GET /staff", staffPg(s.handleDashboard()))
	mux.Handle("GET /staff/admin", pageHeaders(noStore(s.adminPage(s.handleAdminPage()))))
	adminForm := func(spec auditSpec, h http.Handler) http.Handler {
		return pageHeaders(noStore(s.staffPage(a(spec)(s.adminCheck(h)))))
	}
	mux.Handle("POST /staff/admin/users", adminForm(userAdd, s.handleAddUserForm()))
	mux.Handle("POST /staff/admin/users/remove", adminForm(auditSpec{action: audit.UserRemove, kind: audit.TargetAccount, field: "username"}, s.handleRemoveUserForm()))
	mux.Handle("GET /staff/admin/audit", pageHeaders(noStore(s.adminPage(s.handleAuditPage()))))
	mux.Handle("GET /staff/admin/webhooks", pageHeaders(noStore(s.adminPage(s.handleWebhooksPage()))))
	mux.Handle("GET /display", pg(s.handleDisplayPage()))
	mux.Handle("GET /kiosk", pg(noStore(s.handleKioskPage())))
	mux.Handle("GET /qr", pg(s.handleQRPage()))
	mux.Handle("GET /offline", pg(s.handleOfflinePage()))
	mux.Handle("GET /qr.png", s.handleQRImage())
	mux.Handle("GET /static/", pg(handleStatic()))
	mux.Handle("GET /sw.js", pg(serveFile("sw.js", "text/javascript; charset=utf-8")))
	mux.Handle("GET /manifest.webmanifest", pg(serveFile("manifest.webmanifest", "application/manifest+json")))
	mux.Handle("GET /favicon.ico", serveFile("icons/icon-192.png", "image/png"))

	// A clinic's pages (page_clinic.go): today's patient pages under
	// /c/{slug}/; anything else there, or an unknown slug, is the 404 page.
	mux.Handle("GET /c/{slug}/{$}", pg(s.handleCheckinPage()))
	mux.Handle("GET /c/{slug}/checkin", pg(s.handleCheckinPage()))
	mux.Handle("POST /c/{slug}/checkin", pg(s.checkinLimit(s.handleCheckinForm())))
	mux.Handle("GET /c/{slug}/status/{id...}", pg(s.handleStatusPage()))
	mux.Handle("GET /c/{slug}/display", pg(s.handleDisplayPage()))
	mux.Handle("GET /c/{slug}/kiosk", pg(noStore(s.handleKioskPage())))
	mux.Handle("GET /c/{slug}/qr", pg(s.handleQRPage()))
	mux.Handle("GET /c/{slug}/qr.png", pg(s.handleQRImage())) // pg: an unknown clinic is the 404 page
	mux.Handle("GET /c/{slug}/", pg(s.handleNotFoundPage()))
	mux.Handle("GET /staff/admin/clinics", pageHeaders(noStore(s.adminPage(s.handleClinicsPage()))))

	s.patterns = mux.patterns
	api := chain(s.jsonFallback(mux.ServeMux),
		s.requestID,
		s.accessLog,
		s.recoverPanic,
		s.bodyDeadline,
		s.cors,
		limitBody,
		s.deadlines,
	)
	if s.d.Realtime.SocketIO == nil {
		return api
	}
	// Socket.IO does its own CORS, origin checks and long-lived writes, and its
	// websocket upgrade needs the bare connection: it bypasses the middleware.
	root := http.NewServeMux()
	root.Handle("/socket.io/", s.d.Realtime.SocketIO)
	s.patterns = append(s.patterns, "/socket.io/")
	root.Handle("/", api)
	return root
}

// patternMux is a ServeMux that remembers the patterns registered on it, so the
// route list can be held against the API document (api/openapi.yaml).
type patternMux struct {
	*http.ServeMux
	patterns []string
}

// Handle registers h for pattern, as http.ServeMux.Handle does.
func (m *patternMux) Handle(pattern string, h http.Handler) {
	m.ServeMux.Handle(pattern, h)
	m.patterns = append(m.patterns, pattern)
}

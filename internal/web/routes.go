package web

import "net/http"

// routes lists every route the server answers, and wraps them in the middleware
// every request passes through. Later parts (Socket.IO, SSE, pages, webhooks) add
// their lines here.
func (s *Server) routes() http.Handler {
	mux := &patternMux{ServeMux: http.NewServeMux()}
	s.mux = mux.ServeMux
	staff := s.requireStaff
	desk := s.requireDesk // staff, or a lobby kiosk's account
	admin := func(h http.Handler) http.Handler { return s.requireStaff(requireAdmin(h)) }
	lineAdmin := func(h http.Handler) http.Handler { return s.requireStaff(adminOnly("lines")(h)) }
	roomAdmin := func(h http.Handler) http.Handler { return s.requireStaff(adminOnly("rooms")(h)) }

	// Patients: the id in the path is the capability. {id...} also matches an
	// empty or slash-containing id, so every malformed id is PATIENT_NOT_FOUND.
	mux.Handle("POST /api/checkin", s.checkinLimit(s.handleCheckIn()))
	mux.Handle("DELETE /api/checkin/{id...}", s.handleCancel())
	mux.Handle("GET /api/position/{id...}", s.handlePosition())
	mux.Handle("GET /api/status/{id...}", s.handlePosition())
	mux.Handle("GET /api/lines", s.handlePublicLines())

	// Staff sessions.
	mux.Handle("POST /api/staff/login", s.loginLimit(s.handleLogin()))
	mux.Handle("POST /api/staff/logout", desk(s.handleLogout()))
	mux.Handle("GET /api/staff/me", desk(s.handleMe()))

	// Staff queue operations.
	mux.Handle("GET /api/staff/queue", staff(s.handleQueue()))
	mux.Handle("GET /api/queue", staff(s.handleQueue()))
	mux.Handle("POST /api/staff/call-next", staff(s.handleCallNext()))
	mux.Handle("POST /api/staff/complete", staff(s.handleFinish(opComplete)))
	mux.Handle("POST /api/staff/no-show", staff(s.handleFinish(opNoShow)))
	mux.Handle("POST /api/staff/recall", staff(s.handleFinish(opRecall)))
	mux.Handle("GET /api/staff/stats", staff(s.handleStats()))
	mux.Handle("GET /api/queue/stats", staff(s.handleStats()))
	mux.Handle("GET /api/staff/notifications", staff(s.handleNotifications()))
	mux.Handle("POST /api/staff/checkin", desk(s.kioskLimit(s.handleFrontDeskCheckIn())))
	mux.Handle("POST /api/staff/transfer", staff(s.handleTransfer()))
	mux.Handle("POST /api/staff/priority", staff(s.handlePriority()))

	// Lines and rooms: staff read them and open or close rooms; admins manage them.
	mux.Handle("GET /api/staff/lines", staff(s.handleStaffLines()))
	mux.Handle("POST /api/staff/lines", lineAdmin(s.handleCreateLine()))
	mux.Handle("PATCH /api/staff/lines/{slug}", lineAdmin(s.handleUpdateLine()))
	mux.Handle("DELETE /api/staff/lines/{slug}", lineAdmin(s.handleDeleteLine()))
	mux.Handle("GET /api/staff/rooms", staff(s.handleRooms()))
	mux.Handle("POST /api/staff/rooms", roomAdmin(s.handleCreateRoom()))
	mux.Handle("PATCH /api/staff/rooms/{name}", staff(s.handleUpdateRoom()))
	mux.Handle("DELETE /api/staff/rooms/{name}", roomAdmin(s.handleDeleteRoom()))

	// SMS provider callbacks: authenticated by signature, not by staff session.
	mux.Handle("POST "+twilioStatusPath, s.handleTwilioStatus())
	mux.Handle("POST "+inboundSMSPath, s.handleInboundSMS())

	// Staff accounts (admin only).
	mux.Handle("GET /api/staff/users", admin(s.handleListUsers()))
	mux.Handle("POST /api/staff/users", admin(s.handleAddUser()))
	mux.Handle("DELETE /api/staff/users/{username}", admin(s.handleRemoveUser()))
	mux.Handle("POST /api/staff/users/{username}/password", admin(s.handleSetPassword()))

	// Outbound webhooks (admin only; docs/integrations.md).
	hooks := func(h http.Handler) http.Handler { return admin(s.webhooksOn(h)) }
	mux.Handle("GET /api/staff/webhooks", hooks(s.handleListWebhooks()))
	mux.Handle("POST /api/staff/webhooks", hooks(s.handleCreateWebhook()))
	mux.Handle("PATCH /api/staff/webhooks/{id}", hooks(s.handleUpdateWebhook()))
	mux.Handle("DELETE /api/staff/webhooks/{id}", hooks(s.handleDeleteWebhook()))
	mux.Handle("GET /api/staff/webhooks/{id}/deliveries", hooks(s.handleWebhookDeliveries()))

	// Real-time: Server-Sent Events (sse.go) and the admin's test message.
	if s.d.Realtime.Hub != nil {
		mux.Handle("GET /api/events/patient/{id...}", s.handleEventsPatient())
		mux.Handle("GET /api/events/staff", staff(s.handleEventsStaff()))
		mux.Handle("GET /api/events/display", s.handleEventsDisplay())
		mux.Handle("POST /api/staff/realtime/test", admin(s.handleRealtimeTest()))
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
	mux.Handle("POST /staff/login", pg(noStore(s.loginLimit(s.handleLoginForm()))))
	mux.Handle("POST /staff/logout", staffPg(s.handleLogoutForm()))
	mux.Handle("GET /staff", staffPg(s.handleDashboard()))
	mux.Handle("GET /staff/admin", pageHeaders(noStore(s.adminPage(s.handleAdminPage()))))
	mux.Handle("POST /staff/admin/users", pageHeaders(noStore(s.adminPage(s.handleAddUserForm()))))
	mux.Handle("POST /staff/admin/users/remove", pageHeaders(noStore(s.adminPage(s.handleRemoveUserForm()))))
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

// Package web is everything SmartWait serves over HTTP: the JSON API of
// docs/api.md (api/openapi.yaml), health and metrics, and (in later issues) the real-time transports and pages.
// Every route is listed in routes.go; handlers are maker functions returning
// http.Handler, middleware is func(http.Handler) http.Handler. The package never
// touches storage directly: it works through queue.Service, auth.Service and the
// small interfaces in Deps.
package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"smartwait/internal/auth"
	"smartwait/internal/i18n"
	"smartwait/internal/origin"
	"smartwait/internal/queue"
	"smartwait/internal/webhook"
)

// Deps is what the HTTP layer needs. Queue, Auth, Store, Audit and Eraser are required; the
// status funcs are optional and let later parts (broker, real-time hub, SMS
// dispatcher) report into /health.
type Deps struct {
	Queue *queue.Service
	Auth  *auth.Service
	Store interface {
		Ping(ctx context.Context) error
		// CheckWrite commits a tiny write; /health reports "down" when it fails.
		CheckWrite(ctx context.Context) error
	}
	Messages MessageLog // SMS outbox, read-only; nil: notifications are empty
	// Audit is the audit trail every staff action is written to (audit.go);
	// Eraser erases a phone number's data (POST /api/staff/erase). Required.
	Audit    AuditLog
	Eraser   PhoneEraser
	Config   Config
	Registry *prometheus.Registry // nil: a private registry
	Log      *slog.Logger         // nil: slog.Default()
	Now      func() time.Time     // nil: time.Now
	Version  string
	Realtime Realtime // the hub, broker and Socket.IO server; zero: no real-time routes
	// Catalog is the words of the patient pages in the deployment's languages
	// (page_lang.go); nil: i18n.Default(), English and Spanish.
	Catalog *i18n.Catalog

	// Optional health reporters; nil ones report a neutral default.
	BrokerStatus   func(ctx context.Context) BrokerHealth
	RealtimeStatus func(ctx context.Context) RealtimeHealth
	SMSStatus      func(ctx context.Context) SMSHealth
	// SMSAlert is what staff should know about the texts now ("" when nothing),
	// e.g. that confirmations are held back; shown on the dashboard. nil: nothing.
	SMSAlert func() string

	// Twilio's webhooks: the delivery reports (POST /api/webhooks/twilio/status),
	// which Deliveries records, and the patients' texts (POST /api/sms/inbound).
	// VerifyTwilio checks a webhook's X-Twilio-Signature over the form
	// parameters and the public URL plus path (never the request's Host). If it
	// is nil every webhook is refused.
	Deliveries   DeliveryLog
	VerifyTwilio func(path, signature string, params url.Values) bool

	// Webhooks manages the outbound webhook endpoints (admin routes and the
	// page /staff/admin/webhooks); nil: those routes answer 404.
	Webhooks *webhook.Service
}

// MessageLog reads the SMS outbox for staff.
type MessageLog interface {
	// Messages returns the ticket's messages, newest first (all tickets' when ticketID is "").
	Messages(ctx context.Context, ticketID string) ([]queue.Message, error)
	// CountMessages counts the outbox messages with the given status.
	CountMessages(ctx context.Context, status queue.MessageStatus) (int, error)
}

// Config is the part of the deployment's configuration the HTTP layer uses.
type Config struct {
	AllowedOrigins   []string // extra origins allowed for CORS and cookie-authenticated writes
	PublicURL        string   // e.g. "https://clinic.example"; its origin is always allowed
	TrustProxy       bool     // take the client IP from X-Forwarded-For
	CheckinPerMinute int      // check-ins per minute per client IP (per kiosk device, page_kiosk.go); 0 = unlimited
	// KioskDevices bounds the anonymous kiosk devices behind one client IP
	// that get a check-in limit of their own (page_kiosk.go); 0: none do,
	// every check-in counts against its address. The binary's default is
	// DefaultKioskDevices.
	KioskDevices   int
	LoginPerMinute int // login attempts per minute per client IP; 0 = unlimited
	ClinicName     string
	// HealthWriteTimeout bounds /health's wait for its write probe; 0: 1 s.
	HealthWriteTimeout time.Duration

	// BodyTimeout bounds the reading of a request body, RequestTimeout the
	// handler's work after it; the event streams are exempt (deadline.go).
	// 0: DefaultBodyTimeout, DefaultRequestTimeout.
	BodyTimeout, RequestTimeout time.Duration
}

// Server is the HTTP layer. Build it with New; it is safe for concurrent use.
type Server struct {
	d       Deps
	log     *slog.Logger
	started time.Time
	origins *origin.Policy // which browser pages are ours (shared with Socket.IO)
	secure  bool           // PublicURL is https: cookies get Secure
	metrics *metrics
	writes  *writeProbe // /health's "can a write commit now?"
	pages   *pages      // parsed templates (page.go)
	catalog *i18n.Catalog
	mux     *http.ServeMux
	handler http.Handler
	// patterns is every route pattern routes.go registered, in order: the test
	// of api/openapi.yaml holds the document to exactly these.
	patterns []string

	bodyTimeout, requestTimeout time.Duration // Config's, defaults applied

	// The per-client limits, made once so that every route sharing a limit (the
	// API login and the login page's form) shares its counters.
	checkinLimit, loginLimit func(http.Handler) http.Handler
	kioskLimit               func(http.Handler) http.Handler // a kiosk account's check-ins (page_kiosk.go)
}

// New builds the server and registers its metrics on d.Registry. It fails when a
// required dependency is missing or the metrics are already registered.
func New(d Deps) (*Server, error) {
	if d.Queue == nil || d.Auth == nil || d.Store == nil || d.Audit == nil || d.Eraser == nil {
		return nil, fmt.Errorf("web: Queue, Auth, Store, Audit and Eraser are required")
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	if d.Catalog == nil {
		d.Catalog = i18n.Default()
	}
	s := &Server{d: d, log: d.Log, started: d.Now(), origins: origin.New(d.Config.PublicURL, d.Config.AllowedOrigins),
		bodyTimeout: d.Config.BodyTimeout, requestTimeout: d.Config.RequestTimeout, catalog: d.Catalog}
	if s.bodyTimeout <= 0 {
		s.bodyTimeout = DefaultBodyTimeout
	}
	if s.requestTimeout <= 0 {
		s.requestTimeout = DefaultRequestTimeout
	}
	if u, err := url.Parse(d.Config.PublicURL); err == nil && u.Host != "" {
		s.secure = u.Scheme == "https"
	}
	s.writes = &writeProbe{write: d.Store.CheckWrite, timeout: d.Config.HealthWriteTimeout,
		maxAge: writeProbeMaxAge, now: d.Now, log: d.Log}
	if s.writes.timeout <= 0 {
		s.writes.timeout = DefaultHealthWriteTimeout
	}
	m, err := newMetrics(d.Registry, s)
	if err != nil {
		return nil, err
	}
	s.metrics = m
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	s.checkinLimit = s.rateLimit("checkin", d.Config.CheckinPerMinute, s.checkinClient())
	s.loginLimit = s.rateLimit("login", d.Config.LoginPerMinute, s.clientIP)
	s.kioskLimit = s.kioskCheckinLimit()
	s.handler = s.routes()
	return s, nil
}

// Handler returns the root handler with every route and middleware.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) now() time.Time { return s.d.Now().UTC() }

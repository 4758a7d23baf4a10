// Package socketio is SmartWait's Socket.IO transport (docs/events.md) on the
// realtime hub: websocket and long-polling at /socket.io/, the seed's join-*
// events and rooms, staff sockets bound to their session, and delivery of hub
// messages to sockets. The protocol is internal/engineio's; this package is
// what SmartWait does with it.
//
// Each socket is one hub subscriber. The hub's writer goroutine hands each
// message to the socket's bounded engine queue without blocking; the packet is
// encoded once per message (realtime.Message.Encoded), not once per socket. A
// socket that falls behind — its hub queue or its engine queue full — is
// dropped and reconnects, and never holds up anyone else.
package socketio

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"smartwait/internal/auth"
	"smartwait/internal/connlimit"
	"smartwait/internal/engineio"
	"smartwait/internal/origin"
	"smartwait/internal/queue"
	"smartwait/internal/realtime"
)

// Authenticator checks a staff token; *auth.Service is one.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (auth.Session, auth.User, error)
}

// PatientLookup reports a patient's ticket; *queue.Service is one. An unknown
// id fails with an error carrying queue.CodePatientNotFound.
type PatientLookup interface {
	Status(ctx context.Context, id string) (queue.PatientStatus, error)
}

// DefaultQueueSize is the default of Config.QueueSize.
const DefaultQueueSize = 256

// Config is what the Socket.IO server needs. Hub, Auth and Patients are required.
type Config struct {
	Hub      *realtime.Hub
	Auth     Authenticator
	Patients PatientLookup
	// Lines reads lines and queues for the snapshots of joins that carry
	// since and cannot resume; nil: Patients, when it is a LineReader
	// (*queue.Service is both). Without either, since is refused.
	Lines LineReader
	// Clinics resolves the clinic a join names (the join's "clinic" field)
	// and the clinics of the lines a display names; nil: Patients, when it
	// is a ClinicReader (*queue.Service is). Without either every join is
	// the default clinic's and a join naming a clinic is CLINIC_NOT_FOUND.
	Clinics ClinicReader
	// MayJoinClinic is the authorization hook of staff joins: it reports
	// whether staff account u may follow the staff room of the clinic with
	// the id (queue.DefaultClinicID for the default clinic) and slug (its own
	// slug: "main" for a new deployment's default clinic, even though its
	// room is plain "staff"). It must not block: it runs on the join, with
	// no context (an account's grants come with u). A refused join is
	// answered error {code: "FORBIDDEN"}. nil: every staff account may join
	// every clinic's staff room (the rule before per-clinic grants). The web
	// server's SSE staff stream applies the same hook (web.Realtime).
	MayJoinClinic func(u auth.User, clinicID int64, clinicSlug string) bool
	// AllowedOrigins are the browser origins ("https://clinic.example") allowed
	// besides the server's own: the public URL's and ALLOWED_ORIGINS.
	AllowedOrigins []string
	PingInterval   time.Duration // default 25 s, as Socket.IO
	PingTimeout    time.Duration // default 20 s, as Socket.IO
	// QueueSize is how many packets may wait to be written to one socket (a
	// polling client between two polls, a websocket client that does not
	// read) before it is disconnected as slow. Default DefaultQueueSize.
	QueueSize int
	// BodyTimeout bounds the reading of one long-polling POST body (default
	// 30 s, as the API's request bodies).
	BodyTimeout time.Duration
	// Limiter caps engine sessions (websocket or long-polling) per client IP
	// and in total, shared with the SSE streams. nil: no cap.
	Limiter *connlimit.Limiter
	Log     *slog.Logger     // nil: slog.Default()
	Now     func() time.Time // nil: time.Now
}

// lookupTimeout bounds the database work behind one join or handshake.
const lookupTimeout = 5 * time.Second

// maxRooms bounds the rooms one socket may join (its patient rooms, patients,
// staff), so a client cannot make the hub track rooms without limit.
const maxRooms = 16

// Server is the Socket.IO server. Build it with New; it is safe for concurrent use.
type Server struct {
	cfg     Config
	eio     *engineio.Server
	handler http.Handler
	origins *origin.Policy

	mu    sync.Mutex
	conns map[*conn]struct{}
}

// New builds the server. Mount Handler at "/socket.io/".
func New(cfg Config) (*Server, error) {
	if cfg.Hub == nil || cfg.Auth == nil || cfg.Patients == nil {
		return nil, errors.New("socketio: Hub, Auth and Patients are required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = DefaultQueueSize
	}
	s := &Server{cfg: cfg, origins: origin.New("", cfg.AllowedOrigins), conns: map[*conn]struct{}{}}
	ecfg := engineio.Config{
		OnConnect:    s.connect,
		AllowOrigin:  s.originAllowed,
		PingInterval: cfg.PingInterval, PingTimeout: cfg.PingTimeout,
		MaxPayload:  64 << 10, // clients send only short join events
		QueueSize:   cfg.QueueSize,
		BodyTimeout: cfg.BodyTimeout,
		Log:         cfg.Log,
		Now:         cfg.Now,
	}
	if cfg.Limiter != nil {
		ecfg.Admit = s.admit
	}
	s.eio = engineio.New(ecfg)
	s.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The engine refuses foreign origins too, with its own 403 body;
		// checking first keeps the contract's CROSS_ORIGIN envelope.
		if !s.originAllowed(r) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"success":false,"error":{"code":"CROSS_ORIGIN","message":"Origin not allowed"}}` + "\n"))
			return
		}
		s.eio.ServeHTTP(w, r)
	})
	return s, nil
}

// admit takes a connection-limit slot for a new engine session (websocket or
// long-polling), held until the session ends however many requests it makes,
// or answers 429/503 TOO_MANY_CONNECTIONS.
func (s *Server) admit(w http.ResponseWriter, r *http.Request) (func(), bool) {
	release, err := s.cfg.Limiter.Acquire(r)
	if err != nil {
		cerr := err.(*connlimit.Error) // Acquire's only error
		s.cfg.Log.Info("socketio: connection refused", "status", cerr.Status, "ip", connlimit.ClientIP(r, s.cfg.Limiter.Config().TrustProxy))
		connlimit.Refuse(w, cerr)
		return nil, false
	}
	return release, true
}

// Handler serves the Engine.IO endpoint.
func (s *Server) Handler() http.Handler { return s.handler }

// originAllowed refuses every request (handshake, poll, upgrade) from browser
// pages of foreign origins. A request without Origin is not from a browser page
// (native and Node clients); same-origin pages (scheme included) and the allowed
// origins pass: internal/origin's rule, the one the REST API uses.
func (s *Server) originAllowed(r *http.Request) bool {
	return s.origins.AllowRequest(r)
}

// Close disconnects every socket and refuses new ones.
func (s *Server) Close() { s.eio.Close() }

// Connections returns the number of connected sockets.
func (s *Server) Connections() int { return s.eio.Connections() }

var overflowsDesc = prometheus.NewDesc("smartwait_socketio_slow_disconnects_total",
	"Socket.IO clients disconnected because their outgoing queue (SMARTWAIT_SOCKET_QUEUE packets) overflowed.", nil, nil)

// Describe implements prometheus.Collector, so cmd/smartwait can register the
// server on its own registry.
func (s *Server) Describe(ch chan<- *prometheus.Desc) { ch <- overflowsDesc }

// Collect implements prometheus.Collector.
func (s *Server) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(overflowsDesc, prometheus.CounterValue, float64(s.eio.Stats().Overflows))
}

// Package socketio is SmartWait's Socket.IO v4 transport (CONTRACT §4.1) on the
// realtime hub: websocket and long-polling at /socket.io/, the seed's join-*
// events and rooms, and delivery of hub messages to sockets. Each socket is one
// hub subscriber; the hub's writer goroutine emits to it, so a slow socket is
// dropped and never holds up anyone else.
package socketio

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zishang520/socket.io/servers/engine/v3"
	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"

	"smartwait/internal/auth"
	"smartwait/internal/connlimit"
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

// Config is what the Socket.IO server needs. Hub, Auth and Patients are required.
type Config struct {
	Hub      *realtime.Hub
	Auth     Authenticator
	Patients PatientLookup
	// AllowedOrigins are the browser origins ("https://clinic.example") allowed
	// besides the server's own: the public URL's and ALLOWED_ORIGINS.
	AllowedOrigins []string
	PingInterval   time.Duration // default 25 s, as Socket.IO
	PingTimeout    time.Duration // default 20 s, as Socket.IO
	// MaxPending is how many packets may wait in one socket's transport buffer
	// (a polling client between two polls) before it is dropped as slow.
	// Default 512.
	MaxPending int
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
	io      *socket.Server
	handler http.Handler
	origins *origin.Policy

	mu     sync.Mutex
	conns  map[*conn]struct{}
	closed bool

	gates sync.Map // engine connection id → chan struct{}, see gateEarlyPackets
}

// gateEarlyPackets works around a race in the Socket.IO library (v3.0.6): it
// sends a client its namespace CONNECT answer before it records the socket on
// the client, and a packet decoded in between is answered by closing the
// connection. Every seed client emits its join-* events as soon as it is
// connected, so on a fast network some would be cut off and have to reconnect.
// Here, on each new engine connection and before Socket.IO sees any of its
// data, packets after the first (the CONNECT) wait until our connection
// handler has run — the library records the socket before that — or at most
// lookupTimeout.
func (s *Server) gateEarlyPackets(args ...any) {
	eio, ok := args[0].(engine.Socket)
	if !ok {
		return
	}
	gate := make(chan struct{})
	id := eio.Id()
	s.gates.Store(id, gate)
	var seen atomic.Int32
	_ = eio.On("data", func(...any) {
		if seen.Add(1) == 1 {
			return // the namespace CONNECT itself
		}
		select {
		case <-gate:
		case <-time.After(lookupTimeout):
		}
	})
	_ = eio.Once("close", func(...any) { s.openGate(id) })
	holdSlot(eio)
}

// openGate lets an engine connection's packets through (see gateEarlyPackets).
func (s *Server) openGate(engineID string) {
	if g, ok := s.gates.LoadAndDelete(engineID); ok {
		close(g.(chan struct{}))
	}
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
	if cfg.PingInterval <= 0 {
		cfg.PingInterval = 25 * time.Second
	}
	if cfg.PingTimeout <= 0 {
		cfg.PingTimeout = 20 * time.Second
	}
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = 512
	}
	s := &Server{cfg: cfg, origins: origin.New("", cfg.AllowedOrigins), conns: map[*conn]struct{}{}}

	opts := socket.DefaultServerOptions()
	opts.SetServeClient(false)
	opts.SetPingInterval(cfg.PingInterval)
	opts.SetPingTimeout(cfg.PingTimeout)
	opts.SetMaxHttpBufferSize(64 << 10) // clients send only short join events
	opts.SetAllowRequest(func(ctx *types.HttpContext) error {
		if !s.originAllowed(ctx.Request()) {
			return errors.New("origin not allowed")
		}
		return nil
	})
	// Every request has passed Handler's origin check before the engine's CORS
	// runs, so the engine may echo the origin (the websocket upgrade also
	// consults this function).
	opts.SetCors(&types.Cors{Origin: func(string) bool { return true }, Credentials: true})
	s.io = socket.NewServer(nil, opts)
	s.io.On("connection", func(args ...any) {
		if sock, ok := args[0].(*socket.Socket); ok {
			s.connect(sock)
		}
	})
	// The engine is built here rather than by ServeHandler so that
	// gateEarlyPackets is its first "connection" listener, ahead of Socket.IO's.
	eopts := socket.DefaultServerOptions()
	eopts.Assign(opts)
	eopts.SetPath("/socket.io")
	eio := engine.NewServer(eopts)
	_ = eio.On("connection", s.gateEarlyPackets)
	s.io.Bind(eio)
	s.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.originAllowed(r) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"success":false,"error":{"code":"CROSS_ORIGIN","message":"Origin not allowed"}}` + "\n"))
			return
		}
		if s.cfg.Limiter != nil && r.URL.Query().Get("sid") == "" {
			// A handshake: a new engine session takes a slot, held until
			// the session closes (see holdSlot).
			release, err := s.cfg.Limiter.Acquire(r)
			if err != nil {
				cerr := err.(*connlimit.Error)
				s.cfg.Log.Info("socketio: connection refused", "status", cerr.Status, "ip", connlimit.ClientIP(r, s.cfg.Limiter.Config().TrustProxy))
				connlimit.Refuse(w, cerr)
				return
			}
			sl := &slot{release: release}
			r = r.WithContext(context.WithValue(r.Context(), slotKey{}, sl))
			defer sl.unclaimed()
		}
		eio.ServeHTTP(newReleasingWriter(w), r)
	})
	return s, nil
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

// Close disconnects every socket and stops the engine.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.io.Close(nil)
}

// Connections returns the number of connected sockets.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

package engineio

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Config tunes a Server. Zero values take the defaults; OnConnect is required.
type Config struct {
	// OnConnect runs for each client CONNECT, before the client is told it is
	// connected: register the socket's handlers here. A non-nil error refuses
	// the connection with CONNECT_ERROR (a *ConnectError also sends its Data);
	// the client sees it as connect_error. It runs on the connection's reader,
	// so the client's next packets wait for it.
	OnConnect func(s *Socket, hs Handshake) error
	// AllowOrigin decides whether a request with an Origin header (a browser
	// page) may use the server; refused requests get 403. Allowed origins get
	// CORS headers with credentials. Nil allows every origin.
	AllowOrigin func(r *http.Request) bool
	// PingInterval is how often the server pings (default 25 s) and
	// PingTimeout how long it waits for the pong (default 20 s) before closing
	// the connection with ReasonPingTimeout. Clients learn both at handshake.
	PingInterval, PingTimeout time.Duration
	// MaxPayload is the largest packet or polling request body, in bytes, a
	// client may send (default 64 KiB); larger closes the connection.
	MaxPayload int
	// QueueSize is how many packets may wait to be written to one socket
	// (default 256). Send beyond it disconnects the socket with ReasonSlow.
	QueueSize int
	// ConnectTimeout is how long a new connection may go without a successful
	// CONNECT before it is closed (default 45 s, as Socket.IO).
	ConnectTimeout time.Duration
	// UpgradeTimeout bounds the polling → websocket upgrade (default 10 s).
	UpgradeTimeout time.Duration
	// WriteTimeout bounds one websocket write (default 10 s); a client that
	// does not read for that long is closed with ReasonTransportError.
	WriteTimeout time.Duration
	// BodyTimeout bounds the reading of one long-polling POST body (default
	// 30 s): a client trickling a body is answered 400 and its session
	// closed, instead of holding the request and its goroutine.
	BodyTimeout time.Duration
	// Admit, when set, runs for each handshake request (a new session) before
	// the session is made, for example to cap connections per client. When it
	// returns ok false it has answered the request itself and no session is
	// made. Otherwise release, if not nil, runs once when the session ends,
	// however it ends (or at once if the handshake fails after Admit).
	Admit func(w http.ResponseWriter, r *http.Request) (release func(), ok bool)
	Log   *slog.Logger     // nil: slog.Default()
	Now   func() time.Time // nil: time.Now; the handshake time
}

// Stats are a Server's counters, for /metrics.
type Stats struct {
	Sessions int64 // open Engine.IO sessions (connected or not)
	Sockets  int64 // connected Socket.IO sockets
	Polls    int64 // long-polling GETs waiting for packets
	// Overflows counts sockets disconnected because their outgoing queue was
	// full (ReasonSlow), since the server started.
	Overflows uint64
}

// Server serves Engine.IO v4 / Socket.IO v5 clients. Build it with New and
// mount it at the client's path ("/socket.io/"). It is safe for concurrent use.
type Server struct {
	cfg      Config
	upgrader websocket.Upgrader

	mu       sync.Mutex
	sessions map[string]*session
	closed   bool

	sockets   atomic.Int64
	polls     atomic.Int64
	overflows atomic.Uint64
}

// New returns a server. It panics when OnConnect is nil: that is a wiring bug.
func New(cfg Config) *Server {
	if cfg.OnConnect == nil {
		panic("engineio: Config.OnConnect is required")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.PingInterval, 25*time.Second)
	def(&cfg.PingTimeout, 20*time.Second)
	def(&cfg.ConnectTimeout, 45*time.Second)
	def(&cfg.UpgradeTimeout, 10*time.Second)
	def(&cfg.WriteTimeout, 10*time.Second)
	def(&cfg.BodyTimeout, 30*time.Second)
	if cfg.MaxPayload <= 0 {
		cfg.MaxPayload = 64 << 10
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = 256
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Server{
		cfg: cfg,
		// A small read buffer and pooled write buffers: an idle connection
		// holds neither net/http's 4 KiB buffers nor a write buffer (see
		// docs/decisions.md for what each costs).
		upgrader: websocket.Upgrader{
			ReadBufferSize:  512,
			WriteBufferPool: &sync.Pool{},
			CheckOrigin:     func(*http.Request) bool { return true }, // checked in ServeHTTP
		},
		sessions: map[string]*session{},
	}
}

// Stats returns the current counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	n := len(s.sessions)
	s.mu.Unlock()
	return Stats{Sessions: int64(n), Sockets: s.sockets.Load(), Polls: s.polls.Load(), Overflows: s.overflows.Load()}
}

// Connections returns the number of connected sockets.
func (s *Server) Connections() int { return int(s.sockets.Load()) }

// Close disconnects every client with ReasonServerShutdown and refuses new
// ones. Clients reconnect (to another instance, or to this one restarted).
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	all := make([]*session, 0, len(s.sessions))
	for _, ss := range s.sessions {
		all = append(all, ss)
	}
	s.mu.Unlock()
	for _, ss := range all {
		ss.finish(ReasonServerShutdown)
	}
}

// Engine.IO error codes, sent as {"code":N,"message":"..."} with status 400.
const (
	errTransportUnknown = 0
	errSessionUnknown   = 1
	errBadHandshake     = 2
	errBadRequest       = 3
	errForbidden        = 4
	errBadVersion       = 5
)

var errMessages = [...]string{"Transport unknown", "Session ID unknown", "Bad handshake method", "Bad request", "Forbidden", "Unsupported protocol version"}

func writeError(w http.ResponseWriter, status, code int) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.Marshal(struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}{code, errMessages[code]})
	_, _ = w.Write(b)
}

// ServeHTTP routes one Engine.IO request: a handshake (no sid), a poll (GET),
// packets (POST) or a websocket (a new one, or an upgrade of a polling session).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Origin") != "" {
		if s.cfg.AllowOrigin != nil && !s.cfg.AllowOrigin(r) {
			writeError(w, http.StatusForbidden, errForbidden)
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
		h.Set("Access-Control-Allow-Credentials", "true")
		h.Add("Vary", "Origin")
	}
	if r.Method == http.MethodOptions { // CORS preflight of a polling request
		h := w.Header()
		h.Set("Access-Control-Allow-Methods", "GET, POST")
		if rh := r.Header.Get("Access-Control-Request-Headers"); rh != "" {
			h.Set("Access-Control-Allow-Headers", rh)
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	q := r.URL.Query()
	if q.Get("EIO") != "4" {
		writeError(w, http.StatusBadRequest, errBadVersion)
		return
	}
	transport := q.Get("transport")
	if transport != "polling" && transport != "websocket" {
		writeError(w, http.StatusBadRequest, errTransportUnknown)
		return
	}
	sid := q.Get("sid")
	if sid == "" {
		if r.Method != http.MethodGet {
			writeError(w, http.StatusBadRequest, errBadHandshake)
			return
		}
		s.handshake(w, r, transport)
		return
	}
	s.mu.Lock()
	ss := s.sessions[sid]
	s.mu.Unlock()
	if ss == nil {
		writeError(w, http.StatusBadRequest, errSessionUnknown)
		return
	}
	switch {
	case transport == "websocket" && r.Method == http.MethodGet:
		s.upgrade(w, r, ss)
	case transport == "polling" && r.Method == http.MethodGet:
		ss.poll(w, r)
	case transport == "polling" && r.Method == http.MethodPost:
		ss.post(w, r)
	default:
		writeError(w, http.StatusBadRequest, errBadRequest)
	}
}

// handshake opens a session on the requested transport.
func (s *Server) handshake(w http.ResponseWriter, r *http.Request, transport string) {
	if transport == "websocket" && !websocket.IsWebSocketUpgrade(r) {
		writeError(w, http.StatusBadRequest, errBadRequest)
		return
	}
	var release func()
	if s.cfg.Admit != nil {
		var ok bool
		if release, ok = s.cfg.Admit(w, r); !ok {
			return
		}
	}
	ss := newSession(s, r)
	ss.release = release
	var ws *websocket.Conn
	if transport == "websocket" {
		var err error
		if ws, err = s.upgrader.Upgrade(w, r, nil); err != nil {
			ss.releaseOnce()
			return // Upgrade has answered
		}
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ss.releaseOnce()
		if ws != nil {
			_ = ws.Close()
		} else {
			writeError(w, http.StatusServiceUnavailable, errBadRequest)
		}
		return
	}
	s.sessions[ss.id] = ss
	s.mu.Unlock()
	open := s.openPacket(ss.id, transport == "polling")
	ss.start()
	if ws == nil {
		writePayload(w, open)
		return
	}
	ss.useWebsocket(ws, open)
	// The reader runs on a goroutine of its own, so that this handler returns
	// and net/http's goroutine, with its grown stack, ends (see decisions.md).
	go ss.readWebsocket(ws)
}

// openPacket is the handshake answer: 0{"sid",...}.
func (s *Server) openPacket(sid string, polling bool) []byte {
	upgrades := []string{}
	if polling {
		upgrades = []string{"websocket"}
	}
	b, _ := json.Marshal(struct {
		SID          string   `json:"sid"`
		Upgrades     []string `json:"upgrades"`
		PingInterval int64    `json:"pingInterval"`
		PingTimeout  int64    `json:"pingTimeout"`
		MaxPayload   int      `json:"maxPayload"`
	}{sid, upgrades, s.cfg.PingInterval.Milliseconds(), s.cfg.PingTimeout.Milliseconds(), s.cfg.MaxPayload})
	return append([]byte{pktOpen}, b...)
}

// remove forgets a finished session.
func (s *Server) remove(ss *session) {
	s.mu.Lock()
	if s.sessions[ss.id] == ss {
		delete(s.sessions, ss.id)
	}
	s.mu.Unlock()
}

// writePayload answers a poll with one payload.
func writePayload(w http.ResponseWriter, payload []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=UTF-8")
	h.Set("Content-Length", strconv.Itoa(len(payload)))
	h.Set("Cache-Control", "no-store")
	_, _ = w.Write(payload)
}

// newID returns a random 20-character id for a session or socket.
func newID() string {
	var b [15]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

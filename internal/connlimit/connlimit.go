// Package connlimit caps long-lived connections (SSE streams, Socket.IO
// sessions) per client IP and in total, so that one client cannot use up the
// process's file descriptors and starve the API, /health and check-in. Both
// real-time transports take the same Limiter.
package connlimit

import (
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Code is the error code of a refused connection (docs/api.md, errors).
const Code = "TOO_MANY_CONNECTIONS"

// DefaultPerIP is the default cap per client IP: far more tabs, displays and
// kiosks than one clinic's address opens.
const DefaultPerIP = 20

// DefaultMax derives the total cap from the open-files limit: each
// connection holds one descriptor, and the API, the database, Redis and the
// listener need the rest. It keeps a quarter of the limit, and at least 256
// (at most half, on tiny limits), for them: 1,024 → 768 connections.
func DefaultMax(openFiles uint64) int {
	headroom := max(openFiles/4, min(256, openFiles/2))
	return int(max(openFiles-headroom, 1))
}

// Config sets the caps. Zero or negative PerIP or Max means no cap of that kind.
type Config struct {
	PerIP      int
	Max        int
	TrustProxy bool // take the client IP from X-Forwarded-For, as the rate limits do
	// ExemptLoopback leaves loopback clients (127.0.0.0/8, ::1) out of the
	// per-IP cap; they still count towards Max. Behind a proxy on the same host
	// that is not trusted for X-Forwarded-For, every patient arrives from
	// loopback, and a cap of PerIP would turn the whole clinic away; the other
	// loopback clients are the operator's own tools.
	ExemptLoopback bool
}

// Limiter counts open connections. Its methods are safe for concurrent use.
type Limiter struct {
	cfg   Config
	mu    sync.Mutex
	byIP  map[string]int
	total int
}

// New returns a limiter with cfg's caps.
func New(cfg Config) *Limiter { return &Limiter{cfg: cfg, byIP: map[string]int{}} }

// Error is a refused connection: Status is 429 (the client's IP is at its cap)
// or 503 (the server is at its total cap).
type Error struct {
	Status  int
	Message string
}

func (e *Error) Error() string { return e.Message }

// Acquire takes a slot for a connection from r's client IP, or returns an
// *Error. release frees the slot; calling it more than once is harmless.
func (l *Limiter) Acquire(r *http.Request) (release func(), err error) {
	ip := ClientIP(r, l.cfg.TrustProxy)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cfg.PerIP > 0 && l.byIP[ip] >= l.cfg.PerIP && !(l.cfg.ExemptLoopback && isLoopback(ip)) {
		return nil, &Error{http.StatusTooManyRequests, "Too many open connections from this address (at most " + strconv.Itoa(l.cfg.PerIP) + "); close some and retry"}
	}
	if l.cfg.Max > 0 && l.total >= l.cfg.Max {
		return nil, &Error{http.StatusServiceUnavailable, "The server has too many open connections; retry shortly"}
	}
	l.byIP[ip]++
	l.total++
	var once sync.Once
	return func() { once.Do(func() { l.release(ip) }) }, nil
}

func (l *Limiter) release(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if l.byIP[ip]--; l.byIP[ip] <= 0 {
		delete(l.byIP, ip)
	}
}

// Open returns the number of connections holding a slot.
func (l *Limiter) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total
}

// Config returns the caps the limiter enforces.
func (l *Limiter) Config() Config { return l.cfg }

// Refuse writes err as the JSON error envelope: 429 or 503
// TOO_MANY_CONNECTIONS, with Retry-After.
func Refuse(w http.ResponseWriter, err *Error) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Retry-After", "10")
	w.WriteHeader(err.Status)
	body, _ := json.Marshal(map[string]any{"success": false, "error": map[string]string{"code": Code, "message": err.Message}})
	_, _ = w.Write(append(body, '\n'))
}

// ClientIP is the address every per-client limit counts by. Behind our own
// proxy (trustProxy) it is the last X-Forwarded-For entry — the one the proxy
// appended; entries before it are whatever the client claimed. Otherwise it
// is the peer.
func ClientIP(r *http.Request, trustProxy bool) string {
	if trustProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if ip := net.ParseIP(strings.TrimSpace(parts[len(parts)-1])); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// isLoopback reports whether ip (as ClientIP returns it) is a loopback address.
func isLoopback(ip string) bool {
	a := net.ParseIP(ip)
	return a != nil && a.IsLoopback()
}

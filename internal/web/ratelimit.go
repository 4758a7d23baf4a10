package web

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/httprate"
)

// rateLimit allows perMinute requests per client IP per minute (a sliding
// window); over it, 429 RATE_LIMITED with Retry-After. perMinute 0 turns it off.
func (s *Server) rateLimit(name string, perMinute int) func(http.Handler) http.Handler {
	if perMinute <= 0 {
		return func(h http.Handler) http.Handler { return h }
	}
	return httprate.LimitBy(perMinute, time.Minute,
		func(r *http.Request) (string, error) { return name + ":" + s.clientIP(r), nil },
		httprate.WithLimitHandler(func(w http.ResponseWriter, r *http.Request) {
			if w.Header().Get("Retry-After") == "" {
				w.Header().Set("Retry-After", strconv.Itoa(60))
			}
			s.fail(w, r, &apiError{code: codeRateLimited, message: "Too many requests, please try again shortly"})
		}),
	)
}

// clientIP is the address rate limits count by. Behind our own proxy
// (TrustProxy) it is the last X-Forwarded-For entry — the one the proxy appended;
// entries before it are whatever the client claimed. Otherwise it is the peer.
func (s *Server) clientIP(r *http.Request) string {
	if s.d.Config.TrustProxy {
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

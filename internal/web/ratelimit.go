package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/httprate"

	"smartwait/internal/connlimit"
)

// rateLimit allows perMinute requests per client per minute (a sliding
// window), the client being what key returns (s.clientIP: the address; the
// check-in limit also tells kiosks apart, page_kiosk.go); over it, 429
// RATE_LIMITED with Retry-After. perMinute 0 turns it off.
func (s *Server) rateLimit(name string, perMinute int, key func(*http.Request) string) func(http.Handler) http.Handler {
	if perMinute <= 0 {
		return func(h http.Handler) http.Handler { return h }
	}
	return httprate.LimitBy(perMinute, time.Minute,
		func(r *http.Request) (string, error) { return name + ":" + key(r), nil },
		httprate.WithLimitHandler(func(w http.ResponseWriter, r *http.Request) {
			if w.Header().Get("Retry-After") == "" {
				w.Header().Set("Retry-After", strconv.Itoa(60))
			}
			s.fail(w, r, &apiError{code: codeRateLimited, message: "Too many requests, please try again shortly"})
		}),
	)
}

// clientIP is the address rate limits count by: connlimit.ClientIP, the one
// rule every per-client limit follows (SMARTWAIT_TRUST_PROXY).
func (s *Server) clientIP(r *http.Request) string {
	return connlimit.ClientIP(r, s.d.Config.TrustProxy)
}

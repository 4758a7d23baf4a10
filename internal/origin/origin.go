// Package origin is SmartWait's one rule for which browser pages may talk to
// it: the REST API's CORS and cookie-write check (internal/web) and the
// Socket.IO handshake (internal/socketio) ask the same Policy.
package origin

import (
	"net/http"
	"net/url"
	"strings"
)

// Policy decides which origins ("scheme://host[:port]") are ours: the public
// URL's, the configured extra ones, and the origin a request was addressed to.
// The scheme counts everywhere: http://clinic.example is not
// https://clinic.example. A Policy is immutable and safe for concurrent use.
type Policy struct {
	allowed map[string]bool
}

// New returns the policy for a deployment whose public URL is publicURL (""
// when unknown) and whose extra allowed origins are allowed (ALLOWED_ORIGINS).
// Entries are compared case-insensitively, without a trailing slash.
func New(publicURL string, allowed []string) *Policy {
	p := &Policy{allowed: map[string]bool{}}
	if u, err := url.Parse(publicURL); err == nil && u.Host != "" {
		p.allowed[strings.ToLower(u.Scheme+"://"+u.Host)] = true
	}
	for _, o := range allowed {
		if o = strings.TrimRight(strings.TrimSpace(o), "/"); o != "" {
			p.allowed[strings.ToLower(o)] = true
		}
	}
	return p
}

// Allowed reports whether origin is the public URL's or a configured one:
// the origins CORS answers for.
func (p *Policy) Allowed(origin string) bool {
	return p.allowed[strings.ToLower(origin)]
}

// Ours reports whether origin is allowed or is exactly the origin r was
// addressed to: scheme (https when r came over TLS) and Host.
func (p *Policy) Ours(r *http.Request, origin string) bool {
	origin = strings.ToLower(origin)
	if p.allowed[origin] {
		return true
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return origin == strings.ToLower(scheme+"://"+r.Host)
}

// AllowRequest reports whether a long-lived connection request may proceed:
// one without an Origin header is not from a browser page (native and Node
// clients) and passes; one with it must be Ours.
func (p *Policy) AllowRequest(r *http.Request) bool {
	o := r.Header.Get("Origin")
	return o == "" || p.Ours(r, o)
}

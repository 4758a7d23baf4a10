package webhook

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// DefaultTimeout bounds one delivery: connect, TLS, request and response
// headers (SMARTWAIT_WEBHOOK_TIMEOUT).
const DefaultTimeout = 10 * time.Second

// ErrPrivateAddr is the failure of a delivery whose host resolved to an
// address ValidAddr refuses.
var ErrPrivateAddr = errors.New("refused: the host resolves to a private, loopback or link-local address (SMARTWAIT_WEBHOOK_ALLOW_PRIVATE)")

// NewClient returns the HTTP client deliveries use: its own transport (no
// proxy from the environment, which would bypass the address check), a total
// timeout, redirects never followed (a 3xx is a failed delivery: following it
// would let a receiver send our signed POST elsewhere), and, unless
// allowPrivate, a dialer that refuses non-public addresses at connect time —
// after DNS resolution, so a name that resolves to 127.0.0.1 or 169.254.169.254
// (DNS rebinding) is refused too.
func NewClient(timeout time.Duration, allowPrivate bool) *http.Client {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		d.Control = func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("webhook: dial %s: %w", address, err)
			}
			if !ValidAddr(ap.Addr()) {
				return ErrPrivateAddr
			}
			return nil
		}
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConns:          32,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
	}
	return &http.Client{
		Timeout:   timeout,
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

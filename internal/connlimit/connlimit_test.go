package connlimit_test

import (
	"net/http/httptest"
	"testing"

	"smartwait/internal/connlimit"
)

func TestDefaultMax(t *testing.T) {
	for _, tt := range []struct {
		fds  uint64
		want int
	}{{1024, 768}, {20000, 15000}, {256, 128}, {64, 32}, {1, 1}} {
		if got := connlimit.DefaultMax(tt.fds); got != tt.want {
			t.Errorf("DefaultMax(%d) = %d, want %d", tt.fds, got, tt.want)
		}
	}
}

// TestPerIPFollowsTrustProxy: behind our proxy the cap counts by the address
// the proxy appended to X-Forwarded-For; otherwise by the peer, whatever the
// header claims.
func TestPerIPFollowsTrustProxy(t *testing.T) {
	for _, trust := range []bool{false, true} {
		l := connlimit.New(connlimit.Config{PerIP: 1, TrustProxy: trust})
		a := httptest.NewRequest("GET", "/", nil)
		a.RemoteAddr, a.Header["X-Forwarded-For"] = "10.0.0.1:5000", []string{"1.1.1.1, 203.0.113.7"}
		b := httptest.NewRequest("GET", "/", nil)
		b.RemoteAddr, b.Header["X-Forwarded-For"] = "10.0.0.1:5001", []string{"203.0.113.8"}
		release, err := l.Acquire(a)
		if err != nil {
			t.Fatal(err)
		}
		_, err = l.Acquire(b)
		if trust && err != nil {
			t.Errorf("trusting the proxy, two client addresses share a cap: %v", err)
		}
		if !trust && err == nil {
			t.Error("without a trusted proxy, X-Forwarded-For escaped the per-IP cap")
		}
		release()
		release() // harmless twice
		if l.Open() != map[bool]int{false: 0, true: 1}[trust] {
			t.Errorf("trust %v: %d open after release", trust, l.Open())
		}
	}
}

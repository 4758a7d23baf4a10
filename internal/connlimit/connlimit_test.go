package connlimit_test

import (
	"errors"
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

// TestExemptLoopback: with ExemptLoopback, loopback clients pass the per-IP cap
// (they still count towards the total); other addresses do not.
func TestExemptLoopback(t *testing.T) {
	for _, exempt := range []bool{false, true} {
		l := connlimit.New(connlimit.Config{PerIP: 1, Max: 3, ExemptLoopback: exempt})
		for _, peer := range []string{"127.0.0.1:4000", "[::1]:4000", "127.0.0.2:4000"} {
			held, err := 0, error(nil)
			for range 2 {
				r := httptest.NewRequest("GET", "/", nil)
				r.RemoteAddr = peer
				var release func()
				if release, err = l.Acquire(r); err != nil {
					break
				}
				held++
				defer release()
			}
			if exempt && held != 2 {
				t.Errorf("exempt: %s held %d connections, want 2 (err %v)", peer, held, err)
			}
			if !exempt && held != 1 {
				t.Errorf("not exempt: %s held %d connections, want 1", peer, held)
			}
			if exempt {
				break // the total (3) is the next test
			}
		}
		if exempt {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = "[::1]:4001"
			if _, err := l.Acquire(r); err != nil {
				t.Errorf("third loopback connection refused under Max 3: %v", err)
			}
			r.RemoteAddr = "127.0.0.1:4002"
			var ce *connlimit.Error
			if _, err := l.Acquire(r); !errors.As(err, &ce) || ce.Status != 503 {
				t.Errorf("fourth loopback connection: %v, want 503 (the total still counts loopback)", err)
			}
		}
		public := httptest.NewRequest("GET", "/", nil)
		public.RemoteAddr = "203.0.113.9:4000"
		l2 := connlimit.New(connlimit.Config{PerIP: 1, ExemptLoopback: exempt})
		if _, err := l2.Acquire(public); err != nil {
			t.Fatal(err)
		}
		if _, err := l2.Acquire(public); err == nil {
			t.Errorf("exempt=%v: a public address passed its per-IP cap", exempt)
		}
	}
}

package origin

import (
	"crypto/tls"
	"net/http/httptest"
	"testing"
)

func TestPolicy(t *testing.T) {
	p := New("https://Wait.Clinic.example/", []string{" http://localhost:3000/ ", ""})
	tests := []struct {
		name   string
		origin string
		tls    bool
		want   bool
	}{
		{"no origin: not a browser page", "", false, true},
		{"public URL", "https://wait.clinic.example", false, true},
		{"public URL, other case", "HTTPS://WAIT.CLINIC.EXAMPLE", false, true},
		{"public URL host, wrong scheme", "http://wait.clinic.example", false, false},
		{"allowed origin", "http://localhost:3000", false, true},
		{"allowed host, wrong scheme", "https://localhost:3000", false, false},
		{"own origin over http", "http://api.internal:8080", false, true},
		{"own host over TLS with http scheme", "http://api.internal:8080", true, false},
		{"own host over TLS", "https://api.internal:8080", true, true},
		{"own host, other port", "http://api.internal:9090", false, false},
		{"foreign", "https://evil.example", false, false},
		{"garbage", "null", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "http://api.internal:8080/socket.io/", nil)
			if tt.tls {
				r.TLS = &tls.ConnectionState{}
			}
			if tt.origin != "" {
				r.Header.Set("Origin", tt.origin)
			}
			if got := p.AllowRequest(r); got != tt.want {
				t.Errorf("AllowRequest(Origin %q, tls %v) = %v, want %v", tt.origin, tt.tls, got, tt.want)
			}
		})
	}
	if p.Allowed("http://api.internal:8080") {
		t.Error("Allowed accepted the request's own origin: CORS is only for the configured origins")
	}
	if New("", nil).Allowed("") {
		t.Error("an empty policy allowed the empty origin")
	}
}

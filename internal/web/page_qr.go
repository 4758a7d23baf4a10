package web

import (
	"net/http"
	"strings"

	qrcode "github.com/skip2/go-qrcode"
)

// qrData is the printable poster.
type qrData struct {
	CheckinURL string
}

// checkinURL is the absolute check-in address the poster's QR code holds, built
// from SMARTWAIT_PUBLIC_URL (never from the request's Host, which a client chooses).
func (s *Server) checkinURL() string {
	base := strings.TrimRight(s.d.Config.PublicURL, "/")
	if base == "" {
		base = "http://localhost:3001"
	}
	return base + "/checkin"
}

// handleQRPage serves GET /qr: a poster to print and put up at the entrance.
func (s *Server) handleQRPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, http.StatusOK, "qr", page{Title: "Check in with your phone", Body: "poster", NoBar: true, Scripts: []string{"js/poster.js"},
			Data: qrData{CheckinURL: s.checkinURL()}})
	})
}

// handleQRImage serves GET /qr.png: the check-in URL as a QR code, 512 px square,
// medium error correction (survives a smudged print).
func (s *Server) handleQRImage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		png, err := qrcode.Encode(s.checkinURL(), qrcode.Medium, 512)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(png)
	})
}

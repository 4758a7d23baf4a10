package web

import (
	"net/http"
	"strings"

	qrcode "github.com/skip2/go-qrcode"

	"smartwait/internal/queue"
)

// qrData is the printable poster.
type qrData struct {
	CheckinURL string
	Image      string // the QR code's path: /qr.png, or /c/{slug}/qr.png
}

// checkinURL is the absolute check-in address the poster's QR code holds, built
// from SMARTWAIT_PUBLIC_URL (never from the request's Host, which a client
// chooses): /checkin, or a clinic's /c/{slug}/.
func (s *Server) checkinURL(t site) string {
	if t.prefixed() {
		return s.pageURL(t.Home + "/")
	}
	return s.pageURL("/checkin")
}

// pageURL is the absolute address of one of our pages.
func (s *Server) pageURL(path string) string {
	base := strings.TrimRight(s.d.Config.PublicURL, "/")
	if base == "" {
		base = "http://localhost:3001"
	}
	return base + path
}

// handleQRPage serves GET /qr and a clinic's GET /c/{slug}/qr: a poster to
// print and put up at the entrance, with the clinic's name and check-in
// address.
func (s *Server) handleQRPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, ok := s.pageSite(w, r)
		if !ok {
			return
		}
		p, _ := s.patientPage(w, r, "", sitePage(page{Body: "poster", NoBar: true, Scripts: []string{"js/poster.js"},
			Data: qrData{CheckinURL: s.checkinURL(t), Image: t.Home + "/qr.png"}}, t))
		p.Title = p.L.T("pages.qr.title")
		s.render(w, r, http.StatusOK, "qr", p)
	})
}

// handleQRImage serves GET /qr.png and a clinic's GET /c/{slug}/qr.png: the
// check-in URL as a QR code, 512 px square, medium error correction (survives
// a smudged print). With ?status=<patientId> it is the patient's status page
// instead — the kiosk's ticket, to follow on one's own phone — and never
// stored by a cache: the id is the patient's key. The patient's existence is
// not looked up: a QR code says nothing a link would not.
func (s *Server) handleQRImage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, ok := s.pageSite(w, r)
		if !ok {
			return
		}
		target, cache := s.checkinURL(t), "public, max-age=300"
		if q := r.URL.Query(); q.Has("status") {
			id := q.Get("status")
			if !queue.ValidID(id) {
				http.NotFound(w, r)
				return
			}
			target, cache = s.pageURL(t.Home+"/status/"+id), "no-store"
		}
		png, err := qrcode.Encode(target, qrcode.Medium, 512)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Cache-Control", cache)
		_, _ = w.Write(png)
	})
}

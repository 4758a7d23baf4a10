package web

import "net/http"

// handleOfflinePage serves GET /offline: what the service worker (sw.js)
// shows a patient who opens a page it has no copy of while offline. The
// worker fetches it with the browser's own cookie and Accept-Language when it
// installs and after each patient page it loads, so it is in the patient's
// language, as the page it stands in for would be.
func (s *Server) handleOfflinePage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := s.patientPage(w, r, "", page{Body: "patient"})
		p.Title = p.L.T("pages.offline.title")
		s.render(w, r, http.StatusOK, "offline", p)
	})
}

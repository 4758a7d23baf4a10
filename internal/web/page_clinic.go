package web

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"slices"

	"smartwait/internal/queue"
)

// A clinic's public pages (docs/clinics.md, "Pages"): /c/{slug}/ (check-in),
// /c/{slug}/status/{id}, /c/{slug}/display, /c/{slug}/qr and /c/{slug}/kiosk
// are the pages of today, scoped to one clinic: its name, its public lines,
// its calls, its time zone. The unprefixed pages are the default clinic's, as
// they always were; the default clinic's slug works under /c/ too. An unknown
// slug, or an unknown page under /c/{slug}/, is the site's 404 page.

// site is the clinic a patient page belongs to, and where its pages live.
type site struct {
	Clinic queue.Clinic // as queue.Service.Clinic shows it
	// Home is the path its pages hang from: "" for the unprefixed pages,
	// "/c/<slug>" under /c/ (the default clinic's too).
	Home string
}

// isDefault reports whether the site is the default clinic's.
func (t site) isDefault() bool { return t.Clinic.ID == queue.DefaultClinicID }

// roomSlug is the clinic as the page's scripts send it to the real-time
// rooms and the display API: "" for the default clinic, whose rooms and
// requests are today's.
func (t site) roomSlug() string {
	if t.isDefault() {
		return ""
	}
	return t.Clinic.Slug
}

// prefixed reports whether the page was asked for under /c/{slug}/.
func (t site) prefixed() bool { return t.Home != "" }

// pageSite is the clinic of the page asked for: the one /c/{slug}/ names, or
// the default clinic for an unprefixed page. An unknown slug answers the 404
// page and returns false.
func (s *Server) pageSite(w http.ResponseWriter, r *http.Request) (site, bool) {
	slug := r.PathValue("slug")
	if slug == "" {
		c, err := s.defaultClinic(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return site{}, false
		}
		return site{Clinic: c}, true
	}
	c, err := s.d.Queue.Clinic(r.Context(), slug)
	var qe *queue.Error
	switch {
	case errors.As(err, &qe) && qe.Code == queue.CodeClinicNotFound:
		s.notFoundPage(w, r)
		return site{}, false
	case err != nil:
		s.fail(w, r, err)
		return site{}, false
	}
	return site{Clinic: s.named(c), Home: "/c/" + c.Slug}, true
}

// defaultClinic is the default clinic (its slug may have been changed).
func (s *Server) defaultClinic(ctx context.Context) (queue.Clinic, error) {
	all, err := s.d.Queue.Clinics(ctx)
	if err != nil {
		return queue.Clinic{}, err
	}
	if i := slices.IndexFunc(all, func(c queue.Clinic) bool { return c.ID == queue.DefaultClinicID }); i >= 0 {
		return s.named(all[i]), nil
	}
	return queue.Clinic{ID: queue.DefaultClinicID, Slug: queue.DefaultClinicSlug, Name: s.clinicName()}, nil
}

// ticketSite is the site of a ticket's line, for the unprefixed status page:
// its own clinic's name and home, whichever clinic that is (the links in
// texts are unprefixed).
func (s *Server) ticketSite(ctx context.Context, line string) (site, error) {
	c, err := s.d.Queue.ClinicOf(ctx, line)
	if err != nil {
		return site{}, err
	}
	c = s.named(c)
	if c.ID == queue.DefaultClinicID {
		return site{Clinic: c}, nil
	}
	return site{Clinic: c, Home: "/c/" + c.Slug}, nil
}

// named gives the default clinic the name the pages have always shown
// (SMARTWAIT_CLINIC_NAME, else "SmartWait") unless an admin gave it one of
// its own: the service fills an unset name from its own configuration, which
// the server's may word differently.
func (s *Server) named(c queue.Clinic) queue.Clinic {
	if c.ID == queue.DefaultClinicID && (c.Name == "" || c.Name == s.d.Queue.Config.ClinicName) {
		c.Name = s.clinicName()
	}
	c.Name = cmp.Or(c.Name, s.clinicName())
	return c
}

// siteLines is the site's lines now, by position; public keeps those
// patients may pick.
func (s *Server) siteLines(ctx context.Context, t site, public bool) ([]queue.LineStatus, error) {
	all, err := s.d.Queue.Lines(ctx, public)
	return slices.DeleteFunc(all, func(l queue.LineStatus) bool { return l.ClinicID() != t.Clinic.ID }), err
}

// sitePage is a patient page p of site t: the clinic's name in its bar and
// title, and the attributes its scripts read (layout.html).
func sitePage(p page, t site) page {
	p.Clinic, p.Home, p.Site = t.Clinic.Name, t.Home, t.roomSlug()
	return p
}

// notFoundPage answers the site's 404 page, in the visitor's language.
func (s *Server) notFoundPage(w http.ResponseWriter, r *http.Request) {
	p, _ := s.patientPage(w, r, "", page{Body: "patient"})
	p.Title = p.L.T("pages.notFound.title")
	s.render(w, r, http.StatusNotFound, "notfound", p)
}

// handleNotFoundPage serves every path under /c/{slug}/ no page has: the
// site's 404 page, whether or not the clinic exists.
func (s *Server) handleNotFoundPage() http.Handler {
	return http.HandlerFunc(s.notFoundPage)
}

package web

import (
	"context"
	"net/http"

	"smartwait/internal/queue"
)

// Clinics (docs/clinics.md, "API"): patients list the clinics and a clinic's
// lines; admins add, change and remove clinics. The rules — valid slugs, time
// zones and senders, a clinic that still has patients, the default clinic —
// are the queue.Service's; the handlers only translate JSON.

// clinicFields are the fields of a clinic's PATCH; POST takes the same, and
// requires slug, name and timezone.
var clinicFields = fieldSpec{
	"slug": kindString, "name": kindString, "timezone": kindString, "smsFrom": kindString, "hours": kindStringMap,
}

// clinicSettings are the fields an audit entry's detail shows of a clinic's
// change: all of them (the sender is the clinic's number, not a patient's).
var clinicSettings = []string{"slug", "name", "timezone", "smsFrom", "hours"}

// publicClinicView is a clinic as patients see it: no sender, no hours.
type publicClinicView struct {
	Slug     string `json:"slug"`
	Name     string `json:"name"`
	TimeZone string `json:"timezone"`
}

// clinicView is a clinic as admins see it. smsFrom is "" when the clinic
// texts from the deployment's number; hours is null when it has none;
// default marks the clinic every deployment has, which cannot be removed.
type clinicView struct {
	Slug     string            `json:"slug"`
	Name     string            `json:"name"`
	TimeZone string            `json:"timezone"`
	SMSFrom  string            `json:"smsFrom"`
	Hours    map[string]string `json:"hours"`
	Default  bool              `json:"default"`
}

func newClinicView(c queue.Clinic) clinicView {
	return clinicView{Slug: c.Slug, Name: c.Name, TimeZone: c.TimeZone, SMSFrom: c.SMSFrom,
		Hours: c.Hours.Map(), Default: c.ID == queue.DefaultClinicID}
}

// handlePublicClinics serves GET /api/clinics (no credentials): every clinic,
// the default first.
func (s *Server) handlePublicClinics() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cs, err := s.d.Queue.Clinics(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		listOf(w, cs, func(c queue.Clinic) publicClinicView {
			return publicClinicView{Slug: c.Slug, Name: c.Name, TimeZone: c.TimeZone}
		})
	})
}

// handleClinicLines serves GET /api/clinics/{slug}/lines (no credentials):
// the clinic's public lines, as GET /api/lines shows them; 404
// CLINIC_NOT_FOUND for an unknown clinic.
func (s *Server) handleClinicLines() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lines, err := s.d.Queue.ClinicLines(r.Context(), r.PathValue("slug"), true)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		listOf(w, lines, newPublicLineView)
	})
}

// handleStaffClinics serves GET /api/staff/clinics (admin): every clinic with
// its settings, the default first.
func (s *Server) handleStaffClinics() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cs, err := s.d.Queue.Clinics(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		listOf(w, cs, newClinicView)
	})
}

// handleCreateClinic serves POST /api/staff/clinics (admin): 201 with the new
// clinic, which has no lines yet.
func (s *Server) handleCreateClinic() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := decodeTyped(r, clinicFields)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p, err := clinicPatch(b)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		c := queue.Clinic{Slug: deref(p.Slug), Name: deref(p.Name), TimeZone: deref(p.TimeZone), SMSFrom: deref(p.SMSFrom)}
		if p.Hours != nil {
			c.Hours = *p.Hours
		}
		if c, err = s.d.Queue.CreateClinic(r.Context(), c); err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusCreated, envelope{Success: true, Data: newClinicView(c), Message: "Clinic " + c.Slug + " created"})
	})
}

// handleUpdateClinic serves PATCH /api/staff/clinics/{slug} (admin): any
// subset of the settings, the slug too (the clinic's pages move with it).
func (s *Server) handleUpdateClinic() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		slug := r.PathValue("slug")
		if !queue.ValidSlug(slug) {
			s.fail(w, r, clinicNotFound(slug))
			return
		}
		b, err := decodeTyped(r, clinicFields)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p, err := clinicPatch(b)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		c, err := s.d.Queue.UpdateClinic(r.Context(), slug, p)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		ok(w, newClinicView(c), "Clinic "+c.Slug+" updated")
	})
}

// handleDeleteClinic serves DELETE /api/staff/clinics/{slug} (admin): the
// clinic with its lines and rooms; 409 CLINIC_NOT_EMPTY while anyone waits
// or is called there; the default clinic never (400 VALIDATION_ERROR).
func (s *Server) handleDeleteClinic() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		slug := r.PathValue("slug")
		if !queue.ValidSlug(slug) {
			s.fail(w, r, clinicNotFound(slug))
			return
		}
		if err := s.d.Queue.DeleteClinic(r.Context(), slug); err != nil {
			s.fail(w, r, err)
			return
		}
		ok(w, nil, "Clinic "+slug+" removed")
	})
}

// clinicPatch turns the settings in b into a queue.ClinicPatch.
func clinicPatch(b typedBody) (queue.ClinicPatch, error) {
	p := queue.ClinicPatch{Slug: b.str("slug"), Name: b.str("name"), TimeZone: b.str("timezone"), SMSFrom: b.str("smsFrom")}
	if m, present := b.stringMap("hours"); present {
		var h queue.Hours // null: no hours
		if m != nil {
			var err error
			if h, err = queue.HoursFromMap(m); err != nil {
				return p, invalidField("hours", "hours: %v", err)
			}
		}
		p.Hours = &h
	}
	return p, nil
}

// clinicNotFound is the queue's CLINIC_NOT_FOUND for slug.
func clinicNotFound(slug string) error {
	return &queue.Error{Code: queue.CodeClinicNotFound, Message: "Clinic not found", Details: map[string]string{"clinic": slug}}
}

// clinicIn resolves a request's optional clinic slug among clinics
// (clinicSlugs) to the clinic's id: the default clinic's when slug is nil,
// CLINIC_NOT_FOUND when it is not one of them.
func clinicIn(clinics map[int64]string, slug *string) (int64, error) {
	if slug == nil {
		return queue.DefaultClinicID, nil
	}
	for id, s := range clinics {
		if s == *slug {
			return id, nil
		}
	}
	return 0, clinicNotFound(*slug)
}

// clinicSlugs maps each clinic's id to its slug, for the answers that hold
// only an id (rooms).
func (s *Server) clinicSlugs(ctx context.Context) (map[int64]string, error) {
	cs, err := s.d.Queue.Clinics(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[int64]string, len(cs))
	for _, c := range cs {
		m[c.ID] = c.Slug
	}
	return m, nil
}

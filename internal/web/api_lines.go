package web

import (
	"context"
	"net/http"
	"slices"
	"time"

	"smartwait/internal/auth"

	"smartwait/internal/queue"
)

// Lines (docs/api.md, "Lines and rooms"): patients see the public lines, staff
// every line with its settings, admins change them. The rules — defaults,
// limits, unique slugs and prefixes, a line that still has patients — are the
// queue.Service's; the handlers only translate JSON.

// lineFields are the settings a line's POST and PATCH take (POST also slug).
var lineFields = fieldSpec{
	"name": kindString, "prefix": kindString, "open": kindBool, "public": kindBool,
	"appointments": kindBool, "position": kindInt, "visitMinutes": kindInt, "getReadyPosition": kindInt,
	"graceMinutes": kindInt, "hours": kindStringMap,
}

// newLineFields are the fields of POST /api/staff/lines: also slug, and clinic
// (the slug of the line's clinic; default: the default clinic), which cannot
// change afterwards.
var newLineFields = func() fieldSpec {
	f := fieldSpec{"slug": kindString, "clinic": kindString}
	for k, v := range lineFields {
		f[k] = v
	}
	return f
}()

// handlePublicLines serves GET /api/lines (no credentials): the lines a
// patient may pick at check-in, by position.
func (s *Server) handlePublicLines() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lines, err := s.d.Queue.Lines(r.Context(), true)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out := make([]publicLineView, len(lines))
		for i, l := range lines {
			out[i] = newPublicLineView(l)
		}
		list(w, out)
	})
}

// handleStaffLines serves GET /api/staff/lines: every line with its settings,
// figures and open rooms, by position.
func (s *Server) handleStaffLines() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out, err := s.lineViews(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		own, err := s.scopeLines(r.Context(), scopeOf(r, auth.RoleStaff))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if own != nil {
			out = slices.DeleteFunc(out, func(v lineView) bool { return !slices.Contains(own, v.Slug) })
		}
		list(w, out)
	})
}

// handleCreateLine serves POST /api/staff/lines (admin): 201 with the new
// line; 404 CLINIC_NOT_FOUND for an unknown clinic.
func (s *Server) handleCreateLine() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := decodeTyped(r, newLineFields)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p, err := linePatch(b)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		clinics, err := s.clinicSlugs(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		clinic, err := clinicIn(clinics, b.str("clinic"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		q := queue.Queue{ID: deref(b.str("slug")), Name: deref(b.str("name")), Prefix: deref(b.str("prefix")),
			Clinic: queue.Clinic{ID: clinic, Slug: clinics[clinic]}}
		if clinic == queue.DefaultClinicID {
			q.Clinic.ID = 0 // as stores read it: the zero Clinic but its slug
		}
		if err := allowClinic(r, clinic, auth.RoleAdmin); err != nil {
			s.fail(w, r, err)
			return
		}
		if q, err = s.d.Queue.CreateLine(r.Context(), q, p); err != nil {
			s.fail(w, r, err)
			return
		}
		v, err := s.lineView(r.Context(), q)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusCreated, envelope{Success: true, Data: v, Message: "Line " + q.ID + " created"})
	})
}

// handleUpdateLine serves PATCH /api/staff/lines/{slug} (admin): any subset of
// the settings; the slug cannot change.
func (s *Server) handleUpdateLine() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		slug := r.PathValue("slug")
		if !queue.ValidSlug(slug) {
			s.fail(w, r, queue.LineNotFound(slug))
			return
		}
		if err := s.allowLine(r, slug, auth.RoleAdmin); err != nil {
			s.fail(w, r, err)
			return
		}
		b, err := decodeTyped(r, lineFields)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p, err := linePatch(b)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		q, err := s.d.Queue.UpdateLine(r.Context(), slug, p)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v, err := s.lineView(r.Context(), q)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		ok(w, v, "Line "+q.ID+" updated")
	})
}

// handleDeleteLine serves DELETE /api/staff/lines/{slug} (admin): only a line
// nobody waits in or is called from (409 LINE_NOT_EMPTY), never the default.
func (s *Server) handleDeleteLine() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		slug := r.PathValue("slug")
		if !queue.ValidSlug(slug) {
			s.fail(w, r, queue.LineNotFound(slug))
			return
		}
		if err := s.allowLine(r, slug, auth.RoleAdmin); err != nil {
			s.fail(w, r, err)
			return
		}
		if err := s.d.Queue.DeleteLine(r.Context(), slug); err != nil {
			s.fail(w, r, err)
			return
		}
		ok(w, nil, "Line "+slug+" deleted")
	})
}

// linePatch turns the settings in b into a queue.LinePatch.
func linePatch(b typedBody) (queue.LinePatch, error) {
	p := queue.LinePatch{
		Name: b.str("name"), Prefix: b.str("prefix"), Open: b.boolean("open"), Public: b.boolean("public"),
		Appointments: b.boolean("appointments"), Position: b.integer("position"), GetReady: b.integer("getReadyPosition"),
		VisitPrior: minutesOf(b.integer("visitMinutes")), Grace: minutesOf(b.integer("graceMinutes")),
	}
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

// maxMinutes bounds the minutes a request may name before they become a
// Duration, so that no number overflows into an accepted value; anything
// this large is refused by the Service's own limits, with its message.
const maxMinutes = 1_000_000

// minutesOf is n minutes, nil when n is.
func minutesOf(n *int) *time.Duration {
	if n == nil {
		return nil
	}
	d := time.Duration(min(max(*n, -maxMinutes), maxMinutes)) * time.Minute
	return &d
}

// lineViews presents every line, by position.
func (s *Server) lineViews(ctx context.Context) ([]lineView, error) {
	lines, err := s.d.Queue.Lines(ctx, false)
	if err != nil {
		return nil, err
	}
	rooms, err := s.d.Queue.Rooms(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]lineView, len(lines))
	for i, l := range lines {
		out[i] = newLineView(l, rooms)
	}
	return out, nil
}

// lineView presents line q as it stands now, after a change: from a fresh read
// of every line, or from q alone (no figures) if it has gone meanwhile.
func (s *Server) lineView(ctx context.Context, q queue.Queue) (lineView, error) {
	views, err := s.lineViews(ctx)
	if err != nil {
		return lineView{}, err
	}
	for _, v := range views {
		if v.Slug == q.ID {
			return v, nil
		}
	}
	return newLineView(queue.LineStatus{Queue: q}, nil), nil
}

// deref is *p, or "" when p is nil.
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

package socketio

import (
	"context"
	"encoding/json"
	"strings"

	"smartwait/internal/auth"
	"smartwait/internal/engineio"
	"smartwait/internal/queue"
)

// ClinicReader resolves the clinic a join names and the clinics of lines;
// *queue.Service is one.
type ClinicReader interface {
	// ClinicRooms returns the clinic with the slug ("": the default clinic)
	// and its lines; an unknown slug fails with queue.CodeClinicNotFound.
	ClinicRooms(ctx context.Context, slug string) (queue.ClinicRooms, error)
	// LineClinics returns the clinic (as rooms name it) of each line that exists.
	LineClinics(ctx context.Context, lines []string) (map[string]string, error)
}

var _ ClinicReader = (*queue.Service)(nil)

// codeForbidden refuses a staff join the authorization hook does not allow.
const codeForbidden = auth.CodeForbidden

// clinicReader is the configured ClinicReader, or Patients when it is one;
// nil when there is neither.
func (s *Server) clinicReader() ClinicReader {
	if s.cfg.Clinics != nil {
		return s.cfg.Clinics
	}
	cr, _ := s.cfg.Patients.(ClinicReader)
	return cr
}

// clinicNamed reports whether a join's argument names a clinic (a non-empty
// "clinic"), as opposed to leaving it to the default.
func clinicNamed(opts map[string]json.RawMessage) bool {
	var slug string
	return json.Unmarshal(opts["clinic"], &slug) == nil && strings.TrimSpace(slug) != ""
}

// joinClinic reads the clinic a join names — the "clinic" field of its object
// argument, a slug; absent, null or "": the default clinic — and answers the
// join's error itself when it is malformed (VALIDATION_ERROR) or unknown
// (CLINIC_NOT_FOUND). ok is false then.
func (c *conn) joinClinic(ctx context.Context, opts map[string]json.RawMessage, ack engineio.Ack) (cl queue.ClinicRooms, ok bool) {
	var slug string
	if raw := opts["clinic"]; len(raw) > 0 && string(raw) != "null" {
		if json.Unmarshal(raw, &slug) != nil {
			c.fail(ack, codeValidation, "clinic must be a clinic's slug")
			return cl, false
		}
		slug = strings.TrimSpace(slug)
	}
	cr := c.srv.clinicReader()
	if cr == nil {
		// No clinics to read: the deployment is its default clinic.
		if slug != "" {
			c.fail(ack, queue.CodeClinicNotFound, "Clinic not found")
			return cl, false
		}
		cl.Slug = queue.DefaultClinicSlug
		if lr := c.srv.lineReader(); lr != nil {
			var err error
			if cl.Lines, err = lr.LineIDs(ctx); err != nil {
				c.failErr(ack, err)
				return cl, false
			}
		}
		return cl, true
	}
	cl, err := cr.ClinicRooms(ctx, slug)
	if err != nil {
		c.failErr(ack, err)
		return cl, false
	}
	return cl, true
}

// mayJoinStaff applies Config.MayJoinClinic to a staff join of clinic cl.
func (s *Server) mayJoinStaff(u auth.User, cl queue.ClinicRooms) bool {
	return s.cfg.MayJoinClinic == nil || s.cfg.MayJoinClinic(u, cl.ID, cl.Slug)
}

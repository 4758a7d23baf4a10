package web

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"smartwait/internal/auth"
	"smartwait/internal/queue"
)

// Staff and clinics (docs/clinics.md, "Staff and clinics"): every staff
// route acts on a line, a ticket (its line's clinic), a room, a clinic or the
// deployment. The handlers name their target to one of the allow* checks
// here, which resolve its clinic and hold it against the account's grants
// (auth.User.MayUse); the listings ask scopeOf which clinics to show.
//
// A deployment admin passes every check without a lookup; anyone else costs
// one read-only lookup per check. Refusals: a ticket of another clinic is
// 404 PATIENT_NOT_FOUND, as an unknown one (a patient id is a capability,
// and its existence is not confirmed to strangers); a line, room or clinic
// the account may not use is 403 FORBIDDEN (their slugs and names are
// public anyway: GET /api/lines, the clinics' pages).

// forbiddenClinic is the refusal of a line, room or clinic the account may
// not act at with the role the route needs.
func forbiddenClinic() error {
	return &apiError{code: auth.CodeForbidden, message: "Your account may not act at this clinic"}
}

// requestUser is the request's staff account; ok is false without a session.
func requestUser(r *http.Request) (auth.User, bool) {
	st, ok := staffFrom(r.Context())
	return st.User, ok
}

// mayAll reports whether the request's account acts at every clinic, so no
// clinic need be looked up.
func mayAll(r *http.Request) bool {
	u, ok := requestUser(r)
	return ok && u.DeploymentAdmin()
}

// allowClinic lets the request act at the clinic with role need.
func allowClinic(r *http.Request, clinicID int64, need auth.Role) error {
	if u, ok := requestUser(r); ok && u.MayUse(clinicID, need) {
		return nil
	}
	return forbiddenClinic()
}

// allowLine lets the request act on line ("" = the default line) with role
// need. An unknown line passes: the operation answers it in its own words
// (LINE_NOT_FOUND, or a check-in's VALIDATION_ERROR), and touches nothing.
func (s *Server) allowLine(r *http.Request, line string, need auth.Role) error {
	if mayAll(r) {
		return nil
	}
	id, err := s.d.Queue.LineClinicID(r.Context(), line)
	var qe *queue.Error
	if errors.As(err, &qe) && qe.Code == queue.CodeLineNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	return allowClinic(r, id, need)
}

// allowTicket lets the request act on the ticket with role need; a ticket of
// a clinic the account may not act at is 404 PATIENT_NOT_FOUND, as an
// unknown one is (the operation itself answers that).
func (s *Server) allowTicket(r *http.Request, id string, need auth.Role) error {
	if mayAll(r) {
		return nil
	}
	ids, err := s.d.Queue.TicketClinicIDs(r.Context(), id)
	if err != nil {
		return err
	}
	c, known := ids[id]
	if !known {
		return nil // unknown: the operation answers PATIENT_NOT_FOUND itself
	}
	if allowClinic(r, c, need) != nil {
		return queue.PatientNotFound()
	}
	return nil
}

// ticketScope is the context for an operation on a ticket: the operation
// checks, inside its own transaction and with the lines locked, that every
// line it changes is at one of the account's clinics (queue.WithClinics), and
// answers another clinic's ticket 404 as an unknown one. A check before the
// operation, in a read of its own, would cost a transaction and still let a
// ticket transferred to another clinic in between be changed. A deployment
// admin's context is left as it is.
func ticketScope(r *http.Request, need auth.Role) context.Context {
	u, ok := requestUser(r)
	if !ok || u.DeploymentAdmin() {
		return r.Context()
	}
	return queue.WithClinics(r.Context(), func(id int64) bool { return u.MayUse(id, need) },
		queue.PatientNotFound())
}

// allowRoom lets the request act on the room with role need; an unknown room
// is the room routes' 404.
func (s *Server) allowRoom(r *http.Request, name string, need auth.Role) error {
	if mayAll(r) {
		return nil
	}
	id, err := s.d.Queue.RoomClinicID(r.Context(), name)
	if err != nil {
		return err
	}
	return allowClinic(r, id, need)
}

// allowCall lets the request call the next patient for req: at the room's
// clinic, or the line's. This is call-next's one extra lookup.
func (s *Server) allowCall(r *http.Request, req queue.CallRequest) error {
	if mayAll(r) {
		return nil
	}
	id, err := s.d.Queue.CallClinicID(r.Context(), req)
	if err != nil || id == 0 { // 0: Call refuses the request itself
		return err
	}
	return allowClinic(r, id, auth.RoleStaff)
}

// mayJoinClinic is the staff stream's grant check: Realtime.MayJoinClinic,
// else ClinicGate — a server wired without the hook still keeps each account
// to its clinics.
func (s *Server) mayJoinClinic() func(u auth.User, clinicID int64, clinicSlug string) bool {
	if s.d.Realtime.MayJoinClinic != nil {
		return s.d.Realtime.MayJoinClinic
	}
	return ClinicGate()
}

// deploymentOnly lets through only deployment admins, and answers anyone
// else (a clinic admin too) 403 FORBIDDEN "Only admins may manage <what>";
// it runs inside requireStaff. For what is the whole deployment's: clinics,
// webhooks, the audit log, erasure, the real-time test.
func deploymentOnly(what string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !mayAll(r) {
				forbidden(w, r, what)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// clinicScope is the clinics a listing shows: all, or those in ids.
type clinicScope struct {
	all bool
	ids []int64
}

// has reports whether the scope shows the clinic.
func (c clinicScope) has(id int64) bool { return c.all || slices.Contains(c.ids, queue.ClinicIDOf(id)) }

// scopeOf is the clinics the request's account may act at with role need.
func scopeOf(r *http.Request, need auth.Role) clinicScope {
	u, ok := requestUser(r)
	if !ok {
		return clinicScope{}
	}
	return userScope(u, need)
}

// userScope is the clinics u may act at with role need, for a request whose
// account is not (yet) in its context: the login form, the kiosk page.
func userScope(u auth.User, need auth.Role) clinicScope {
	ids, all := u.Clinics(need)
	return clinicScope{all: all, ids: ids}
}

// scopeLines is the lines of the scope, by position; nil when the scope is
// every clinic (queue.Service.Queues' "every line"), never nil otherwise.
func (s *Server) scopeLines(ctx context.Context, sc clinicScope) ([]string, error) {
	if sc.all {
		return nil, nil
	}
	lcs, err := s.d.Queue.AllLineClinics(ctx)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, lc := range lcs {
		if sc.has(lc.ClinicID) {
			out = append(out, lc.Line)
		}
	}
	return out, nil
}

// ownMessages keeps the texts of tickets at the request's clinics: the SMS
// log of an account bound to some clinics.
func (s *Server) ownMessages(r *http.Request, ms []queue.Message) ([]queue.Message, error) {
	sc := scopeOf(r, auth.RoleStaff)
	if sc.all || len(ms) == 0 {
		return ms, nil
	}
	seen := map[string]bool{}
	ids := make([]string, 0, len(ms))
	for _, m := range ms {
		if !seen[m.TicketID] {
			seen[m.TicketID] = true
			ids = append(ids, m.TicketID)
		}
	}
	clinics, err := s.d.Queue.TicketClinicIDs(r.Context(), ids...)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(ms, func(m queue.Message) bool {
		c, known := clinics[m.TicketID]
		return !known || !sc.has(c)
	}), nil
}

// ClinicGate returns the grant check of staff rooms and streams, for the
// MayJoinClinic hooks of the Socket.IO server and the SSE staff stream
// (socketio.Config, Realtime): it reports whether u may follow the staff
// events of the clinic with the id — a staff role there, or higher. The
// transports have already looked the clinic up (an unknown one never reaches
// the gate), so the check reads nothing.
func ClinicGate() func(u auth.User, clinicID int64, clinicSlug string) bool {
	return func(u auth.User, clinicID int64, _ string) bool {
		return u.DeploymentAdmin() || u.MayUse(queue.ClinicIDOf(clinicID), auth.RoleStaff)
	}
}

// ownRooms keeps the dashboard's rooms of the scope's clinics.
func (s *Server) ownRooms(r *http.Request, sc clinicScope, rooms []staffRoom) ([]staffRoom, error) {
	if sc.all {
		return rooms, nil
	}
	all, err := s.d.Queue.Rooms(r.Context())
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(rooms, func(sr staffRoom) bool {
		i := slices.IndexFunc(all, func(rm queue.Room) bool { return rm.Name == sr.Name })
		return i < 0 || !sc.has(all[i].ClinicID)
	}), nil
}

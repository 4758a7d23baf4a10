package web

import (
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"smartwait/internal/auth"
	"smartwait/internal/queue"
)

// Rooms (docs/api.md, "Lines and rooms"): where patients are called to, and
// the lines each serves in order of preference. Any staff member may open or
// close a room; everything else about rooms is the admin's.

// roomFields are the fields of a room's PATCH; POST takes all but position.
var roomFields = fieldSpec{"name": kindString, "lines": kindStrings, "open": kindBool, "position": kindInt}

// newRoomFields are POST's: clinic is the slug of the room's clinic (default:
// the default clinic), which cannot change afterwards.
var newRoomFields = fieldSpec{"name": kindString, "lines": kindStrings, "open": kindBool, "clinic": kindString}

// handleRooms serves GET /api/staff/rooms: every room, by position.
func (s *Server) handleRooms() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rooms, err := s.d.Queue.Rooms(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		sc := scopeOf(r, auth.RoleStaff)
		rooms = slices.DeleteFunc(rooms, func(rm queue.Room) bool { return !sc.has(rm.ClinicID) })
		clinics, err := s.clinicSlugs(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out := make([]roomView, len(rooms))
		for i, rm := range rooms {
			out[i] = newRoomView(rm, clinics)
		}
		list(w, out)
	})
}

// handleCreateRoom serves POST /api/staff/rooms (admin) {name, lines, open?,
// clinic?}: 201 with the room, open unless open is false; 404
// CLINIC_NOT_FOUND for an unknown clinic.
func (s *Server) handleCreateRoom() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := decodeTyped(r, newRoomFields)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		rm := queue.Room{Name: deref(b.str("name")), Open: true}
		if l := b.strings("lines"); l != nil {
			rm.Lines = *l
		}
		if o := b.boolean("open"); o != nil {
			rm.Open = *o
		}
		if err := checkRoomName(rm.Name); err != nil {
			s.fail(w, r, err)
			return
		}
		clinics, err := s.clinicSlugs(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if rm.ClinicID, err = clinicIn(clinics, b.str("clinic")); err != nil {
			s.fail(w, r, err)
			return
		}
		if err := allowClinic(r, queue.ClinicIDOf(rm.ClinicID), auth.RoleAdmin); err != nil {
			s.fail(w, r, err)
			return
		}
		if rm, err = s.d.Queue.CreateRoom(r.Context(), rm); err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusCreated, envelope{Success: true, Data: newRoomView(rm, clinics), Message: "Room " + rm.Name + " created"})
	})
}

// handleUpdateRoom serves PATCH /api/staff/rooms/{name}: {open} from any staff
// member; name, lines and position from an admin only (403 FORBIDDEN).
func (s *Server) handleUpdateRoom() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := decodeTyped(r, roomFields)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p := queue.RoomPatch{Name: b.str("name"), Lines: b.strings("lines"), Open: b.boolean("open"), Position: b.integer("position")}
		if !p.OnlyOpen() && !isAdmin(r) {
			forbidden(w, r, "rooms; staff may only open or close one")
			return
		}
		need := auth.RoleStaff
		if !p.OnlyOpen() {
			need = auth.RoleAdmin
		}
		if err := s.allowRoom(r, r.PathValue("name"), need); err != nil {
			s.fail(w, r, err)
			return
		}
		if p.Name != nil {
			if err := checkRoomName(*p.Name); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		clinics, err := s.clinicSlugs(r.Context()) // read first: the answer of a done change cannot fail
		if err != nil {
			s.fail(w, r, err)
			return
		}
		rm, err := s.d.Queue.UpdateRoom(r.Context(), r.PathValue("name"), p)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		msg := "Room " + rm.Name + " updated"
		switch {
		case !p.OnlyOpen() || p.Open == nil:
		case *p.Open:
			msg = "Room " + rm.Name + " opened"
		default:
			msg = "Room " + rm.Name + " closed"
		}
		ok(w, newRoomView(rm, clinics), msg)
	})
}

// handleDeleteRoom serves DELETE /api/staff/rooms/{name} (admin).
func (s *Server) handleDeleteRoom() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		if err := s.allowRoom(r, name, auth.RoleAdmin); err != nil {
			s.fail(w, r, err)
			return
		}
		if err := s.d.Queue.DeleteRoom(r.Context(), name); err != nil {
			s.fail(w, r, err)
			return
		}
		ok(w, nil, "Room "+name+" deleted")
	})
}

// checkRoomName adds the HTTP layer's rules to the Service's (1-64 bytes, no
// control characters): at most maxRoomLen characters, the bound call-next puts
// on the room it sends into an SMS, so that every room can be called; and no
// '/', so that every room can be named in a path.
func checkRoomName(name string) error {
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > maxRoomLen || strings.Contains(name, "/") {
		return invalidField("name", "name must be at most %d characters, without '/'", maxRoomLen)
	}
	return nil
}

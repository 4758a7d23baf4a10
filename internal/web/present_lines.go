package web

import (
	"time"

	"smartwait/internal/queue"
)

// The JSON shapes of lines and rooms (docs/api.md, "Lines and rooms").

// publicLineView is a line as GET /api/lines shows it to patients: no
// settings, only what picking a line needs. open is whether it takes
// check-ins now; opensAt, when it does not, its next opening by its hours
// (absent when unknown). clinic is the slug of the line's clinic.
type publicLineView struct {
	Slug          string   `json:"slug"`
	Clinic        string   `json:"clinic"`
	Name          string   `json:"name"`
	Prefix        string   `json:"prefix"`
	Open          bool     `json:"open"`
	Waiting       int      `json:"waiting"`
	EstimatedWait int      `json:"estimatedWait"`
	OpensAt       jsonTime `json:"opensAt,omitzero"`
}

func newPublicLineView(l queue.LineStatus) publicLineView {
	return publicLineView{
		Slug: l.ID, Clinic: l.Clinic.Slug, Name: l.Name, Prefix: l.Prefix, Open: l.OpenNow,
		Waiting: l.Waiting, EstimatedWait: l.EstimatedWait, OpensAt: jsonTime(l.OpensAt),
	}
}

// lineView is a line as staff see it: every setting (open is the staff's
// flag, openNow whether it takes remote check-ins now, which also depends on
// its hours; appointments whether booked patients are due at their
// appointment), its figures, and the open rooms that serve it. visitMinutes and
// getReadyPosition are 0 when the line uses the deployment's; hours is null
// when the line has none (open whenever its flag is set). clinic is the slug
// of the line's clinic.
type lineView struct {
	Slug             string            `json:"slug"`
	Clinic           string            `json:"clinic"`
	Name             string            `json:"name"`
	Prefix           string            `json:"prefix"`
	Open             bool              `json:"open"`
	OpenNow          bool              `json:"openNow"`
	Public           bool              `json:"public"`
	Appointments     bool              `json:"appointments"`
	Position         int               `json:"position"`
	VisitMinutes     int               `json:"visitMinutes"`
	GetReadyPosition int               `json:"getReadyPosition"`
	GraceMinutes     int               `json:"graceMinutes"`
	Hours            map[string]string `json:"hours"`
	Waiting          int               `json:"waiting"`
	Called           int               `json:"called"`
	EstimatedWait    int               `json:"estimatedWait"`
	Rooms            []string          `json:"rooms"`
	OpensAt          jsonTime          `json:"opensAt,omitzero"`
}

// newLineView presents l; rooms are every room, of which the open ones that
// serve l are listed.
func newLineView(l queue.LineStatus, rooms []queue.Room) lineView {
	v := lineView{
		Slug: l.ID, Clinic: l.Clinic.Slug, Name: l.Name, Prefix: l.Prefix, Open: l.Open, OpenNow: l.OpenNow,
		Public: l.Public, Appointments: l.Appointments, Position: l.Position,
		VisitMinutes: int(l.VisitPrior / time.Minute), GetReadyPosition: l.GetReady,
		GraceMinutes: int(l.Grace / time.Minute), Hours: l.Hours.Map(),
		Waiting: l.Waiting, Called: l.Called, EstimatedWait: l.EstimatedWait,
		Rooms: []string{}, OpensAt: jsonTime(l.OpensAt),
	}
	for _, r := range rooms {
		if r.Open && r.Serves(l.ID) {
			v.Rooms = append(v.Rooms, r.Name)
		}
	}
	return v
}

// roomView is a room: the lines it serves, slugs in order of preference,
// and the slug of its clinic, whose lines only it may serve.
type roomView struct {
	Name     string   `json:"name"`
	Clinic   string   `json:"clinic"`
	Lines    []string `json:"lines"`
	Open     bool     `json:"open"`
	Position int      `json:"position"`
}

// newRoomView presents r; clinics maps clinic ids to slugs (clinicSlugs).
func newRoomView(r queue.Room, clinics map[int64]string) roomView {
	lines := r.Lines
	if lines == nil {
		lines = []string{}
	}
	return roomView{Name: r.Name, Clinic: clinics[queue.ClinicIDOf(r.ClinicID)], Lines: lines, Open: r.Open, Position: r.Position}
}

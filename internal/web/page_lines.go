package web

import (
	"cmp"
	"context"
	"strings"

	"smartwait/internal/i18n"
	"smartwait/internal/queue"
)

// The lines as a patient's pages show them (docs/lines.md, "Pages"): the line
// picker of the check-in page and the kiosk. A clinic with one public line sees
// no picker at all — the page is the one-line page it always was.

// lineChoice is one public line in a patient's line picker.
type lineChoice struct {
	Slug, Name string
	Open       bool   // takes check-ins now
	Opens      string // when closed: "opens Monday at 08:00"; "" when unknown
	Waiting    int
	Wait       int    // minutes quoted to someone checking in now
	Meta       string // what the picker says under the name: "3 waiting · about 20 min", "Closed · opens …"
	Closed     string // the line in a list of closed ones: "X-ray: closed, opens Monday at 08:00"
}

// linePicker is what a patient's page shows of the public lines.
type linePicker struct {
	Lines []lineChoice // every public line, by position
	// Show says the patient picks: more than one public line is open.
	Show bool
	// Only, when exactly one of several public lines is open, is that line's
	// slug: the form sends it without asking (the others are shown closed).
	Only     string
	OnlyName string
}

// Several reports whether the clinic has more than one public line, so the
// page says which lines exist even when it does not ask.
func (p linePicker) Several() bool { return len(p.Lines) > 1 }

// linePicker reads the public lines of site t now, worded by lp, their
// opening times in the clinic's time zone.
func (s *Server) linePicker(ctx context.Context, lp *i18n.Printer, t site) (linePicker, error) {
	lines, err := s.siteLines(ctx, t, true)
	if err != nil {
		return linePicker{}, err
	}
	now := s.now()
	var p linePicker
	var open []lineChoice
	for _, l := range lines {
		c := lineChoice{Slug: l.ID, Name: l.Name, Open: l.OpenNow, Waiting: l.Waiting, Wait: l.EstimatedWait}
		if !l.OpenNow && !l.OpensAt.IsZero() {
			c.Opens = lp.T("pages.lines.opens", "when", s.when(lp, l.OpensAt, now, s.d.Queue.ClinicLocation(l.Queue)))
		}
		switch {
		case c.Open:
			c.Meta = lp.T("pages.lines.meta", "n", c.Waiting, "minutes", c.Wait)
		case c.Opens != "":
			c.Meta = lp.T("pages.lines.closedOpens", "opens", c.Opens)
		default:
			c.Meta = lp.T("pages.lines.closed")
		}
		c.Closed = lp.T("pages.checkin.lineClosed", "line", c.Name)
		if c.Opens != "" {
			c.Closed = lp.T("pages.checkin.lineClosedOpens", "line", c.Name, "opens", c.Opens)
		}
		if c.Open {
			open = append(open, c)
		}
		p.Lines = append(p.Lines, c)
	}
	switch {
	case len(p.Lines) <= 1:
		p.Lines = nil // one line: today's page
	case len(open) > 1:
		p.Show = true
	case len(open) == 1:
		p.Only, p.OnlyName = open[0].Slug, open[0].Name
	}
	return p, nil
}

// staffRoom is a room as the staff's pages show it.
type staffRoom struct {
	Name   string
	Open   bool
	Serves string // the names of its lines, in its order of preference
}

// linesAndRooms reads every line and every room, for the staff's pages.
func (s *Server) linesAndRooms(ctx context.Context) ([]queue.LineStatus, []staffRoom, error) {
	lines, err := s.d.Queue.Lines(ctx, false)
	if err != nil {
		return nil, nil, err
	}
	rooms, err := s.d.Queue.Rooms(ctx)
	if err != nil {
		return nil, nil, err
	}
	names := make(map[string]string, len(lines))
	for _, l := range lines {
		names[l.ID] = l.Name
	}
	out := make([]staffRoom, 0, len(rooms))
	for _, rm := range rooms {
		serves := make([]string, 0, len(rm.Lines))
		for _, l := range rm.Lines {
			serves = append(serves, cmp.Or(names[l], l))
		}
		out = append(out, staffRoom{Name: rm.Name, Open: rm.Open, Serves: strings.Join(serves, ", ")})
	}
	return lines, out, nil
}

// weekdays are the API's weekday keys from Monday; their short names are the
// catalogue's staff.hours.short.<key>.
var weekdays = [7]string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// hoursText words a line's opening hours for the admin, runs of days with the
// same hours together: "Mon–Fri 08:00-17:00; Sat 09:00-12:00". admin-setup.js
// has the same, from the same messages, for what it draws from the API.
func hoursText(p *i18n.Printer, h queue.Hours) string {
	m := h.Map()
	if m == nil {
		return p.T("staff.hours.none")
	}
	var parts []string
	for i := 0; i < len(weekdays); {
		span := m[weekdays[i]]
		j := i
		for j+1 < len(weekdays) && m[weekdays[j+1]] == span {
			j++
		}
		if span != "" {
			days := p.T("staff.hours.short." + weekdays[i])
			if j > i {
				days = p.T("staff.hours.days", "first", days, "last", p.T("staff.hours.short."+weekdays[j]))
			}
			parts = append(parts, p.T("staff.hours.span", "days", days, "hours", span))
		}
		i = j + 1
	}
	if len(parts) == 0 {
		return p.T("staff.hours.closed")
	}
	return strings.Join(parts, "; ")
}

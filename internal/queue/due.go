package queue

import (
	"fmt"
	"strings"
	"time"
)

// Error codes of lines (docs/lines.md).
const (
	CodeLineClosed   = "LINE_CLOSED"    // the line takes no remote check-ins now, or a room serves no open line
	CodeLineFull     = "LINE_FULL"      // a new arrival's wait would end after the line closes
	CodeLineNotEmpty = "LINE_NOT_EMPTY" // a line with active tickets cannot be deleted
	CodeNotWaiting   = "NOT_WAITING"    // the operation needs a waiting ticket
	CodeCannotMove   = "CANNOT_MOVE"    // no order key is left between two tickets (docs/lines.md)
	CodeRoomClosed   = "ROOM_CLOSED"    // call-next from a room that is closed
	CodeLineNotFound = "LINE_NOT_FOUND" // the line or room named in the path does not exist
)

// dueAt is when a patient checking in at now with the given appointment is due
// (docs/lines.md): the appointment time today if it parses as a time of day and
// now is no later than grace after it — early arrivals wait for their time, on-time
// ones go ahead of the walk-ins who came after their slot began — else now.
func (s *Service) dueAt(appointment string, now time.Time, grace time.Duration, loc *time.Location) time.Time {
	min, ok := parseAppointment(appointment)
	if !ok {
		return now
	}
	l := now.In(loc)
	at := time.Date(l.Year(), l.Month(), l.Day(), min/60, min%60, 0, 0, loc).UTC()
	if now.After(at.Add(grace)) {
		return now
	}
	return at
}

// parseAppointment reads an appointment time of day: "14:30", "9:05", and the
// 12-hour forms "2:30 PM", "2:30pm", "2pm". Anything else is a note, not a time.
func parseAppointment(s string) (int, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	pm, am := strings.HasSuffix(s, "pm"), strings.HasSuffix(s, "am")
	if !pm && !am {
		return ParseClock(s)
	}
	s = strings.TrimSpace(s[:len(s)-2])
	s = strings.TrimSuffix(s, ".") // "2:30 pm." → "2:30" ("p.m." is not read: a note)
	if !strings.Contains(s, ":") {
		s += ":00"
	}
	m, ok := ParseClock(s)
	if !ok || m < 60 || m >= 13*60 { // 1:00 … 12:59
		return 0, false
	}
	h := m / 60 % 12
	if pm {
		h += 12
	}
	return h*60 + m%60, true
}

// admitting refuses a remote check-in into a line that is not taking patients
// at now: closed by staff, or outside its opening hours.
func (s *Service) admitting(q Queue, now time.Time) error {
	if !q.Open {
		return s.closedError(q, now)
	}
	if q.Hours.Set {
		if _, ok := s.closingAt(q, now); !ok {
			return s.closedError(q, now)
		}
	}
	return nil
}

// fitsBeforeClosing refuses a remote check-in whose quoted wait of waitMin
// minutes would end after the line closes today.
func (s *Service) fitsBeforeClosing(q Queue, now time.Time, waitMin int) error {
	closes, ok := s.closingAt(q, now)
	if !ok || !now.Add(time.Duration(waitMin)*time.Minute).After(closes) {
		return nil
	}
	msg := fmt.Sprintf("The wait for %s would run past closing at %s today.", q.Name, closes.In(s.ClinicLocation(q)).Format("15:04"))
	if opens, ok := s.OpensAt(q, closes); ok {
		msg += " Please come back " + s.WhenAt(opens, now, s.ClinicLocation(q)) + "."
	} else {
		msg += " Please come back another day."
	}
	return &Error{Code: CodeLineFull, Message: msg}
}

func (s *Service) closedError(q Queue, now time.Time) error {
	msg := fmt.Sprintf("%s is closed.", q.Name)
	if opens, ok := s.OpensAt(q, now); ok {
		msg = fmt.Sprintf("%s is closed. It opens %s.", q.Name, s.WhenAt(opens, now, s.ClinicLocation(q)))
	}
	return &Error{Code: CodeLineClosed, Message: msg}
}

// closingAt is the end of the opening span of q's hours that now falls in; false
// when now is outside every span (and when q has no hours).
func (s *Service) closingAt(q Queue, now time.Time) (time.Time, bool) {
	if !q.Hours.Set {
		return time.Time{}, false
	}
	loc := s.ClinicLocation(q)
	l := now.In(loc)
	sp := q.Hours.Days[l.Weekday()]
	minute := l.Hour()*60 + l.Minute()
	if sp.IsZero() || minute < sp.Open || minute >= sp.Close {
		return time.Time{}, false
	}
	return atMinute(l, sp.Close, loc), true
}

// OpensAt is the next time at or after from when line q opens by its hours, or
// false when it has none (no hours at all, or no open day). A line closed by
// staff has no known opening time unless its hours give one.
func (s *Service) OpensAt(q Queue, from time.Time) (time.Time, bool) {
	if !q.Hours.Set {
		return time.Time{}, false
	}
	loc := s.ClinicLocation(q)
	l := from.In(loc)
	for d := 0; d < 8; d++ {
		day := l.AddDate(0, 0, d)
		sp := q.Hours.Days[day.Weekday()]
		if sp.IsZero() {
			continue
		}
		at := atMinute(day, sp.Open, loc)
		if at.After(from) || at.Equal(from) {
			return at, true
		}
	}
	return time.Time{}, false
}

// atMinute is minute m (after midnight) of the local day of l.
func atMinute(l time.Time, m int, loc *time.Location) time.Time {
	return time.Date(l.Year(), l.Month(), l.Day(), 0, m, 0, 0, loc).UTC()
}

// When words a coming time for a patient in the default clinic's time zone,
// as the closed-line messages and the pages do: "today at 13:00", "tomorrow
// at 08:00", "Monday at 08:00".
func (s *Service) When(at, now time.Time) string { return s.WhenAt(at, now, s.location()) }

// WhenAt is When in time zone loc (a line's clinic's: ClinicLocation).
func (s *Service) WhenAt(at, now time.Time, loc *time.Location) string {
	la, ln := at.In(loc), now.In(loc)
	sameDay := func(a, b time.Time) bool { return a.Year() == b.Year() && a.YearDay() == b.YearDay() }
	clock := la.Format("15:04")
	switch {
	case sameDay(la, ln):
		return "today at " + clock
	case sameDay(la, ln.AddDate(0, 0, 1)):
		return "tomorrow at " + clock
	}
	return la.Weekday().String() + " at " + clock
}

package queue

import (
	"slices"
	"time"
)

// A room is open on the dashboard until staff close it, and one whose staff
// went home without closing it would still divide the work ahead. So the
// estimator watches what the rooms do: a room that stays free for longer than
// its line's usual turnaround while patients wait has stopped serving, and
// counts again the moment it calls someone. Nothing is inferred when staff do
// not name rooms as they call.

// minGrace is the least time a room may stay free while patients wait before
// it stops counting: calling the next patient takes a minute or two even in a
// clinic that learned none.
const minGrace = 3 * time.Minute

// estimatorAt is the estimator line q uses at now, whose active tickets are
// active: LineEstimator, less the rooms that have gone quiet.
func (s *Service) estimatorAt(q Queue, active []Ticket, f Fit, now time.Time) Estimator {
	e := s.LineEstimator(q)
	if n, ok := workingRooms(active, f, now); ok && n < e.rooms() {
		e.Rooms = max(n, 1)
	}
	return e
}

// workingRooms counts the rooms that serve line q now: those with a called
// patient among active, and the named rooms that have not stood free for
// longer than the grace while a patient waited. ok is false when nothing can
// be told: no room is named, or none has stood free that long.
//
// A room has stood free while a patient waited when the head of the line has
// waited longer than the grace after the room's last finish — or a patient
// since called or gone did: once a room has stood free that long, it stays
// quiet until it calls again, so a patient who checks in to an empty line is
// not told that a quiet room is free for them. A room that finished none of
// the recent tickets counts only once it calls.
func workingRooms(active []Ticket, f Fit, now time.Time) (int, bool) {
	if len(f.rooms) == 0 || f.grace <= 0 {
		return 0, false
	}
	head := firstWaiting(active)
	called := active
	if head >= 0 {
		called = active[:head] // the called, all before the waiting
	}
	// stoodFree reports whether a patient of active waited longer than the
	// grace after a room last finished at 'at'.
	stoodFree := func(at time.Time) bool {
		if head >= 0 && now.Sub(later(waitStart(active[head]), at)) > f.grace {
			return true
		}
		for _, t := range called {
			if t.Status == StatusCalled && t.CalledAt.Sub(later(waitStart(t), at)) > f.grace {
				return true
			}
		}
		return false
	}
	var names []string
	for _, t := range called {
		if t.Status == StatusCalled && t.Room != "" && !slices.Contains(names, t.Room) {
			names = append(names, t.Room)
		}
	}
	quiet := f.othersIdle || stoodFree(f.since)
	for _, r := range f.rooms {
		switch {
		case slices.Contains(names, r.name):
		case r.idle || stoodFree(r.at):
			quiet = true
		default:
			names = append(names, r.name)
		}
	}
	return len(names), quiet && len(names) > 0
}

// waitStart is when t began to wait: its check-in, or its appointment when it
// came early.
func waitStart(t Ticket) time.Time {
	return later(t.CheckInTime, t.DueAt)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// roomSeen is when a room last finished a ticket, and whether a finished
// ticket has since waited longer than the grace while the room stood free.
type roomSeen struct {
	name string
	at   time.Time
	idle bool
}

// learnRooms sets f.rooms from finished (newest first): each named room's
// latest finish, newest first, and whether a walk-in among finished waited
// longer than f.grace after it — until called, or until they left. A room
// that finished none of them has been free since the oldest finish, f.since;
// f.othersIdle says whether a walk-in waited that long after it.
func (f *Fit) learnRooms(finished []Finished) {
	for _, x := range finished {
		if f.since.IsZero() || x.At.Before(f.since) {
			f.since = x.At
		}
		if x.Room == "" || slices.ContainsFunc(f.rooms, func(r roomSeen) bool { return r.name == x.Room }) {
			continue
		}
		f.rooms = append(f.rooms, roomSeen{name: x.Room, at: x.At})
	}
	for _, x := range finished {
		if !x.WalkIn {
			continue // a booked patient's wait began at a time not kept here
		}
		waitEnd := x.At.Add(-max(x.Held, 0)) // called, or left
		stoodFree := func(at time.Time) bool { return waitEnd.Sub(later(x.CheckIn, at)) > f.grace }
		for i := range f.rooms {
			f.rooms[i].idle = f.rooms[i].idle || stoodFree(f.rooms[i].at)
		}
		f.othersIdle = f.othersIdle || stoodFree(f.since)
	}
}

// grace is how long a room of this line may stay free while patients wait
// before it counts as quiet: twice the 90th percentile of its learned
// turnarounds — from a room's finish to its next call of this line, when the
// patient called had already checked in, walk-in, as the room freed — at least
// minGrace and at most a typical visit, mean (issue 14: a room quiet for longer
// than its typical visit stops counting). A clinic that writes notes between
// patients learns a longer grace; so does a room shared with another line,
// whose visits there show as turnarounds here. With fewer than five
// turnarounds seen, a typical visit.
func grace(finished []Finished, mean time.Duration) time.Duration {
	gaps := turnarounds(finished)
	if len(gaps) < 5 {
		return mean
	}
	slices.Sort(gaps)
	return min(max(2*gaps[quantileIndex(len(gaps), 0.9)], minGrace), mean)
}

// turnarounds returns, per named room, the time from each finish among
// finished to that room's next call, where a walk-in called next was already
// waiting when the room freed.
func turnarounds(finished []Finished) []time.Duration {
	byRoom := map[string][]Finished{}
	for _, x := range finished {
		if x.Room != "" && x.Held > 0 {
			byRoom[x.Room] = append(byRoom[x.Room], x)
		}
	}
	var gaps []time.Duration
	for _, xs := range byRoom {
		slices.SortFunc(xs, func(a, b Finished) int { return a.At.Compare(b.At) })
		for i := 1; i < len(xs); i++ {
			prev, next := xs[i-1], xs[i]
			called := next.At.Add(-next.Held)
			if gap := called.Sub(prev.At); gap >= 0 && next.WalkIn && !next.CheckIn.After(prev.At) {
				gaps = append(gaps, gap)
			}
		}
	}
	return gaps
}

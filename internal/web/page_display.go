package web

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"time"

	"smartwait/internal/events"
	"smartwait/internal/queue"
)

// recentCalls is how many past calls the waiting-room display lists.
const recentCalls = 5

// DisplayCall is one call as the waiting-room display shows it: a ticket number and
// a room, never a patient id, name or phone.
type DisplayCall struct {
	TicketNumber string   `json:"ticketNumber"`
	Room         string   `json:"room"`
	CalledAt     jsonTime `json:"calledAt"`
}

// DisplayView is GET /api/display: queue-level facts for the waiting-room TV and
// anyone else without credentials. It is built field by field from ticket numbers,
// rooms, counts and times only, so nothing private can slip into it.
type DisplayView struct {
	NowServing  *DisplayCall  `json:"nowServing"`  // the latest call still in service; null when none
	RecentCalls []DisplayCall `json:"recentCalls"` // latest first, up to recentCalls, NowServing included
	Waiting     int           `json:"waiting"`
	InService   int           `json:"inService"`
	TypicalWait int           `json:"typicalWait"` // minutes someone checking in now would likely wait
	UpdatedAt   jsonTime      `json:"updatedAt"`
}

// LastCall identifies the latest call as the display's script does
// ("A-014@2026-11-28T10:00:00.000Z"), so a call that lands between the page's
// rendering and the script's first refresh still chimes.
func (v DisplayView) LastCall() string {
	if len(v.RecentCalls) == 0 {
		return ""
	}
	c := v.RecentCalls[0]
	return c.TicketNumber + "@" + time.Time(c.CalledAt).UTC().Format(events.TimeFormat)
}

// display builds the display's view of the default queue.
func (s *Server) display(ctx context.Context) (DisplayView, error) {
	today, err := s.d.Queue.Today(ctx, "")
	if err != nil {
		return DisplayView{}, err
	}
	st, err := s.d.Queue.Stats(ctx, "")
	if err != nil {
		return DisplayView{}, err
	}
	v := DisplayView{Waiting: st.TotalWaiting, InService: st.TotalCalled, RecentCalls: []DisplayCall{}, UpdatedAt: jsonTime(s.now())}
	called := slices.DeleteFunc(today, func(e queue.Entry) bool { return e.CalledAt.IsZero() })
	slices.SortFunc(called, func(a, b queue.Entry) int { return cmp.Compare(b.CalledAt.UnixNano(), a.CalledAt.UnixNano()) })
	for i, e := range called {
		c := DisplayCall{TicketNumber: e.Number, Room: e.Room, CalledAt: jsonTime(e.CalledAt)}
		if v.NowServing == nil && e.Status == queue.StatusCalled {
			v.NowServing = &c
		}
		if i < recentCalls {
			v.RecentCalls = append(v.RecentCalls, c)
		}
	}
	service := time.Duration(st.ServiceTime * float64(time.Minute))
	v.TypicalWait = s.d.Queue.Config.Estimator.Wait(st.TotalWaiting+1, st.TotalCalled, service)
	return v, nil
}

// handleDisplayAPI serves GET /api/display (no credentials: queue-level facts
// only). Its tag is weak and leaves updatedAt out of the hash: two answers
// that differ only in when they were built are the same to the display.
func (s *Server) handleDisplayAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		version, err := s.queueVersion(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v, err := s.display(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		key := v
		key.UpdatedAt = jsonTime{}
		writeTagged(w, r, tagged{version: version, weak: true, key: key, cache: cachePublic}, envelope{Success: true, Data: v})
	})
}

// handleDisplayPage serves GET /display, rendered with the current state so the TV
// shows something right even before its script connects.
func (s *Server) handleDisplayPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := s.display(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "display", page{Title: "Now serving", Body: "display", NoBar: true,
			Scripts: []string{"js/live.js", "js/alerts.js", "js/display.js"}, Data: v})
	})
}

package web

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"smartwait/internal/events"
	"smartwait/internal/queue"
)

// recentCalls is how many past calls the waiting-room display lists.
const recentCalls = 5

// DisplayCall is one call as the waiting-room display shows it: a ticket number, a
// room and the line, never a patient id, name or phone.
type DisplayCall struct {
	TicketNumber string   `json:"ticketNumber"`
	Room         string   `json:"room"`
	CalledAt     jsonTime `json:"calledAt"`
	Line         string   `json:"line"`
}

// DisplayView is GET /api/display[?lines=a,lab]: queue-level facts for the
// waiting-room TV and anyone else without credentials, of every line or of the
// lines named. It is built field by field from ticket numbers, rooms, counts and
// times only, so nothing private can slip into it. The top-level fields are
// those of the lines together (as they were of the one line before lines);
// Lines has each line's own.
type DisplayView struct {
	NowServing  *DisplayCall  `json:"nowServing"`  // the latest call still in service; null when none
	RecentCalls []DisplayCall `json:"recentCalls"` // latest first, up to recentCalls, NowServing included
	Waiting     int           `json:"waiting"`
	InService   int           `json:"inService"`
	TypicalWait int           `json:"typicalWait"` // minutes someone checking in now would likely wait (the first line's)
	Lines       []DisplayLine `json:"lines"`       // by position
	UpdatedAt   jsonTime      `json:"updatedAt"`
}

// DisplayLine is one line on the display: who is being served, from which
// room, and how long a new arrival would wait.
type DisplayLine struct {
	Slug        string        `json:"slug"`
	Name        string        `json:"name"`
	Waiting     int           `json:"waiting"`
	TypicalWait int           `json:"typicalWait"`
	Serving     []DisplayCall `json:"serving"` // the calls still in service, latest first
	Version     int64         `json:"version"` // the line's version this reflects, as its events count it
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

// Grouped reports whether the display shows its lines one by one.
func (v DisplayView) Grouped() bool { return len(v.Lines) > 1 }

// display builds the display's view of the lines follow names, or of every
// line of clinic (an id) when follow is nil, and the sum of their versions
// (the view changes whenever one of them does). With a clinic, the lines
// followed must be its own (else VALIDATION_ERROR on lines); clinic 0 follows
// lines of any clinic. A line that does not exist is LINE_NOT_FOUND.
func (s *Server) display(ctx context.Context, clinic int64, follow []string) (DisplayView, int64, error) {
	lines, err := s.d.Queue.LinesToday(ctx, follow)
	if err != nil {
		return DisplayView{}, 0, err
	}
	if clinic != 0 {
		for _, l := range lines {
			if follow != nil && l.ClinicID() != clinic {
				// As GET /api/events/display refuses it.
				return DisplayView{}, 0, invalidField("lines", "line %q is not a line of this clinic", l.ID)
			}
		}
		lines = slices.DeleteFunc(lines, func(l queue.LineDay) bool { return l.ClinicID() != clinic })
	}
	v := DisplayView{RecentCalls: []DisplayCall{}, Lines: make([]DisplayLine, 0, len(lines)), UpdatedAt: jsonTime(s.now())}
	var version int64
	var called []queue.Entry
	for i, l := range lines {
		today := l.Today
		version += l.Version
		v.Waiting += l.Waiting
		v.InService += l.Called
		// As the display's events carry it (queue.Service.TypicalWait): time
		// alone does not change it, nor the answer's tag.
		wait := s.d.Queue.TypicalWait(l.Queue, l.Waiting, l.Called)
		if i == 0 {
			v.TypicalWait = wait
		}
		dl := DisplayLine{Slug: l.ID, Name: l.Name, Waiting: l.Waiting, TypicalWait: wait, Serving: []DisplayCall{}, Version: l.Version}
		for _, e := range latestCallsFirst(today) {
			called = append(called, e)
			if e.Status == queue.StatusCalled {
				dl.Serving = append(dl.Serving, displayCall(e))
			}
		}
		v.Lines = append(v.Lines, dl)
	}
	for i, e := range latestCallsFirst(called) {
		c := displayCall(e)
		if v.NowServing == nil && e.Status == queue.StatusCalled {
			v.NowServing = &c
		}
		if i < recentCalls {
			v.RecentCalls = append(v.RecentCalls, c)
		}
	}
	return v, version, nil
}

// latestCallsFirst keeps the entries that were called and orders them latest
// call first.
func latestCallsFirst(entries []queue.Entry) []queue.Entry {
	called := slices.DeleteFunc(slices.Clone(entries), func(e queue.Entry) bool { return e.CalledAt.IsZero() })
	slices.SortStableFunc(called, func(a, b queue.Entry) int { return cmp.Compare(b.CalledAt.UnixNano(), a.CalledAt.UnixNano()) })
	return called
}

func displayCall(e queue.Entry) DisplayCall {
	return DisplayCall{TicketNumber: e.Number, Room: e.Room, CalledAt: jsonTime(e.CalledAt), Line: e.QueueID}
}

// handleDisplayAPI serves GET /api/display[?clinic=north][&lines=a,lab] (no
// credentials: queue-level facts only): the lines named, else every line of
// the clinic named, else of the default clinic. Its tag is weak and leaves
// updatedAt out of the hash: two answers that differ only in when they were
// built are the same to the display.
func (s *Server) handleDisplayAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		follow, err := displayLines(r.URL.Query().Get("lines"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		clinic, err := s.displayClinic(r.Context(), r.URL.Query().Get("clinic"), follow)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v, version, err := s.display(r.Context(), clinic, follow)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		key := v
		key.UpdatedAt = jsonTime{}
		writeTagged(w, r, tagged{version: version, weak: true, key: key, cache: cachePublic}, envelope{Success: true, Data: v})
	})
}

// displayClinic is the clinic (an id) a display of GET /api/display
// follows: the one ?clinic= names (an unknown slug is CLINIC_NOT_FOUND); else,
// when it names no lines either, the default clinic; else 0, the lines named
// whichever clinic they are of.
func (s *Server) displayClinic(ctx context.Context, slug string, follow []string) (int64, error) {
	if slug != "" {
		c, err := s.d.Queue.Clinic(ctx, slug)
		return c.ID, err
	}
	if follow == nil {
		return queue.DefaultClinicID, nil
	}
	return 0, nil
}

// displayData is the display page: the view, and the lines it follows as
// the page's URL names them ("" for every line).
type displayData struct {
	DisplayView
	Follow string
	// Speak is the languages the display says each call in, in turn: those
	// of ?lang=en,es, or the page's.
	Speak string
}

// handleDisplayPage serves GET /display[?lines=a,lab] and a clinic's GET
// /c/{slug}/display[?lines=a,lab], rendered with the current state so the TV
// shows something right even before its script connects: the clinic's lines
// (the unprefixed page: the default clinic's, or the lines named). A line
// that does not exist is a 404 page that says which; one of another clinic,
// a 400 page.
func (s *Server) handleDisplayPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, ok := s.pageSite(w, r)
		if !ok {
			return
		}
		follow, err := displayLines(r.URL.Query().Get("lines"))
		clinic := t.Clinic.ID
		if !t.prefixed() && follow != nil {
			clinic = 0 // today's /display?lines=: the lines, whichever clinic
		}
		var v DisplayView
		if err == nil {
			v, _, err = s.display(r.Context(), clinic, follow)
		}
		if err != nil {
			status, info := classify(err)
			if status >= 500 {
				s.fail(w, r, err)
				return
			}
			lp, _ := s.pageLanguage(w, r, "")
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(lp.T("pages.display.notFound", "reason", info.Message+" ("+info.Code+")") + "\n"))
			return
		}
		p, speak := s.patientPage(w, r, "", sitePage(page{Body: "display", NoBar: true,
			Scripts: []string{"js/live.js", "js/alerts.js", "js/display.js"}}, t))
		if len(speak) == 0 {
			speak = []string{p.L.Lang()}
		}
		p.Title = p.L.T("pages.display.title")
		p.Data = displayData{DisplayView: v, Follow: strings.Join(follow, ","), Speak: strings.Join(speak, ",")}
		p.Text = scriptText(p.L, "pages.display")
		// What each spoken language says, under speech.<lang>.
		for _, l := range speak {
			for k, m := range s.catalog.Printer(l).Section("pages.speech.") {
				p.Text["speech."+l+"."+k] = m
			}
		}
		s.render(w, r, http.StatusOK, "display", p)
	})
}

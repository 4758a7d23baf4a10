package web

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"smartwait/internal/i18n"
	"smartwait/internal/queue"
)

// checkinData is the check-in page: the form's values and, after a refused post,
// the error per field (keyed by the API's field names) or for the whole form.
type checkinData struct {
	Name, Phone, AppointmentTime string
	Line                         string // the line picked, a slug
	Errors                       map[string]string
	FormError                    string
	Lines                        linePicker // the line picker; empty with one public line
	Language                     string     // the page's language, sent with the form
	Action                       string     // where the form posts: /checkin, or /c/{slug}/checkin
	Clinic                       string     // the clinic's slug, sent with the form; "" for the default clinic
}

// handleCheckinPage serves GET / and GET /checkin, and a clinic's GET
// /c/{slug}/ and /c/{slug}/checkin: the check-in form with the clinic's
// public lines.
func (s *Server) handleCheckinPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, ok := s.pageSite(w, r)
		if !ok {
			return
		}
		p, _ := s.patientPage(w, r, "", sitePage(page{}, t))
		lines, err := s.linePicker(r.Context(), p.L, t)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "checkin", s.checkinPage(p, checkinData{Lines: lines, Clinic: t.roomSlug()}))
	})
}

// checkinPage is the check-in page p (in its language) showing d.
func (s *Server) checkinPage(p page, d checkinData) page {
	d.Language = p.L.Lang()
	d.Action = p.Home + "/checkin"
	p.Title, p.Body, p.Data = p.L.T("pages.checkin.title"), "patient", d
	p.Scripts = []string{"js/pwa.js", "js/live.js", "js/checkin.js"}
	p.Text = scriptText(p.L, "pages.checkin")
	return p
}

// handleCheckinForm serves POST /checkin and a clinic's POST
// /c/{slug}/checkin, the form without JavaScript: the same
// validation and rules as POST /api/checkin, then a redirect to the status page
// (post/redirect/get, so a reload does not check in twice), or the form again
// with the API's error next to the field it names.
func (s *Server) handleCheckinForm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.sameOrigin(r) {
			s.refuseCrossOrigin(w, r)
			return
		}
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				http.Error(w, "Request body too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "Could not read the form", http.StatusBadRequest)
			return
		}
		t, ok := s.pageSite(w, r)
		if !ok {
			return
		}
		vals, _ := url.ParseQuery(string(raw))
		d := checkinData{Name: vals.Get("name"), Phone: vals.Get("phone"), AppointmentTime: vals.Get("appointmentTime"), Line: vals.Get("line"), Clinic: t.roomSlug()}
		// The form says the language it was shown in; it wins over the
		// cookie and the browser, so a refusal reads as the form did.
		p, _ := s.patientPage(w, r, "", sitePage(page{}, t))
		if l := vals.Get("language"); s.catalog.Supports(l) {
			p.L, p.Langs = s.catalog.Printer(l), s.langLinks(r, l, nil)
		}
		if d.Lines, err = s.linePicker(r.Context(), p.L, t); err != nil {
			s.fail(w, r, err)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(raw))
		req, err := decodeCheckIn(r, s.d.Queue.Config.PhoneRegion, true)
		if err == nil && d.Lines.Show && d.Line == "" {
			// Several lines are open and the patient chose none: the default
			// line would be a guess.
			err = invalidField("line", "choose the line you are here for")
		}
		if err == nil && t.prefixed() {
			// A clinic's form: the line must be the clinic's (the path
			// decides the clinic, not the form's hidden field), and no
			// line is the clinic's first public line.
			// (The form's own field: the request's is the default line
			// when the form names none.)
			req.QueueID, err = s.d.Queue.CheckInLine(r.Context(), t.Clinic.Slug, strings.TrimSpace(d.Line))
		}
		var e queue.Entry
		if err == nil {
			err = s.observe("check_in", func() (err error) {
				e, err = s.d.Queue.CheckIn(r.Context(), req)
				return err
			})
		}
		if err != nil {
			status, info := classify(err)
			if status >= 500 {
				s.fail(w, r, err) // logs it with the request id
				return
			}
			setRetryAfter(w, err)
			d.Errors = map[string]string{}
			field, msg := checkinError(p.L, err, info)
			if field != "" {
				d.Errors[field] = msg
			} else {
				d.FormError = msg
			}
			s.render(w, r, status, "checkin", s.checkinPage(p, d))
			return
		}
		http.Redirect(w, r, t.Home+"/status/"+e.ID, http.StatusSeeOther)
	})
}

// statusData is the status page, rendered with the state at load time so the page
// is right before any script runs; the script keeps it live.
type statusData struct {
	Found         bool
	ID            string
	Ticket        string
	Status        string // the API's status
	Stage         string // waiting, ready, called, done, gone
	Position      int
	EstimatedWait int
	// EstimatedWaitLow..High is the range the wait will likely fall in.
	EstimatedWaitLow, EstimatedWaitHigh int
	QueueLength                         int
	Room                                string
	Ready                               bool   // the get-ready notice went out (docs/sms.md)
	Version                             int64  // the line's version this state is at: the script's gap check starts here
	Line                                string // the ticket's line: versions count per line
	StageTitle, StageDetail             string // the headline and what to do, in the page's language
}

// handleStatusPage serves GET /status/{patientId} and a clinic's GET
// /c/{slug}/status/{patientId}. The URL is the patient's bookmark; an unknown
// id shows a "not found" page with status 404, and so does a patient of
// another clinic under /c/{slug}/, so the URL tells nothing. The unprefixed
// page shows any patient (the texts link there) as their own clinic's page.
func (s *Server) handleStatusPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, ok := s.pageSite(w, r)
		if !ok {
			return
		}
		st, err := s.d.Queue.Status(r.Context(), r.PathValue("id"))
		if err == nil {
			st, t, err = s.statusSite(r.Context(), st, t)
		}
		var d statusData
		status := http.StatusOK
		var qe *queue.Error
		switch {
		case errors.As(err, &qe) && qe.Code == queue.CodePatientNotFound:
			status = http.StatusNotFound
		case err != nil:
			s.fail(w, r, err)
			return
		default:
			d = statusData{
				Found: true, ID: st.ID, Ticket: st.Number, Status: string(st.Status),
				Position: st.Position, EstimatedWait: st.EstimatedWait, QueueLength: st.QueueLength,
				EstimatedWaitLow: st.EstimatedWaitLow, EstimatedWaitHigh: st.EstimatedWaitHigh,
				Room: st.Room, Ready: !st.ReadyAt.IsZero(), Version: st.Version, Line: st.QueueID,
			}
			d.Stage = stageOf(st.Status, d.Ready)
		}
		p, _ := s.patientPage(w, r, ticketLanguage(st), sitePage(page{Body: "patient"}, t))
		p.Title = p.L.T("pages.status.titleNotFound")
		if d.Found {
			p.Title = p.L.T("pages.status.title", "ticket", d.Ticket)
			d.StageTitle, d.StageDetail = stageText(p.L, d.Stage, d.Status, d.Room)
		}
		p.Scripts = []string{"js/pwa.js", "js/live.js", "js/alerts.js", "js/status.js"}
		p.Text, p.Data = scriptText(p.L, "pages.status"), d
		s.render(w, r, status, "status", p)
	})
}

// statusSite is the site a status page of st shows, asked for as page t: a
// patient of another clinic under /c/{slug}/ is PATIENT_NOT_FOUND (and st
// is forgotten, down to its language); the unprefixed page is the ticket's
// own clinic's. A ticket whose line is gone keeps the page it was asked on.
func (s *Server) statusSite(ctx context.Context, st queue.PatientStatus, t site) (queue.PatientStatus, site, error) {
	own, err := s.ticketSite(ctx, st.QueueID)
	var qe *queue.Error
	switch {
	case errors.As(err, &qe) && qe.Code == queue.CodeLineNotFound:
		if t.prefixed() {
			return queue.PatientStatus{}, t, queue.PatientNotFound()
		}
		return st, t, nil
	case err != nil:
		return st, t, err
	case !t.prefixed():
		return st, own, nil
	case own.Clinic.ID != t.Clinic.ID:
		return queue.PatientStatus{}, t, queue.PatientNotFound()
	}
	return st, t, nil
}

// ticketLanguage is the language the patient checked in with, "" when the
// ticket does not say (tickets from before languages).
func ticketLanguage(st queue.PatientStatus) string { return st.Language }

// stageText is a stage's headline and what to do, as status.js words them
// from the same messages.
func stageText(p *i18n.Printer, stage, status, room string) (title, detail string) {
	key := stage
	if stage == "gone" {
		key = "left"
		if status == string(queue.StatusNoShow) {
			key = "noShow"
		}
	}
	if stage != "called" {
		return p.T("pages.status." + key + ".title"), p.T("pages.status." + key + ".detail")
	}
	if room != "" {
		return p.T("pages.status.called.title"), p.T("pages.status.called.room", "room", room)
	}
	return p.T("pages.status.called.title"), p.T("pages.status.called.desk")
}

// stageOf is what the status page headlines. A waiting ticket is in the get-ready
// stage once the get-ready notice went out (docs/sms.md: near the front while
// someone is being served), so the page and the SMS never disagree.
func stageOf(st queue.Status, ready bool) string {
	switch st {
	case queue.StatusWaiting:
		if ready {
			return "ready"
		}
		return "waiting"
	case queue.StatusCalled:
		return "called"
	case queue.StatusCompleted:
		return "done"
	}
	return "gone" // no-show or cancelled
}

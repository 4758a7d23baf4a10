package web

import (
	"net/http"
	"time"

	"smartwait/internal/auth"
	"smartwait/internal/queue"
)

// waitPoint is one ticket of today on the staff's wait chart.
type waitPoint struct {
	TicketNumber  string   `json:"ticketNumber"`
	Status        string   `json:"status"`
	CheckInTime   jsonTime `json:"checkInTime"`
	CalledAt      jsonTime `json:"calledAt"`
	WaitMinutes   float64  `json:"waitMinutes"`   // check-in to call; to now while still waiting
	QuotedMinutes int      `json:"quotedMinutes"` // the estimate given at check-in
	StillWaiting  bool     `json:"stillWaiting"`
}

// handleWaits serves GET /api/staff/waits: every ticket of today (clinic time
// zone) with its actual and quoted wait, in check-in order, for the dashboard's
// chart of waits through the day. Tickets that left without being called
// (cancelled, or no-show from waiting) have no wait and are left out.
func (s *Server) handleWaits() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.allowLine(r, "", auth.RoleStaff); err != nil { // the default line's day
			s.fail(w, r, err)
			return
		}
		var today []queue.Entry
		err := s.observe("waits", func() (err error) {
			today, err = s.d.Queue.Today(r.Context(), "")
			return err
		})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		now := s.now()
		out := make([]waitPoint, 0, len(today))
		for _, e := range today {
			p := waitPoint{
				TicketNumber: e.Number, Status: string(e.Status),
				CheckInTime: jsonTime(e.CheckInTime), CalledAt: jsonTime(e.CalledAt),
				QuotedMinutes: e.QuotedWait,
			}
			switch {
			case !e.CalledAt.IsZero():
				p.WaitMinutes = roundMinutes(e.CalledAt.Sub(e.CheckInTime))
			case e.Status == queue.StatusWaiting:
				p.WaitMinutes, p.StillWaiting = roundMinutes(now.Sub(e.CheckInTime)), true
			default:
				continue
			}
			out = append(out, p)
		}
		list(w, out)
	})
}

func roundMinutes(d time.Duration) float64 {
	return float64(max(d, 0).Round(6*time.Second)) / float64(time.Minute)
}

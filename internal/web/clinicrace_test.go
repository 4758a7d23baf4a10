package web

import (
	"net/http"
	"sync"
	"testing"
)

// A clinic's staff completing a patient while a deployment admin transfers
// that patient to another clinic: one of the two wins, and the staff never
// changes a ticket that is already at the other clinic. The web layer checks
// the ticket's clinic before the operation; the operation checks its line's
// clinic again inside its transaction (ticketScope, queue.WithClinics), which
// closes the window between the two.
func TestClinicStaffCannotActOnATicketTransferredAway(t *testing.T) {
	w := newAuthzWorld(t)
	h := w.h
	for i := range 30 {
		id := h.checkInTo(w.main.line, "Race Patient", phone(100+i), "none").str(t, "data.patientId")
		var done, moved response
		var wg sync.WaitGroup
		start := make(chan struct{})
		wg.Go(func() {
			<-start
			done = w.as(mainStaff, "POST", "/api/staff/complete", jsonOf(t, map[string]string{"patientId": id}))
		})
		wg.Go(func() {
			<-start
			moved = w.as("root", "POST", "/api/staff/transfer", jsonOf(t, map[string]string{"patientId": id, "line": w.nth.line2}))
		})
		close(start)
		wg.Wait()
		var wantStatus, wantLine string
		switch {
		case done.Code == http.StatusOK && moved.Code == http.StatusConflict:
			wantStatus, wantLine = "completed", w.main.line
		case done.Code == http.StatusNotFound && moved.Code == http.StatusOK:
			// The transfer came first: main's staff no longer see the patient.
			wantStatus, wantLine = "waiting", w.nth.line2
		default:
			t.Fatalf("round %d: complete %d %s, transfer %d %s; want exactly one to succeed", i, done.Code, done.Raw, moved.Code, moved.Raw)
		}
		pos := h.do("GET", "/api/position/"+id, "").want(t, http.StatusOK)
		if st, line := pos.str(t, "data.status"), pos.str(t, "data.line"); st != wantStatus || line != wantLine {
			t.Fatalf("round %d: the patient is %s in %s, want %s in %s", i, st, line, wantStatus, wantLine)
		}
	}
}

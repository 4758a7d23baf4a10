package web

import (
	"net/http"
	"strings"
	"testing"

	"smartwait/internal/queue"
)

// TestCheckInLanguage: the check-in's language is optional, must be one the
// deployment speaks, is stored with the ticket and shown back to the patient
// and to the desk, and the patient's texts are written in it.
func TestCheckInLanguage(t *testing.T) {
	h := newHarness(t)
	for _, bad := range []string{`"fr"`, `"ES"`, `"spanish"`, `""`, `1`, `null`} {
		res := h.do("POST", "/api/checkin", `{"name":"Ana","phone":"`+phone(1)+`","appointmentTime":"9:30","language":`+bad+`}`)
		if bad == `""` {
			res.want(t, http.StatusCreated) // an empty language is no language: the default
			if got := res.str(t, "data.language"); got != "en" {
				t.Errorf(`language "": stored %q, want the default en`, got)
			}
			h.do("DELETE", "/api/checkin/"+res.str(t, "data.patientId"), "").want(t, 200)
			continue
		}
		res.wantError(t, http.StatusBadRequest, queue.CodeValidation)
		if bad == `"fr"` && !strings.Contains(res.Raw, "language") {
			t.Errorf("the error should name the field: %s", res.Raw)
		}
	}
	es := h.do("POST", "/api/checkin", `{"name":"María","phone":"`+phone(2)+`","appointmentTime":"9:30","language":"es"}`).want(t, 201)
	id := es.str(t, "data.patientId")
	if got := es.str(t, "data.language"); got != "es" {
		t.Errorf("201 language = %q", got)
	}
	if got := h.do("GET", "/api/position/"+id, "").want(t, 200).str(t, "data.language"); got != "es" {
		t.Errorf("position language = %q", got)
	}
	q := h.asStaff("GET", "/api/staff/queue", "").want(t, 200)
	if !strings.Contains(q.Raw, `"language":"es"`) {
		t.Errorf("the desk should see the patient's language: %s", q.Raw)
	}
	fd := h.asStaff("POST", "/api/staff/checkin", `{"name":"Lupe","language":"es"}`).want(t, 201)
	if got := fd.str(t, "data.language"); got != "es" {
		t.Errorf("front-desk check-in language = %q", got)
	}
	h.asStaff("POST", "/api/staff/checkin", `{"name":"Lupe","language":"xx"}`).wantError(t, http.StatusBadRequest, queue.CodeValidation)
}

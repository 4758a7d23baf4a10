package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"smartwait/internal/queue"
)

// A name carrying text-direction controls reads differently on the dashboard and
// the display than it was typed. Every path that takes free text refuses them:
// the JSON API, the check-in page's form and the staff's room.
func TestTextDirectionControlsRefused(t *testing.T) {
	h := newHarness(t)
	for i, bad := range []string{"\u202A", "\u202B", "\u202C", "\u202D", "\u202E", "\u2066", "\u2067", "\u2068", "\u2069", "\u200E", "\u200F", "\u061C"} {
		name := "Ana" + bad + "lirpA"
		body, _ := json.Marshal(map[string]string{"name": name, "phone": phone(i), "appointmentTime": "10:00"})
		res := h.do("POST", "/api/checkin", string(body)).wantError(t, http.StatusBadRequest, queue.CodeValidation)
		if res.str(t, "error.details.field") != "name" {
			t.Fatalf("%U: %s", []rune(bad)[0], res.Raw)
		}
		body, _ = json.Marshal(map[string]string{"name": "Ana", "phone": phone(i), "appointmentTime": "10:00" + bad})
		h.do("POST", "/api/checkin", string(body)).wantError(t, http.StatusBadRequest, queue.CodeValidation)

		page := h.form("/checkin", url.Values{"name": {name}, "phone": {phone(i)}, "appointmentTime": {"10:00"}})
		if page.Code != http.StatusBadRequest {
			t.Fatalf("%U in the page form: status %d", []rune(bad)[0], page.Code)
		}
	}
	h.checkIn("Ana", phone(100))
	room, _ := json.Marshal(map[string]string{"room": "Room \u202E2"})
	h.asStaff("POST", "/api/staff/call-next", string(room)).wantError(t, http.StatusBadRequest, queue.CodeValidation)
	if n := len(h.asStaff("GET", "/api/staff/queue", "").list(t, "data")); n != 1 {
		t.Fatalf("%d tickets, want only the clean one", n)
	}
	// Right-to-left names are welcome as they are.
	body, _ := json.Marshal(map[string]string{"name": "محمد علي", "phone": phone(101), "appointmentTime": "10:00"})
	h.do("POST", "/api/checkin", string(body)).want(t, http.StatusCreated)
}

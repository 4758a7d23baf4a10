package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
)

// Helpers for the tests of lines and rooms (issue 12).

// jsonOf is v as a JSON request body.
func jsonOf(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// addLine creates a line as the admin, with settings beside slug, name and
// prefix; it fails unless 201.
func (h *harness) addLine(slug, name, prefix string, settings map[string]any) response {
	h.tb.Helper()
	body := map[string]any{"slug": slug, "name": name, "prefix": prefix}
	for k, v := range settings {
		body[k] = v
	}
	return h.asAdmin("POST", "/api/staff/lines", jsonOf(h.tb, body)).want(h.tb, http.StatusCreated)
}

// addRoom creates an open room serving lines, as the admin; it fails unless 201.
func (h *harness) addRoom(name string, lines ...string) response {
	h.tb.Helper()
	return h.asAdmin("POST", "/api/staff/rooms", jsonOf(h.tb, map[string]any{"name": name, "lines": lines})).
		want(h.tb, http.StatusCreated)
}

// checkInTo checks a patient in to line with an appointment, and returns the
// whole 201 response.
func (h *harness) checkInTo(line, name, phone, appointment string) response {
	h.tb.Helper()
	body := jsonOf(h.tb, map[string]string{"name": name, "phone": phone, "appointmentTime": appointment, "line": line})
	return h.do("POST", "/api/checkin", body).want(h.tb, http.StatusCreated)
}

// positions returns each waiting patient's position in the staff queue of
// line, by patient id; called patients have position 0.
func (h *harness) positions(line string) map[string]int {
	h.tb.Helper()
	res := h.asStaff("GET", "/api/staff/queue?line="+line, "").want(h.tb, http.StatusOK)
	out := map[string]int{}
	for i := range res.list(h.tb, "data") {
		p := "data." + itoa(i) + "."
		if got := res.str(h.tb, p+"line"); got != line {
			h.tb.Fatalf("?line=%s lists an entry of line %s: %s", line, got, res.Raw)
		}
		out[res.str(h.tb, p+"patientId")] = res.num(h.tb, p+"position")
	}
	return out
}

// itoa is strconv.Itoa, short for building dotted paths.
func itoa(i int) string { return strconv.Itoa(i) }

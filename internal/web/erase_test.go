package web

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"smartwait/internal/sqlite/sqlitetest"
)

// TestErasePhone: an admin erases a number given in any form a check-in
// accepts; every table of the database file and the server's log are then
// free of its name and number, the SMS log shows its texts emptied (and still
// matches the API document), today's statistics are unchanged, and the
// trail names the number by its last two digits. A number still in the
// queue is refused, naming the ticket.
func TestErasePhone(t *testing.T) {
	h := newHarness(t)
	const name, other = "Zenobia Erasemenow", "Barnaby Keepme"
	ann := h.checkIn(name, phone(7))
	h.asStaff("POST", "/api/staff/call-next", "").want(t, http.StatusOK)
	h.clock.Add(10 * 60e9)
	h.asStaff("POST", "/api/staff/complete", jsonOf(t, map[string]string{"patientId": ann})).want(t, http.StatusOK)
	ben := h.checkIn(other, phone(8))
	stats := h.asStaff("GET", "/api/staff/stats", "").want(t, http.StatusOK).Body["data"]

	r := h.asAdmin("POST", "/api/staff/erase", `{"phone":"+1 415 200 0008"}`).wantError(t, http.StatusConflict, "TICKET_ACTIVE")
	if !strings.Contains(r.str(t, "error.message"), "A-002") {
		t.Errorf("refusal does not name the ticket: %s", r.Raw)
	}
	if e := h.lastEntry(); e.Action != "erase_phone" || e.Result != "TICKET_ACTIVE" || e.ID != "…08" {
		t.Errorf("refused erasure's entry: %+v", e)
	}
	h.asAdmin("POST", "/api/staff/erase", `{"phone":"555-0100"}`).wantError(t, http.StatusBadRequest, "VALIDATION_ERROR")
	h.asAdmin("POST", "/api/staff/erase", `{}`).wantError(t, http.StatusBadRequest, "VALIDATION_ERROR")
	h.asStaff("POST", "/api/staff/erase", `{"phone":"(415) 200-0007"}`).wantError(t, http.StatusForbidden, "FORBIDDEN")

	r = h.asAdmin("POST", "/api/staff/erase", `{"phone":"(415) 200-0007"}`).want(t, http.StatusOK)
	if r.str(t, "data.phone") != "…07" || r.num(t, "data.tickets") != 1 || r.num(t, "data.messages") < 2 {
		t.Errorf("erasure: %s", r.Raw)
	}
	if e := h.lastEntry(); e.Action != "erase_phone" || e.Result != "ok" || e.Kind != "phone" || e.ID != "…07" || e.Actor != "boss" {
		t.Errorf("erasure's entry: %+v", e)
	}
	for _, m := range h.asStaff("GET", "/api/staff/notifications?patientId="+ann, "").want(t, http.StatusOK).list(t, "data") {
		if m := m.(map[string]any); m["to"] != "" || m["body"] != "" {
			t.Errorf("text after the erasure: %v", m)
		}
	}
	if got := h.asStaff("GET", "/api/staff/stats", "").want(t, http.StatusOK).Body["data"]; jsonOf(t, got) != jsonOf(t, stats) {
		t.Errorf("stats changed:\nbefore %s\nafter  %s", jsonOf(t, stats), jsonOf(t, got))
	}
	cells, err := sqlitetest.Cells(context.Background(), h.db.Path())
	if err != nil {
		t.Fatal(err)
	}
	var kept bool
	for _, c := range cells {
		for _, bad := range []string{name, "Zenobia", phone(7), "4152000007"} {
			if strings.Contains(c.Value, bad) {
				t.Errorf("%s.%s still holds %q", c.Table, c.Column, bad)
			}
		}
		kept = kept || strings.Contains(c.Value, other)
	}
	if !kept {
		t.Error("the other patient was erased too")
	}
	for _, bad := range []string{name, "Zenobia", phone(7), "4152000007", "200-0007"} {
		if strings.Contains(h.logs.String(), bad) {
			t.Errorf("the log holds %q", bad)
		}
	}
	// The other patient's visit goes on; their ticket still reads.
	h.do("GET", "/api/position/"+ben, "").want(t, http.StatusOK)
	// And the erased number may check in again.
	h.checkIn("Zed Again", phone(7))
}

package web

import (
	"encoding/json"
	"net/http"
	"testing"

	"smartwait/internal/events"
)

// TestEventsCarryTheRange checks that position_update and get_ready carry the
// estimate's range, equal to what the position endpoint says.
func TestEventsCarryTheRange(t *testing.T) {
	rh := newRealtimeHarness(t)
	rh.checkIn("Ana", phone(1))
	b := rh.checkIn("Ben", phone(2))
	c := rh.checkIn("Cy", phone(3))
	rh.asStaff("POST", "/api/staff/call-next", `{}`).want(t, http.StatusOK)
	seen := map[string]bool{}
	for _, m := range rh.last().Messages {
		if m.Room != events.PatientRoom(b) && m.Room != events.PatientRoom(c) {
			continue
		}
		var p map[string]any
		if err := json.Unmarshal(m.Data, &p); err != nil {
			t.Fatal(err)
		}
		if p["type"] != "position_update" && p["type"] != "get_ready" {
			continue
		}
		low, lok := p["estimatedWaitLow"].(float64)
		wait, _ := p["estimatedWait"].(float64)
		high, hok := p["estimatedWaitHigh"].(float64)
		if !lok || !hok || !(low < wait && wait < high) {
			t.Errorf("%s %s: range %v..%v around %v", m.Room, p["type"], p["estimatedWaitLow"], p["estimatedWaitHigh"], wait)
		}
		id := b
		if m.Room == events.PatientRoom(c) {
			id = c
		}
		pos := rh.do("GET", "/api/position/"+id, "").want(t, http.StatusOK)
		if pos.num(t, "data.estimatedWaitLow") != int(low) || pos.num(t, "data.estimatedWaitHigh") != int(high) {
			t.Errorf("%s: event range %v..%v, position endpoint %s", m.Room, low, high, pos.Raw)
		}
		seen[m.Room+" "+p["type"].(string)] = true
	}
	if len(seen) != 4 { // both patients get a position_update and a get_ready
		t.Errorf("saw %v, want position_update and get_ready for both", seen)
	}
}

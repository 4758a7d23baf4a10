package web

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestEstimateRange checks that check-in and position responses carry the range
// of the estimate, and that staff stats carry the estimate's accuracy.
func TestEstimateRange(t *testing.T) {
	h := newHarness(t)
	res := h.do("POST", "/api/checkin", fmt.Sprintf(`{"name":"Ana","phone":%q,"appointmentTime":"9:00"}`, phone(1))).want(t, 201)
	if res.num(t, "data.estimatedWait") != 0 || res.num(t, "data.estimatedWaitLow") != 0 || res.num(t, "data.estimatedWaitHigh") != 0 {
		t.Fatalf("first patient in an idle clinic: %s", res.Raw)
	}
	a := res.str(t, "data.patientId")
	res = h.do("POST", "/api/checkin", fmt.Sprintf(`{"name":"Ben","phone":%q,"appointmentTime":"9:00"}`, phone(2))).want(t, 201)
	b := res.str(t, "data.patientId")
	low, wait, high := res.num(t, "data.estimatedWaitLow"), res.num(t, "data.estimatedWait"), res.num(t, "data.estimatedWaitHigh")
	if wait != 15 || !(low < wait && wait < high) {
		t.Fatalf("second patient: %d in %d..%d, want 15 inside a real range: %s", wait, low, high, res.Raw)
	}
	res = h.do("GET", "/api/position/"+b, "").want(t, 200)
	if res.num(t, "data.estimatedWaitLow") != low || res.num(t, "data.estimatedWaitHigh") != high {
		t.Fatalf("position range differs from the check-in's %d..%d: %s", low, high, res.Raw)
	}

	h.asStaff("POST", "/api/staff/call-next", `{}`).want(t, 200)
	h.clock.Add(20 * time.Minute)
	h.asStaff("POST", "/api/staff/complete", fmt.Sprintf(`{"patientId":%q}`, a)).want(t, 200)
	h.asStaff("POST", "/api/staff/call-next", `{}`).want(t, 200) // Ben waited 20, quoted 15
	h.clock.Add(5 * time.Minute)
	h.asStaff("POST", "/api/staff/complete", fmt.Sprintf(`{"patientId":%q}`, b)).want(t, 200)
	st := h.asStaff("GET", "/api/staff/stats", "").want(t, 200)
	if st.num(t, "data.estimateSamples") != 2 {
		t.Fatalf("stats: %s", st.Raw)
	}
	for f, want := range map[string]float64{"estimateMeanAbsError": 2.5, "estimateUnderShare": 0.5, "estimateLateShare": 0} {
		if v, _ := st.get("data." + f); v != want {
			t.Errorf("%s = %v, want %v: %s", f, v, want, st.Raw)
		}
	}
}

// TestStatusPageShowsTheRange checks that the patient's page renders the range
// beside the estimate, and hides it when there is none.
func TestStatusPageShowsTheRange(t *testing.T) {
	h := newHarness(t)
	first := h.checkIn("Ana", phone(1))
	second := h.checkIn("Ben", phone(2))
	pos := h.do("GET", "/api/position/"+second, "").want(t, 200)
	low, high := pos.num(t, "data.estimatedWaitLow"), pos.num(t, "data.estimatedWaitHigh")
	page := h.do("GET", "/status/"+second, "")
	wantPage(t, page, 200)
	want := fmt.Sprintf(`<span class="wait-range" id="wait-range">likely <span id="wait-low">%d</span>–<span id="wait-high">%d</span> min</span>`, low, high)
	if low >= high || !strings.Contains(page.Raw, want) {
		t.Errorf("status page lacks %s", want)
	}
	page = h.do("GET", "/status/"+first, "")
	wantPage(t, page, 200)
	if !strings.Contains(page.Raw, `id="wait-range" hidden`) {
		t.Error("the first patient's page (0 minutes, no range) shows a range")
	}
}

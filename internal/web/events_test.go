package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"smartwait/api/apitest"
	"smartwait/internal/events"
	"smartwait/internal/realtime"
	"smartwait/internal/realtime/brokertest"
)

// realtimeHarness is the harness with the real hub, a memory broker and the
// Events publisher wired as cmd/smartwait wires them, plus a recorder of every
// batch the broker delivers.
type realtimeHarness struct {
	*harness
	hub    *realtime.Hub
	broker *realtime.MemoryBroker
	rec    *brokertest.Recorder
}

func newRealtimeHarness(tb testing.TB, opts ...func(*Deps)) *realtimeHarness {
	tb.Helper()
	return newRealtimeHarnessHub(tb, realtime.Config{}, opts...)
}

func newRealtimeHarnessHub(tb testing.TB, hubCfg realtime.Config, opts ...func(*Deps)) *realtimeHarness {
	tb.Helper()
	bus := realtime.NewMemoryBus()
	hub := realtime.NewHub(hubCfg)
	broker := bus.Broker()
	if err := broker.Start(tb.Context(), hub); err != nil {
		tb.Fatal(err)
	}
	// A second instance on the same bus records what every instance receives.
	rec := brokertest.NewRecorder()
	if err := bus.Broker().Start(tb.Context(), rec); err != nil {
		tb.Fatal(err)
	}
	rh := &realtimeHarness{hub: hub, broker: broker, rec: rec}
	opts = append([]func(*Deps){func(d *Deps) {
		d.Queue.Publisher = &Events{Broker: broker, Log: d.Log}
		d.Realtime = Realtime{Hub: hub, Broker: broker}
		d.Auth.OnLogout = func(ids ...string) { _ = realtime.EndSessions(broker, ids...) }
	}}, opts...)
	rh.harness = newHarness(tb, opts...)
	tb.Cleanup(hub.Close)
	// Every event any instance received, streamed or not, matches its schema.
	tb.Cleanup(func() {
		chk, _ := apitest.Shared() // newHarness failed already if it cannot be built
		for _, b := range rec.Batches() {
			for _, m := range b.Messages {
				if m.Event == realtime.EventSessionEnded {
					continue // internal: it closes connections, no client receives it
				}
				if err := chk.Event(m.Event, m.Data); err != nil {
					tb.Errorf("API document mismatch: %v", err)
				}
			}
		}
	})
	return rh
}

// last returns the most recent batch, failing if there is none.
func (rh *realtimeHarness) last() realtime.Batch {
	rh.tb.Helper()
	b := rh.rec.Batches()
	if len(b) == 0 {
		rh.tb.Fatal("no batch was published")
	}
	return b[len(b)-1]
}

func describe(b realtime.Batch, names map[string]string) []string {
	var out []string
	for _, m := range b.Messages {
		room := m.Room
		if id, ok := strings.CutPrefix(room, "patient_"); ok {
			room = "patient_" + names[id]
		}
		out = append(out, m.ID+" "+room+" "+m.Event)
	}
	return out
}

func TestEventSequencesPerOperation(t *testing.T) {
	rh := newRealtimeHarness(t)
	names := map[string]string{}
	ids := map[string]string{}
	for i, n := range []string{"A", "B", "C"} {
		id := rh.checkIn("Patient "+n, phone(i))
		names[id], ids[n] = n, id
	}
	steps := []struct {
		name string
		op   func() response
		want []string
	}{
		{"call-next", func() response { return rh.asStaff("POST", "/api/staff/call-next", `{"room":"3"}`) }, []string{
			"4-1 staff queue_update",
			"4-2 patient_A patient_called", "4-3 patient_A position_update",
			"4-4 patient_B position_update", "4-5 patient_C position_update",
			"4-6 patient_B get_ready", "4-7 patient_C get_ready",
			"4-8 patients queue_update", "4-9 display queue_update", "4-10 display_default queue_update",
		}},
		{"recall", func() response { return rh.asStaff("POST", "/api/staff/recall", `{"patientId":"`+ids["A"]+`"}`) }, []string{
			"5-1 staff queue_update", "5-2 patient_A patient_called", "5-3 patients queue_update", "5-4 display queue_update", "5-5 display_default queue_update",
		}},
		{"complete", func() response { return rh.asStaff("POST", "/api/staff/complete", `{"patientId":"`+ids["A"]+`"}`) }, []string{
			"6-1 staff queue_update", "6-2 staff queue_refresh",
			"6-3 patient_A position_update", "6-4 patient_B position_update", "6-5 patient_C position_update",
			"6-6 patients queue_update", "6-7 display queue_update", "6-8 display_default queue_update",
		}},
		{"no-show", func() response { return rh.asStaff("POST", "/api/staff/no-show", `{"patientId":"`+ids["B"]+`"}`) }, []string{
			"7-1 staff queue_update", "7-2 staff queue_refresh",
			"7-3 patient_B position_update", "7-4 patient_C position_update",
			"7-5 patients queue_update", "7-6 display queue_update", "7-7 display_default queue_update",
		}},
		{"cancel", func() response { return rh.do("DELETE", "/api/checkin/"+ids["C"], "") }, []string{
			"8-1 staff queue_update", "8-2 staff queue_refresh", "8-3 patient_C position_update",
			"8-4 patients queue_update", "8-5 display queue_update", "8-6 display_default queue_update",
		}},
	}
	// The check-ins: new_patient and the updates, and the patient's own position.
	for i, b := range rh.rec.Batches() {
		v := i + 1
		id := fmt.Sprint(v)
		want := []string{id + "-1 staff new_patient", id + "-2 staff queue_update",
			id + "-3 patient_" + string(rune('A'+i)) + " position_update", id + "-4 patients queue_update", id + "-5 display queue_update",
			id + "-6 display_default queue_update"}
		if got := describe(b, names); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("check-in %d:\n got %v\nwant %v", v, got, want)
		}
	}
	for _, st := range steps {
		st.op().want(t, http.StatusOK)
		if got := describe(rh.last(), names); fmt.Sprint(got) != fmt.Sprint(st.want) {
			t.Errorf("%s:\n got %v\nwant %v", st.name, got, st.want)
		}
	}
}

// payload decodes message i of batch b.
func payload(tb testing.TB, b realtime.Batch, i int) map[string]any {
	tb.Helper()
	var p map[string]any
	if err := json.Unmarshal(b.Messages[i].Data, &p); err != nil {
		tb.Fatal(err)
	}
	return p
}

func TestEventPayloads(t *testing.T) {
	rh := newRealtimeHarness(t)
	a := rh.checkIn("José García", "+14155552671")
	checkin := rh.last()
	np := payload(t, checkin, 0)
	patient := np["patient"].(map[string]any)
	if np["type"] != "new_patient" || patient["id"] != a || patient["name"] != "José García" || patient["phone"] != "+14155552671" ||
		patient["position"] != 1.0 || patient["estimatedWait"] != 0.0 || patient["ticketNumber"] != "A-001" ||
		patient["checkInTime"] != "2026-11-28T09:00:00.000Z" || np["timestamp"] != "2026-11-28T09:00:00.000Z" {
		t.Errorf("new_patient = %v", np)
	}
	if su := payload(t, checkin, 1); su["type"] != "position_change" || su["patientId"] != a || su["newPosition"] != 1.0 || su["version"] != 1.0 {
		t.Errorf("staff queue_update = %v", su)
	}
	wantPublic := `{"type":"position_change","queueLength":1,"timestamp":"2026-11-28T09:00:00.000Z","version":1,"line":"default"}`
	// The display rooms' payload adds the line's typical wait for a new
	// arrival (one waiting ahead: one visit of the 15-minute prior).
	wantDisplay := strings.TrimSuffix(wantPublic, "}") + `,"typicalWait":15}`
	for i, want := range map[int]string{3: wantPublic, 4: wantDisplay, 5: wantDisplay} {
		if got := string(checkin.Messages[i].Data); got != want {
			t.Errorf("%s queue_update = %s, want %s", checkin.Messages[i].Room, got, want)
		}
	}
	if pu := payload(t, checkin, 2); pu["type"] != "position_update" || pu["patientId"] != a || pu["position"] != 1.0 ||
		pu["estimatedWait"] != 0.0 || pu["status"] != "waiting" || pu["version"] != 1.0 {
		t.Errorf("position_update = %v", pu)
	}

	b := rh.checkIn("Ben", phone(1))
	rh.asStaff("POST", "/api/staff/call-next", `{"room":"Room 2"}`).want(t, http.StatusOK)
	call := rh.last()
	if pub := string(call.Messages[len(call.Messages)-3].Data); pub != `{"type":"patient_called","queueLength":1,"nowServing":"A-001","timestamp":"2026-11-28T09:00:00.000Z","version":3,"line":"default"}` {
		t.Errorf("patients queue_update = %s", pub)
	}
	// The display learns which ticket went to which room, and the typical
	// wait GET /api/display gives (one waiting behind one just called: two
	// visits of 15 minutes).
	wantCall := `{"type":"patient_called","queueLength":1,"nowServing":"A-001","timestamp":"2026-11-28T09:00:00.000Z","version":3,"line":"default","ticketNumber":"A-001","room":"Room 2","typicalWait":30}`
	for _, m := range call.Messages[len(call.Messages)-2:] {
		if got := string(m.Data); got != wantCall {
			t.Errorf("%s queue_update = %s, want %s", m.Room, got, wantCall)
		}
	}
	if d := rh.do("GET", "/api/display", "").want(t, http.StatusOK); d.num(t, "data.typicalWait") != 30 || d.num(t, "data.lines.0.typicalWait") != 30 {
		t.Errorf("GET /api/display disagrees with the event: %s", d.Raw)
	}
	pc := payload(t, call, 1)
	if pc["type"] != "patient_called" || pc["room"] != "Room 2" || !strings.Contains(pc["message"].(string), "your turn") ||
		!strings.Contains(pc["message"].(string), "Room 2") {
		t.Errorf("patient_called = %v", pc)
	}
	gr := payload(t, call, len(call.Messages)-4)
	if call.Messages[len(call.Messages)-4].Room != events.PatientRoom(b) || gr["type"] != "get_ready" || gr["position"] != 1.0 ||
		gr["estimatedWait"] != 15.0 || !strings.Contains(gr["message"].(string), "get ready") {
		t.Errorf("get_ready = %v", gr)
	}

	rh.asStaff("POST", "/api/staff/complete", `{"patientId":"`+a+`"}`).want(t, http.StatusOK)
	done := rh.last()
	refresh := payload(t, done, 1)
	entries := refresh["data"].([]any)
	if refresh["type"] != "queue_refresh" || refresh["version"] != 4.0 || len(entries) != 1 {
		t.Fatalf("queue_refresh = %v", refresh)
	}
	// The same QueueEntry shape as GET /api/staff/queue.
	rest := rh.asStaff("GET", "/api/staff/queue", "").want(t, http.StatusOK)
	restEntry, _ := json.Marshal(rest.Body["data"].([]any)[0])
	eventEntry, _ := json.Marshal(entries[0])
	if string(restEntry) != string(eventEntry) {
		t.Errorf("queue_refresh entry\n%s\ndiffers from REST\n%s", eventEntry, restEntry)
	}
	if pu := payload(t, done, 2); pu["patientId"] != a || pu["status"] != "completed" || pu["position"] != 0.0 {
		t.Errorf("completed patient's position_update = %v", pu)
	}
}

// TestGetReadyOncePerTicket: a ticket gets get_ready once, however often the
// queue moves afterwards.
func TestGetReadyOncePerTicket(t *testing.T) {
	rh := newRealtimeHarness(t)
	for i := range 6 {
		rh.checkIn(fmt.Sprint("P", i), phone(i))
	}
	for range 5 {
		rh.asStaff("POST", "/api/staff/call-next", "").want(t, http.StatusOK)
	}
	count := map[string]int{}
	for _, b := range rh.rec.Batches() {
		for _, m := range b.Messages {
			if m.Event == events.GetReady {
				count[m.Room]++
			}
		}
	}
	if len(count) != 5 {
		t.Errorf("get_ready went to %d patients, want 5 (every ticket but the first called): %v", len(count), count)
	}
	for room, n := range count {
		if n != 1 {
			t.Errorf("%s got get_ready %d times", room, n)
		}
	}
}

// publicFields are the only fields a patients-room or display payload may have.
// line is the line's slug (issue 12): it names a line, never a patient.
var publicFields = map[string]bool{"type": true, "queueLength": true, "nowServing": true, "timestamp": true, "version": true, "line": true}

// displayFields are what the display rooms' payload adds (events.DisplayUpdate):
// a ticket number and a room, as the TV shows them, and the line's typical wait.
var displayFields = map[string]bool{"ticketNumber": true, "room": true, "typicalWait": true}

// TestPublicPayloadsNeverNamePatients runs a busy queue and scans every message
// for the patients room and the display.
func TestPublicPayloadsNeverNamePatients(t *testing.T) {
	rh := newRealtimeHarness(t)
	var secrets []string
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := range 15 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("Secret%d Person", i)
			id := rh.checkIn(name, phone(100+i))
			mu.Lock()
			secrets = append(secrets, id, fmt.Sprintf("Secret%d", i), phone(100+i), phone(100 + i)[2:])
			mu.Unlock()
		}()
	}
	wg.Wait()
	for range 5 {
		rh.asStaff("POST", "/api/staff/call-next", "").want(t, http.StatusOK)
	}
	q := rh.asStaff("GET", "/api/staff/queue", "").want(t, http.StatusOK)
	for i, e := range q.Body["data"].([]any) {
		id := e.(map[string]any)["patientId"].(string)
		switch i % 4 {
		case 0:
			rh.asStaff("POST", "/api/staff/complete", `{"patientId":"`+id+`"}`).want(t, http.StatusOK)
		case 1:
			rh.asStaff("POST", "/api/staff/no-show", `{"patientId":"`+id+`"}`).want(t, http.StatusOK)
		case 2:
			rh.do("DELETE", "/api/checkin/"+id, "").want(t, http.StatusOK)
		}
	}
	scanned := 0
	for _, b := range rh.rec.Batches() {
		for _, m := range b.Messages {
			if m.Room != events.RoomPatients && m.Room != events.RoomDisplay && !strings.HasPrefix(m.Room, "display_") {
				continue
			}
			scanned++
			var p map[string]any
			if err := json.Unmarshal(m.Data, &p); err != nil {
				t.Fatal(err)
			}
			for k := range p {
				display := m.Room == events.RoomDisplay || strings.HasPrefix(m.Room, "display_")
				if !publicFields[k] && !(display && displayFields[k]) {
					t.Errorf("%s payload has field %q: %s", m.Room, k, m.Data)
				}
			}
			for _, s := range secrets {
				if strings.Contains(string(m.Data), s) {
					t.Errorf("%s payload leaks %q: %s", m.Room, s, m.Data)
				}
			}
		}
	}
	if scanned < 40 {
		t.Errorf("scanned only %d public payloads", scanned)
	}
}

// TestGetReadyAtCheckIn: a patient who checks in straight into the get-ready
// zone while someone is being served gets get_ready with the check-in.
func TestGetReadyAtCheckIn(t *testing.T) {
	rh := newRealtimeHarness(t)
	rh.checkIn("First", phone(1))
	rh.asStaff("POST", "/api/staff/call-next", "").want(t, http.StatusOK)
	id := rh.checkIn("Second", phone(2))
	got := describe(rh.last(), map[string]string{id: "S"})
	want := []string{"3-1 staff new_patient", "3-2 staff queue_update", "3-3 patient_S position_update",
		"3-4 patient_S get_ready", "3-5 patients queue_update", "3-6 display queue_update", "3-7 display_default queue_update"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

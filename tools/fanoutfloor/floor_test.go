package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// The floor speaks what the kit's fanout client speaks: a patient who checked
// in and joined gets, on call-next, a position_update of the new version and
// the queue_update, as SmartWait or as Node shapes them.
func TestFloorSendsEachJoinedPatientItsPositionUpdate(t *testing.T) {
	for _, node := range []bool{false, true} {
		srv := httptest.NewServer(newFloor(2, node))
		post := func(path string) string {
			res, err := http.Post(srv.URL+path, "application/json", strings.NewReader(`{}`))
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return string(b)
		}
		var in struct{ Data struct{ PatientID string } }
		if err := json.Unmarshal([]byte(post("/api/checkin")), &in); err != nil || in.Data.PatientID == "" {
			t.Fatalf("check-in: %v %+v", err, in)
		}
		ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/socket.io/?EIO=4&transport=websocket", nil)
		if err != nil {
			t.Fatal(err)
		}
		_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		read := func() string {
			_, msg, err := ws.ReadMessage()
			if err != nil {
				t.Fatal(err)
			}
			return string(msg)
		}
		steps := []struct{ send, want string }{
			{"", `0{`},
			{"40", "40{"},
			{`420["join-patient-room","` + in.Data.PatientID + `"]`, `430[{"room"`},
			{`421["join-patients-room"]`, `431[{"room"`},
		}
		for _, s := range steps {
			if s.send != "" {
				if err := ws.WriteMessage(websocket.TextMessage, []byte(s.send)); err != nil {
					t.Fatal(err)
				}
			}
			if got := read(); !strings.HasPrefix(got, s.want) {
				t.Fatalf("after %q: got %q, want %q…", s.send, got, s.want)
			}
		}
		post("/api/staff/call-next")
		var ev []json.RawMessage
		var pu map[string]any
		msg := read()
		if !strings.HasPrefix(msg, "42") || json.Unmarshal([]byte(msg[2:]), &ev) != nil || len(ev) != 2 || json.Unmarshal(ev[1], &pu) != nil {
			t.Fatalf("not an event: %q", msg)
		}
		if string(ev[0]) != `"position_update"` || pu["patientId"] != in.Data.PatientID || pu["version"] != float64(2) || pu["position"] != float64(1) {
			t.Fatalf("position_update: %q", msg)
		}
		if _, ranged := pu["estimatedWaitLow"]; ranged == node {
			t.Fatalf("node payload %v, yet estimatedWaitLow present %v: %q", node, ranged, msg)
		}
		if msg := read(); !strings.HasPrefix(msg, `42["queue_update",`) {
			t.Fatalf("then %q, want the queue_update", msg)
		}
		ws.Close()
		srv.Close()
	}
}

// The floor also speaks what smartwait load speaks: patients who join only
// their own room (room-joined, no acknowledgement) wait in check-in order; a
// call-next calls the first (patient_called, then its position_update with
// status called) and moves the others up.
func TestFloorCallsTheFirstOfSmartWaitLoadsPatients(t *testing.T) {
	srv := httptest.NewServer(newFloor(2, false))
	defer srv.Close()
	var ids []string
	for range 2 {
		res, err := http.Post(srv.URL+"/api/checkin", "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		var in struct {
			Success bool
			Data    struct {
				PatientID string
				Position  int
			}
		}
		err = json.NewDecoder(res.Body).Decode(&in)
		res.Body.Close()
		if err != nil || !in.Success || in.Data.Position != len(ids)+1 {
			t.Fatalf("check-in %d: %v %+v", len(ids)+1, err, in)
		}
		ids = append(ids, in.Data.PatientID)
	}
	// The second joins first: the list keeps check-in order all the same.
	var socks []*websocket.Conn
	for _, id := range []string{ids[1], ids[0]} {
		ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/socket.io/?EIO=4&transport=websocket", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		for _, step := range []struct{ send, want string }{
			{"", `0{`},
			{`40{"patientId":"` + id + `"}`, "40{"},
			{`42["join-patient-room","` + id + `"]`, `42["room-joined",`},
		} {
			if step.send != "" {
				if err := ws.WriteMessage(websocket.TextMessage, []byte(step.send)); err != nil {
					t.Fatal(err)
				}
			}
			if _, msg, err := ws.ReadMessage(); err != nil || !strings.HasPrefix(string(msg), step.want) {
				t.Fatalf("after %q: %q (%v), want %q…", step.send, msg, err, step.want)
			}
		}
		socks = append(socks, ws)
	}
	res, err := http.Post(srv.URL+"/api/staff/call-next", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	event := func(ws *websocket.Conn) (string, map[string]any) {
		_, msg, err := ws.ReadMessage()
		var ev []json.RawMessage
		var p map[string]any
		if err != nil || !strings.HasPrefix(string(msg), "42") || json.Unmarshal(msg[2:], &ev) != nil || len(ev) != 2 || json.Unmarshal(ev[1], &p) != nil {
			t.Fatalf("not an event: %q (%v)", msg, err)
		}
		var name string
		_ = json.Unmarshal(ev[0], &name)
		return name, p
	}
	first, second := socks[1], socks[0]
	if name, p := event(first); name != "patient_called" || p["version"] != float64(3) {
		t.Errorf("the first got %s %v, want patient_called at version 3", name, p)
	}
	if name, p := event(first); name != "position_update" || p["status"] != "called" || p["patientId"] != ids[0] {
		t.Errorf("the first got %s %v, want its position_update, called", name, p)
	}
	if name, p := event(second); name != "position_update" || p["position"] != float64(1) || p["patientId"] != ids[1] || p["version"] != float64(3) {
		t.Errorf("the second got %s %v, want position 1 at version 3", name, p)
	}
}

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

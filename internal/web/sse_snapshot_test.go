package web

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	"smartwait/internal/events"
)

// TestSSESnapshotEqualsLiveEvent: a patient who opens the SSE stream gets, as
// its snapshot, exactly the position_update the live event of the same state
// carried — estimatedWaitLow/High included (the snapshot used to leave them out).
func TestSSESnapshotEqualsLiveEvent(t *testing.T) {
	rh, srv := newSSEServer(t, time.Hour)
	rh.checkIn("Ana", phone(1))
	rh.checkIn("Ben", phone(2))
	c := rh.checkIn("Cy", phone(3))
	rh.asStaff("POST", "/api/staff/call-next", `{}`).want(t, http.StatusOK)
	var live map[string]any
	for _, m := range rh.last().Messages {
		if m.Room == events.PatientRoom(c) && m.Event == events.PositionUpdate {
			if err := json.Unmarshal(m.Data, &live); err != nil {
				t.Fatal(err)
			}
		}
	}
	if live == nil {
		t.Fatal("no live position_update for the third patient")
	}
	snap := openSSE(t, srv.URL+"/api/events/patient/"+c).mustNext(t)
	if snap.Event != events.PositionUpdate {
		t.Fatalf("first event %+v, want a position_update snapshot", snap)
	}
	if !reflect.DeepEqual(snap.Data, live) {
		t.Errorf("snapshot and live event differ:\nsnapshot %v\nlive     %v", snap.Data, live)
	}
	if _, ok := snap.Data["estimatedWaitLow"]; !ok {
		t.Errorf("snapshot %v has no estimatedWaitLow", snap.Data)
	}
}

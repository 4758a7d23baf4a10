package web

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"smartwait/internal/events"
	"smartwait/internal/realtime"
)

// sseEvent is one parsed Server-Sent Event, or a comment.
type sseEvent struct {
	ID, Event, Comment string
	Data               map[string]any
}

// sseClient reads an event stream line by line on its own goroutine.
type sseClient struct {
	res    *http.Response
	events chan sseEvent // closed at the end of the stream
}

func openSSE(tb testing.TB, url string, headers ...string) *sseClient {
	tb.Helper()
	req, err := http.NewRequestWithContext(tb.Context(), "GET", url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	c := &sseClient{res: res, events: make(chan sseEvent, 1000)}
	tb.Cleanup(func() { res.Body.Close() })
	if res.StatusCode != http.StatusOK {
		close(c.events)
		return c
	}
	go func() {
		defer close(c.events)
		sc := bufio.NewScanner(res.Body)
		var e sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if e.Event != "" || e.Comment != "" {
					c.events <- e
				}
				e = sseEvent{}
			case strings.HasPrefix(line, ":"):
				e.Comment = line
			case strings.HasPrefix(line, "id: "):
				e.ID = line[4:]
			case strings.HasPrefix(line, "event: "):
				e.Event = line[7:]
			case strings.HasPrefix(line, "data: "):
				if err := json.Unmarshal([]byte(line[6:]), &e.Data); err != nil {
					e.Data = map[string]any{"unparsable": line}
				}
			}
		}
	}()
	return c
}

// next returns the next event, skipping heartbeat comments; ok is false at the
// end of the stream.
func (c *sseClient) next(tb testing.TB) (sseEvent, bool) {
	tb.Helper()
	for {
		select {
		case e, ok := <-c.events:
			if ok && e.Comment != "" {
				continue
			}
			return e, ok
		case <-time.After(10 * time.Second):
			tb.Fatal("timed out waiting for an SSE event")
		}
	}
}

func (c *sseClient) mustNext(tb testing.TB) sseEvent {
	tb.Helper()
	e, ok := c.next(tb)
	if !ok {
		tb.Fatal("stream ended")
	}
	return e
}

// waitEnd waits for the stream to end, failing if an event arrives first.
func (c *sseClient) waitEnd(tb testing.TB) {
	tb.Helper()
	if e, ok := c.next(tb); ok {
		tb.Fatalf("got %+v, want the end of the stream", e)
	}
}

func newSSEServer(tb testing.TB, heartbeat time.Duration) (*realtimeHarness, *httptest.Server) {
	tb.Helper()
	rh := newRealtimeHarness(tb, func(d *Deps) { d.Realtime.Heartbeat = heartbeat })
	srv := httptest.NewServer(rh.handler)
	tb.Cleanup(srv.Close)
	tb.Cleanup(rh.hub.Close) // end the streams before the server waits for them
	return rh, srv
}

func TestSSEDisplaySnapshotThenEvents(t *testing.T) {
	rh, srv := newSSEServer(t, time.Hour)
	c := openSSE(t, srv.URL+"/api/events/display")
	h := c.res.Header
	if h.Get("Content-Type") != "text/event-stream; charset=utf-8" || h.Get("Cache-Control") != "no-cache" || h.Get("X-Accel-Buffering") != "no" {
		t.Errorf("headers = %v", h)
	}
	snap := c.mustNext(t)
	if snap.ID != "0" || snap.Event != "queue_update" || snap.Data["type"] != "snapshot" || snap.Data["queueLength"] != 0.0 {
		t.Errorf("first event = %+v, want a queue_update snapshot with id 0", snap)
	}
	rh.checkIn("Ana", phone(1))
	e := c.mustNext(t)
	if e.ID != "1-5" || e.Event != "queue_update" || e.Data["type"] != "position_change" || e.Data["queueLength"] != 1.0 {
		t.Errorf("event = %+v", e)
	}
}

func TestSSEPatientStream(t *testing.T) {
	rh, srv := newSSEServer(t, time.Hour)
	for _, bad := range []string{"00000000-0000-4000-8000-000000000000", "nope"} {
		res, err := http.Get(srv.URL + "/api/events/patient/" + bad)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		_ = json.NewDecoder(res.Body).Decode(&body)
		res.Body.Close()
		if res.StatusCode != 404 || body["error"].(map[string]any)["code"] != "PATIENT_NOT_FOUND" {
			t.Errorf("GET %s = %d %v, want 404 PATIENT_NOT_FOUND", bad, res.StatusCode, body)
		}
	}
	a := rh.checkIn("Ana", phone(1))
	b := rh.checkIn("Ben", phone(2))
	c := openSSE(t, srv.URL+"/api/events/patient/"+b)
	snap := c.mustNext(t)
	if snap.ID != "2" || snap.Event != "position_update" || snap.Data["patientId"] != b || snap.Data["position"] != 2.0 {
		t.Errorf("snapshot = %+v", snap)
	}
	rh.asStaff("POST", "/api/staff/call-next", "").want(t, http.StatusOK)
	var got []string
	for range 3 {
		e := c.mustNext(t)
		got = append(got, e.ID+" "+e.Event)
		if e.Data["patientId"] == a {
			t.Errorf("patient B received A's event %+v", e)
		}
	}
	if want := "[3-4 position_update 3-5 get_ready 3-6 queue_update]"; strings.Join(got, " ") != strings.Trim(want, "[]") {
		t.Errorf("events = %v, want %s", got, want)
	}
}

func TestSSEResume(t *testing.T) {
	rh, srv := newSSEServer(t, time.Hour)
	c := openSSE(t, srv.URL+"/api/events/display")
	c.mustNext(t) // snapshot
	rh.checkIn("Ana", phone(1))
	seen := c.mustNext(t)
	c.res.Body.Close()
	rh.checkIn("Ben", phone(2))
	rh.asStaff("POST", "/api/staff/call-next", "").want(t, http.StatusOK)

	tests := []struct {
		name, last string
		want       []string
	}{
		{"replays what was missed", seen.ID, []string{"2-5 position_change", "3-7 patient_called"}},
		{"from the snapshot id", "1", []string{"2-5 position_change", "3-7 patient_called"}},
		{"unknown id gets a snapshot", "99-1", []string{"3 snapshot"}},
		{"garbage gets a snapshot", "zzz", []string{"3 snapshot"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := openSSE(t, srv.URL+"/api/events/display", "Last-Event-ID", tt.last)
			var got []string
			for range tt.want {
				e := r.mustNext(t)
				got = append(got, e.ID+" "+e.Data["type"].(string))
			}
			// Nothing more was replayed: the next event is a live marker.
			rh.asAdmin("POST", "/api/staff/realtime/test", `{"room":"display","message":"marker"}`).want(t, http.StatusOK)
			if e := r.mustNext(t); e.Event != events.TestMessage || e.Data["message"] != "marker" {
				t.Errorf("event after the replay = %+v, want the marker", e)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSSEHeartbeat(t *testing.T) {
	_, srv := newSSEServer(t, 10*time.Millisecond)
	c := openSSE(t, srv.URL+"/api/events/display")
	for e := range c.events {
		if e.Comment == ": heartbeat" {
			return
		}
	}
	t.Fatal("stream ended without a heartbeat")
}

func TestSSEStaff(t *testing.T) {
	rh, srv := newSSEServer(t, time.Hour)
	if res := openSSE(t, srv.URL+"/api/events/staff"); res.res.StatusCode != 401 {
		t.Errorf("without a token: %d, want 401", res.res.StatusCode)
	}
	id := rh.checkIn("Ana", phone(1))
	c := openSSE(t, srv.URL+"/api/events/staff", "Authorization", "Bearer "+rh.staff)
	snap := c.mustNext(t)
	data, _ := snap.Data["data"].([]any)
	if snap.Event != "queue_refresh" || snap.ID != "1" || len(data) != 1 || data[0].(map[string]any)["patientId"] != id {
		t.Errorf("snapshot = %+v", snap)
	}
	rh.checkIn("Ben", phone(2))
	if e := c.mustNext(t); e.Event != "new_patient" || e.ID != "2-1" {
		t.Errorf("event = %+v", e)
	}
	c.mustNext(t) // queue_update
	rh.asStaff("POST", "/api/staff/logout", "").want(t, http.StatusOK)
	c.waitEnd(t)
}

func TestSSEStaffStreamEndsAtSessionExpiry(t *testing.T) {
	rh, srv := newSSEServer(t, time.Hour)
	rh.clock.Add(8*time.Hour - 50*time.Millisecond) // the staff session has 50 ms left
	c := openSSE(t, srv.URL+"/api/events/staff", "Authorization", "Bearer "+rh.staff)
	c.mustNext(t) // snapshot
	c.waitEnd(t)
}

func TestSSEResyncEndsStream(t *testing.T) {
	rh, srv := newSSEServer(t, time.Hour)
	c := openSSE(t, srv.URL+"/api/events/display")
	c.mustNext(t)
	rh.hub.Resync("test outage")
	if e := c.mustNext(t); e.Event != realtime.EventResync || e.ID != "" {
		t.Errorf("event = %+v, want a resync without id", e)
	}
	c.waitEnd(t)
}

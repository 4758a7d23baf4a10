package socketio_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"smartwait/internal/auth"
	"smartwait/internal/events"
	"smartwait/internal/queue"
	"smartwait/internal/socketio"
)

// clinicEnv is env with a second clinic, "north", whose one line is "north-gp",
// and a publisher, so queue changes reach the sockets.
func clinicEnv(tb testing.TB, cfg socketio.Config) *env {
	tb.Helper()
	e := newEnv(tb, cfg)
	e.queue.Publisher = &events.Publisher{Broker: e.broker}
	ctx := context.Background()
	c, err := e.queue.CreateClinic(ctx, queue.Clinic{Slug: "north", Name: "North", TimeZone: "UTC"})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := e.queue.CreateLine(ctx, queue.Queue{ID: "north-gp", Name: "GP", Prefix: "N", Clinic: c}, queue.LinePatch{}); err != nil {
		tb.Fatal(err)
	}
	return e
}

// checkInTo checks a patient in to line ("" : the default line).
func (e *env) checkInTo(tb testing.TB, line string, n int) queue.Entry {
	tb.Helper()
	p, err := e.queue.CheckIn(context.Background(), queue.CheckInRequest{QueueID: line, Name: fmt.Sprint("P", n), Phone: fmt.Sprintf("+1415555%04d", 2600+n), AppointmentTime: "10:00"})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// eventLine returns an event packet's name and the line its payload names.
func eventLine(tb testing.TB, p string) (name, line string) {
	tb.Helper()
	var args []json.RawMessage
	if json.Unmarshal([]byte(strings.TrimPrefix(p, "42")), &args) != nil || len(args) < 2 {
		tb.Fatalf("not an event packet: %q", p)
	}
	_ = json.Unmarshal(args[0], &name)
	var v struct{ Line string }
	_ = json.Unmarshal(args[1], &v)
	return name, v.Line
}

// TestClinicJoins: the joins take a clinic; another clinic's rooms carry its
// slug, the default clinic's keep their names; an unknown or malformed clinic
// is refused with the join's error shape.
func TestClinicJoins(t *testing.T) {
	e := clinicEnv(t, socketio.Config{})
	anon := e.dial(t, "")
	staff := e.dial(t, `{"token":"`+e.token+`"}`)
	tests := []struct {
		name       string
		c          *wsClient
		event, arg string
		want       string
	}{
		{"patients of north", anon, "join-patients-room", `{"clinic":"north"}`, `["room-joined",{"room":"patients@north"}]`},
		{"patients of main by slug", anon, "join-patients-room", `{"clinic":"main"}`, `["room-joined",{"room":"patients"}]`},
		{"patients, null clinic", anon, "join-patients-room", `{"clinic":null}`, `["room-joined",{"room":"patients"}]`},
		{"display of north", anon, "join-display-room", `{"clinic":"north"}`, `["room-joined",{"room":"display@north"}]`},
		{"display of north's line", anon, "join-display-room", `{"clinic":"north","lines":["north-gp"]}`, `["room-joined",{"room":"display_north-gp"}]`},
		{"display, line of another clinic", anon, "join-display-room", `{"clinic":"north","lines":["default"]}`, `["error",{"code":"VALIDATION_ERROR","message":"line default is not a line of clinic north"}]`},
		{"display, unknown clinic", anon, "join-display-room", `{"clinic":"south"}`, `["error",{"code":"CLINIC_NOT_FOUND","message":"Clinic not found"}]`},
		{"patients, unknown clinic", anon, "join-patients-room", `{"clinic":"south"}`, `["error",{"code":"CLINIC_NOT_FOUND","message":"Clinic not found"}]`},
		{"patients, malformed clinic", anon, "join-patients-room", `{"clinic":7}`, `["error",{"code":"VALIDATION_ERROR","message":"clinic must be a clinic's slug"}]`},
		{"staff of north", staff, "join-staff-room", `{"clinic":"north"}`, `["room-joined",{"room":"staff@north"}]`},
		{"staff, unknown clinic", staff, "join-staff-room", `{"clinic":"South!"}`, `["error",{"code":"CLINIC_NOT_FOUND","message":"Clinic not found"}]`},
		{"staff of north without token", anon, "join-staff-room", `{"clinic":"north"}`, `["error",{"code":"UNAUTHORIZED","message":"Staff authentication required"}]`},
		{"staff of main", staff, "join-staff-room", `"s1"`, `["room-joined",{"room":"staff"}]`},
		{"leave north's room", anon, "leave-room", `"patients@north"`, `["room-left",{"room":"patients@north"}]`},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answer, ack := tt.c.call(i, tt.event, tt.arg)
			if answer != tt.want {
				t.Errorf("answer = %s, want %s", answer, tt.want)
			}
			obj := tt.want[strings.Index(tt.want, ",")+1 : len(tt.want)-1]
			if ack != "["+obj+"]" {
				t.Errorf("ack = %s, want [%s]", ack, obj)
			}
		})
	}
}

// TestClinicEventsStayInTheirClinic: a staff socket of clinic north gets
// north's check-in and nothing of the default clinic's; north's display gets
// north's call only; the default clinic's sockets get what they always did,
// and nothing of north's.
func TestClinicEventsStayInTheirClinic(t *testing.T) {
	e := clinicEnv(t, socketio.Config{})
	northStaff := e.dial(t, `{"token":"`+e.token+`"}`)
	northStaff.call(1, "join-staff-room", `{"clinic":"north"}`)
	mainStaff := e.dial(t, `{"token":"`+e.token+`"}`)
	mainStaff.call(1, "join-staff-room", "")
	northDisplay := e.dial(t, "")
	northDisplay.call(1, "join-display-room", `{"clinic":"north"}`)
	mainDisplay := e.dial(t, "")
	mainDisplay.call(1, "join-display-room", "")
	northPatients := e.dial(t, "")
	northPatients.call(1, "join-patients-room", `{"clinic":"north"}`)

	// Default clinic first, then north: a socket's first packet shows
	// whether the default clinic's batch reached it.
	e.checkInTo(t, "", 1)
	e.checkInTo(t, "north-gp", 2)
	for _, c := range []struct {
		name string
		c    *wsClient
		want []string // event:line of each packet, in order
	}{
		{"north staff", northStaff, []string{"new_patient:north-gp", "queue_update:north-gp"}},
		{"main staff", mainStaff, []string{"new_patient:default", "queue_update:default"}},
		{"north display", northDisplay, []string{"queue_update:north-gp"}},
		{"main display", mainDisplay, []string{"queue_update:default"}},
		{"north patients", northPatients, []string{"queue_update:north-gp"}},
	} {
		for _, want := range c.want {
			p := c.c.read()
			if name, line := eventLine(t, p); name+":"+line != want {
				t.Errorf("%s: got %s, want %s", c.name, p, want)
			}
		}
	}
	// A call in north reaches north's display, then one in main; north's
	// display's next packet must be north's second call, not main's.
	if _, err := e.queue.CallNext(context.Background(), "north-gp", ""); err != nil {
		t.Fatal(err)
	}
	p := northDisplay.read()
	if name, line := eventLine(t, p); name != "queue_update" || line != "north-gp" || !strings.Contains(p, `"patient_called"`) {
		t.Errorf("north display: %s, want north's patient_called", p)
	}
	if _, err := e.queue.CallNext(context.Background(), "", ""); err != nil {
		t.Fatal(err)
	}
	e.checkInTo(t, "north-gp", 3)
	if _, line := eventLine(t, northDisplay.read()); line != "north-gp" {
		t.Errorf("north display got the default clinic's call")
	}
	if _, line := eventLine(t, mainDisplay.read()); line != "default" {
		t.Errorf("main display got north's call")
	}
}

// TestMayJoinClinicHook: staff joins ask Config.MayJoinClinic with the
// account and the clinic's slug ("main" for the default clinic); a refused
// join is answered FORBIDDEN and joins nothing.
func TestMayJoinClinicHook(t *testing.T) {
	var mu sync.Mutex
	var asked []string
	e := clinicEnv(t, socketio.Config{MayJoinClinic: func(u auth.User, id int64, clinic string) bool {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, fmt.Sprint(u.Username, "@", clinic, "#", id))
		return clinic == "north"
	}})
	staff := e.dial(t, `{"token":"`+e.token+`"}`)
	if a, _ := staff.call(1, "join-staff-room", `{"clinic":"north"}`); a != `["room-joined",{"room":"staff@north"}]` {
		t.Errorf("north: %s", a)
	}
	if a, _ := staff.call(2, "join-staff-room", ""); a != `["error",{"code":"FORBIDDEN","message":"You may not follow this clinic's staff room"}]` {
		t.Errorf("main: %s", a)
	}
	if a, _ := staff.call(3, "join-staff-room", `{"clinic":"main","since":{"default":0}}`); !strings.Contains(a, `"FORBIDDEN"`) {
		t.Errorf("main with since: %s", a)
	}
	mu.Lock()
	if got := strings.Join(asked, ","); got != "nurse@north#2,nurse@main#1,nurse@main#1" {
		t.Errorf("hook asked %s", got)
	}
	mu.Unlock()
	// The refused socket is not in the default staff room: a default
	// check-in, then a north one, and the first packet it gets is north's.
	e.checkInTo(t, "", 1)
	e.checkInTo(t, "north-gp", 2)
	if name, line := eventLine(t, staff.read()); name != "new_patient" || line != "north-gp" {
		t.Errorf("refused socket got %s of %s", name, line)
	}
}

// TestClinicResume: a resuming join of another clinic's room gets the
// snapshot of that clinic's lines only, and resumes from the buffer after.
func TestClinicResume(t *testing.T) {
	e := clinicEnv(t, socketio.Config{})
	e.checkInTo(t, "", 1)
	e.checkInTo(t, "north-gp", 2)
	staff := e.dial(t, `{"token":"`+e.token+`"}`)
	staff.send(`421["join-staff-room",{"clinic":"north","since":{}}]`)
	p := staff.read()
	if name, line := eventLine(t, p); name != "queue_refresh" || line != "north-gp" {
		t.Errorf("snapshot %s", p)
	}
	if p := staff.read(); p != `42["room-joined",{"room":"staff@north","resumed":false}]` {
		t.Errorf("answer %s", p)
	}
	staff.read() // the ack
	anon := e.dial(t, "")
	if a, _ := anon.call(2, "join-patients-room", `{"clinic":"north","since":{"north-gp":1}}`); a != `["room-joined",{"room":"patients@north","resumed":true}]` {
		t.Errorf("patients of north resumed: %s", a)
	}
}

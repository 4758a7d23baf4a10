package socketio_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"smartwait/internal/events"
	"smartwait/internal/queue"
	"smartwait/internal/socketio"
)

// eventOf returns the event name and version of an event packet.
func eventOf(tb testing.TB, p string) (name string, version int64) {
	tb.Helper()
	var args []json.RawMessage
	if json.Unmarshal([]byte(strings.TrimPrefix(p, "42")), &args) != nil || len(args) < 2 {
		tb.Fatalf("not an event packet: %q", p)
	}
	_ = json.Unmarshal(args[0], &name)
	var v struct{ Version int64 }
	_ = json.Unmarshal(args[1], &v)
	return name, v.Version
}

// TestJoinWithSinceReplaysWhatWasMissed: a staff socket that left after
// version v and joins again with since {default: v} gets exactly the packets
// a socket that stayed got after v, in order, then room-joined resumed true;
// live events follow. A since the buffer cannot serve gets the snapshot and
// resumed false; a malformed since is refused.
func TestJoinWithSinceReplaysWhatWasMissed(t *testing.T) {
	e := newEnv(t, socketio.Config{})
	e.queue.Publisher = &events.Publisher{Broker: e.broker}
	ctx := context.Background()
	checkIn := func(n int) {
		t.Helper()
		if _, err := e.queue.CheckIn(ctx, queue.CheckInRequest{Name: fmt.Sprint("P", n), Phone: fmt.Sprintf("+1415555%04d", 2600+n), AppointmentTime: "10:00"}); err != nil {
			t.Fatal(err)
		}
	}
	stayed := e.dial(t, `{"token":"`+e.token+`"}`)
	stayed.call(1, "join-staff-room", "")
	left := e.dial(t, `{"token":"`+e.token+`"}`)
	left.call(1, "join-staff-room", "")
	checkIn(1)
	_, seen := eventOf(t, left.read()) // new_patient of version seen
	for _, p := range []string{left.read()} {
		eventOf(t, p) // the rest of the batch
	}
	left.ws.Close()

	var missed []string
	read := func(c *wsClient, until int64) []string { // packets up to the last of version until
		var out []string
		for {
			p := c.read()
			out = append(out, p)
			if _, v := eventOf(t, p); v == until {
				// new_patient, queue_update (a check-in at the end: no refresh)
				out = append(out, c.read())
				return out
			}
		}
	}
	read(stayed, seen) // what both saw
	checkIn(2)
	checkIn(3)
	missed = read(stayed, seen+2)[:4]
	back := e.dial(t, `{"token":"`+e.token+`"}`)
	back.send(fmt.Sprintf(`421["join-staff-room",{"since":{"default":%d}}]`, seen))
	var got []string
	for {
		p := back.read()
		if strings.HasPrefix(p, `42["room-joined"`) {
			if p != `42["room-joined",{"room":"staff","resumed":true}]` {
				t.Errorf("answer = %s", p)
			}
			break
		}
		got = append(got, p)
	}
	if ack := back.read(); ack != `431[{"room":"staff","resumed":true}]` {
		t.Errorf("ack = %s", ack)
	}
	if fmt.Sprint(got) != fmt.Sprint(missed) {
		t.Errorf("replayed\n%v\nwant\n%v", got, missed)
	}
	checkIn(4)
	if name, v := eventOf(t, back.read()); name != "new_patient" || v != seen+3 {
		t.Errorf("live event after the replay = %s v%d, want new_patient v%d", name, v, seen+3)
	}

	// Ahead of the buffer: the snapshot, then resumed false.
	snap := e.dial(t, `{"token":"`+e.token+`"}`)
	snap.send(`422["join-staff-room",{"since":{"default":999}}]`)
	if name, v := eventOf(t, snap.read()); name != "queue_refresh" || v != seen+3 {
		t.Errorf("snapshot = %s v%d, want queue_refresh v%d", name, v, seen+3)
	}
	if p := snap.read(); p != `42["room-joined",{"room":"staff","resumed":false}]` {
		t.Errorf("answer = %s", p)
	}

	// The patients room and the display resume the same way.
	anon := e.dial(t, "")
	if a, _ := anon.call(3, "join-patients-room", fmt.Sprintf(`{"since":{"default":%d}}`, seen+3)); a != `["room-joined",{"room":"patients","resumed":true}]` {
		t.Errorf("patients: %s", a)
	}
	if a, _ := anon.call(4, "join-display-room", fmt.Sprintf(`{"lines":["default"],"since":{"default":%d}}`, seen+3)); a != `["room-joined",{"room":"display_default","resumed":true}]` {
		t.Errorf("display: %s", a)
	}

	for i, bad := range []string{`{"since":{"Not a slug":1}}`, `{"since":{"default":-1}}`, `{"since":{"default":"x"}}`, `{"since":[1]}`} {
		if a, _ := anon.call(10+i, "join-patients-room", bad); !strings.Contains(a, `"VALIDATION_ERROR"`) {
			t.Errorf("since %s: %s", bad, a)
		}
	}
}

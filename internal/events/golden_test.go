package events

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"smartwait/internal/queue"
	"smartwait/internal/realtime"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/golden/*.jsonl from the current builders")

// goldenChanges are committed changes covering every event each room can get.
func goldenChanges() map[string]queue.Change {
	at := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	ticket := func(id, num, name string, st queue.Status, pos, est int) queue.Entry {
		e := queue.Entry{Ticket: queue.Ticket{
			ID: id, QueueID: queue.DefaultQueueID, Number: num, Name: name, Phone: "+14155552671",
			AppointmentTime: "10:30", Status: st, CheckInTime: at.Add(-20 * time.Minute),
		}, Position: pos, EstimatedWait: est}
		if est > 0 {
			e.EstimatedWaitLow, e.EstimatedWaitHigh = est-1, est+2
		}
		return e
	}
	a := ticket("11111111-1111-4111-8111-111111111111", "A-001", "Ana Lima", queue.StatusCalled, 0, 0)
	a.CalledAt, a.Room = at, "3"
	b := ticket("22222222-2222-4222-8222-222222222222", "A-002", "Bo Chen", queue.StatusWaiting, 1, 4)
	c := ticket("33333333-3333-4333-8333-333333333333", "A-003", "Cleo Diaz", queue.StatusWaiting, 2, 8)
	done := a
	done.Status, done.CompletedAt = queue.StatusCompleted, at.Add(5*time.Minute)
	gone := c
	gone.Status, gone.Position, gone.EstimatedWait, gone.EstimatedWaitLow, gone.EstimatedWaitHigh = queue.StatusCancelled, 0, 0, 0, 0
	gone.CompletedAt = at
	noShow := a
	noShow.Status, noShow.CompletedAt = queue.StatusNoShow, at.Add(time.Minute)
	recalled := a
	recalled.Room = "Desk B"
	// A second clinic's line: its shared rooms carry the clinic's slug.
	inClinic := func(e queue.Entry) queue.Entry { e.QueueID = "east-xray"; return e }
	return map[string]queue.Change{
		"clinic_checkin": {Kind: queue.ChangeCheckedIn, QueueID: "east-xray", ClinicSlug: "eastside", Version: 3, At: at,
			Ticket: inClinic(c), Moved: []queue.Entry{inClinic(c)}, Waiting: 2, Called: 1, NowServing: "A-001", TypicalWait: 12},
		"clinic_call_next": {Kind: queue.ChangeCalled, QueueID: "east-xray", ClinicSlug: "eastside", Version: 4, At: at,
			Ticket: inClinic(a), Moved: []queue.Entry{inClinic(a), inClinic(b), inClinic(c)}, Ready: []queue.Entry{inClinic(b)},
			Waiting: 2, Called: 1, NowServing: "A-001", TypicalWait: 12},
		"clinic_complete": {Kind: queue.ChangeCompleted, QueueID: "east-xray", ClinicSlug: "eastside", Version: 6, At: at.Add(5 * time.Minute),
			Ticket: inClinic(done), Moved: []queue.Entry{inClinic(b), inClinic(c)}, Entries: []queue.Entry{inClinic(b), inClinic(c)}, Waiting: 2},
		"checkin": {Kind: queue.ChangeCheckedIn, QueueID: queue.DefaultQueueID, Version: 3, At: at,
			Ticket: c, Moved: []queue.Entry{c}, Waiting: 2, Called: 1, NowServing: "A-001", TypicalWait: 12},
		"checkin_ready": {Kind: queue.ChangeCheckedIn, QueueID: "north", Version: 1, At: at,
			Ticket: b, Moved: []queue.Entry{b}, Ready: []queue.Entry{b}, Waiting: 1},
		"call_next": {Kind: queue.ChangeCalled, QueueID: queue.DefaultQueueID, Version: 4, At: at,
			Ticket: a, Moved: []queue.Entry{a, b, c}, Ready: []queue.Entry{b}, Waiting: 2, Called: 1, NowServing: "A-001", TypicalWait: 12},
		"call_next_front_desk": {Kind: queue.ChangeCalled, QueueID: queue.DefaultQueueID, Version: 4, At: at,
			Ticket: func() queue.Entry { x := a; x.Room = ""; return x }(), Waiting: 0, Called: 1, NowServing: "A-001"},
		"call_next_symbol_room": {Kind: queue.ChangeCalled, QueueID: queue.DefaultQueueID, Version: 4, At: at,
			Ticket: func() queue.Entry { x := a; x.Room = "Salle ① Est"; return x }(), Waiting: 0, Called: 1, NowServing: "A-001"},
		"recall": {Kind: queue.ChangeRecalled, QueueID: queue.DefaultQueueID, Version: 5, At: at,
			Ticket: recalled, Waiting: 2, Called: 1, NowServing: "A-001", TypicalWait: 12},
		"complete": {Kind: queue.ChangeCompleted, QueueID: queue.DefaultQueueID, Version: 6, At: at.Add(5 * time.Minute),
			Ticket: done, Moved: []queue.Entry{b, c}, Entries: []queue.Entry{b, c}, Waiting: 2},
		"no_show": {Kind: queue.ChangeNoShow, QueueID: queue.DefaultQueueID, Version: 7, At: at.Add(time.Minute),
			Ticket: noShow, Entries: []queue.Entry{b, c}, Waiting: 2},
		"cancel": {Kind: queue.ChangeCancelled, QueueID: queue.DefaultQueueID, Version: 8, At: at,
			Ticket: gone, Moved: nil, Entries: []queue.Entry{a, b}, Waiting: 1, Called: 1, NowServing: "A-001"},
	}
}

// goldenLines writes a batch one message a line, exactly as the hub carries it.
func goldenLines(tb testing.TB, b realtime.Batch) []byte {
	tb.Helper()
	var out []byte
	for _, m := range b.Messages {
		line, err := json.Marshal(m)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(append(out, line...), '\n')
	}
	return out
}

// checkGolden compares got with testdata/golden/<name>.jsonl (rewritten with -update).
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".jsonl")
	if *updateGolden {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the golden file\n got:\n%s\nwant:\n%s", name, got, want)
	}
}

// TestEventsGolden pins every event's JSON, room, order and id for each kind of
// change: a refactoring of the builders must not change a byte on the wire.
func TestEventsGolden(t *testing.T) {
	for name, c := range goldenChanges() {
		t.Run(name, func(t *testing.T) {
			got := goldenLines(t, Batch(c))
			if !strings.Contains(string(got), `"event"`) {
				t.Fatal("empty batch")
			}
			checkGolden(t, name, got)
		})
	}
}

// TestSnapshotsAndAnswersGolden pins the snapshots a new subscriber gets, the
// answers to room requests and the admin's test_message.
func TestSnapshotsAndAnswersGolden(t *testing.T) {
	ch := goldenChanges()["call_next"]
	now := ch.At.Add(30 * time.Second)
	entries := ch.Moved
	b := ch.Moved[1]
	msgs := []realtime.Message{
		PatientSnapshot(queue.PatientStatus{Entry: b, QueueLength: ch.Waiting, Version: ch.Version}, now),
		StaffSnapshot(queue.DefaultQueueID, entries, ch.Version, now),
		DisplaySnapshot(queue.DefaultQueueID, entries, ch.Version, now),
		DisplaySnapshot("north", nil, 0, now),
	}
	msgs = append(msgs, Test(RoomDisplay, "hello", now).Messages...)
	got := goldenLines(t, realtime.Batch{Messages: msgs})
	for _, a := range []any{Joined(PatientRoom(b.ID)), Left(RoomStaff), Refused("UNAUTHORIZED", "Staff authentication required")} {
		line, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		got = append(append(got, line...), '\n')
	}
	checkGolden(t, "snapshots_answers", got)
}

// TestPatientSnapshotEqualsLiveEvent: for the same state, the snapshot a
// patient gets and the live position_update carry the same payload.
func TestPatientSnapshotEqualsLiveEvent(t *testing.T) {
	ch := goldenChanges()["call_next"]
	for _, e := range ch.Moved {
		var live realtime.Message
		for _, m := range Batch(ch).Messages {
			if m.Room == PatientRoom(e.ID) && m.Event == PositionUpdate {
				live = m
			}
		}
		snap := PatientSnapshot(queue.PatientStatus{Entry: e, QueueLength: ch.Waiting, Version: ch.Version}, ch.At)
		if string(snap.Data) != string(live.Data) || snap.Room != live.Room || snap.Event != live.Event {
			t.Errorf("%s: snapshot %s %s %s, live %s %s %s", e.Number, snap.Room, snap.Event, snap.Data, live.Room, live.Event, live.Data)
		}
	}
}

// TestClinicSnapshotsGolden pins a second clinic's snapshots (addressed to its
// rooms) and the answers a join naming a clinic can get.
func TestClinicSnapshotsGolden(t *testing.T) {
	ch := goldenChanges()["clinic_call_next"]
	now := ch.At.Add(30 * time.Second)
	qs := []queue.LineQueue{{Line: ch.QueueID, Entries: ch.Moved, Version: ch.Version}}
	var msgs []realtime.Message
	for _, build := range []LineSnapshot{StaffSnapshot, DisplaySnapshot, PatientsSnapshot} {
		msgs = append(msgs, LineSnapshots("eastside", qs, build, now)...)
	}
	got := goldenLines(t, realtime.Batch{Messages: msgs})
	for _, a := range []any{Joined(ClinicRoom(RoomStaff, "eastside")), Refused(queue.CodeClinicNotFound, "Clinic not found"),
		Refused("FORBIDDEN", "You may not follow this clinic's staff room")} {
		line, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		got = append(append(got, line...), '\n')
	}
	checkGolden(t, "clinic_snapshots_answers", got)
}

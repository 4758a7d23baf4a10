package queue_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"smartwait/internal/queue"
)

// Tests of several lines, rooms, appointments and the front desk (docs/lines.md).

// at sets the harness clock to hh:mm on its day.
func (h *harness) at(hh, mm int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.now = time.Date(h.now.Year(), h.now.Month(), h.now.Day(), hh, mm, 0, 0, time.UTC)
}

func (h *harness) line(tb testing.TB, slug, prefix string, p queue.LinePatch) queue.Queue {
	tb.Helper()
	q, err := h.svc.CreateLine(context.Background(), queue.Queue{ID: slug, Name: "Line " + slug, Prefix: prefix}, p)
	if err != nil {
		tb.Fatalf("create line %s: %v", slug, err)
	}
	return q
}

func (h *harness) room(tb testing.TB, name string, lines ...string) {
	tb.Helper()
	if _, err := h.svc.CreateRoom(context.Background(), queue.Room{Name: name, Lines: lines, Open: true}); err != nil {
		tb.Fatalf("create room %s: %v", name, err)
	}
}

// visit checks a patient in through the front desk or remotely.
func (h *harness) visit(tb testing.TB, line, name, appt string) queue.Entry {
	tb.Helper()
	e, err := h.svc.CheckIn(context.Background(), queue.CheckInRequest{QueueID: line, Name: name, AppointmentTime: appt, FrontDesk: true})
	if err != nil {
		tb.Fatalf("check-in %s: %v", name, err)
	}
	return e
}

// order returns the names of the line's waiting patients in position order,
// checking that positions are exactly 1..N.
func (h *harness) order(tb testing.TB, line string) []string {
	tb.Helper()
	entries, _, err := h.svc.Queue(context.Background(), line)
	if err != nil {
		tb.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.Status == queue.StatusWaiting {
			names = append(names, e.Name)
			if e.Position != len(names) {
				tb.Fatalf("%s at position %d, want %d", e.Name, e.Position, len(names))
			}
		}
	}
	return names
}

func truth(b bool) *bool { return &b }

func TestAppointmentsOrderTheBookedLine(t *testing.T) {
	h := newHarness(t)
	h.line(t, "booked", "B", queue.LinePatch{Appointments: truth(true)})
	h.at(9, 50)
	h.visit(t, "booked", "walk-in early", "no appointment")
	h.at(9, 52)
	early := h.visit(t, "booked", "booked early", "10:00")
	if got := early.DueAt; !got.Equal(time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("early arrival due %v, want 10:00", got)
	}
	h.at(10, 5)
	h.visit(t, "booked", "walk-in late", "")
	h.at(10, 8)
	onTime := h.visit(t, "booked", "booked on time", "10:00 AM")
	h.at(10, 9)
	late := h.visit(t, "booked", "booked late", "9:30")
	want := []string{"walk-in early", "booked early", "booked on time", "walk-in late", "booked late"}
	if got := h.order(t, "booked"); !slices.Equal(got, want) {
		t.Fatalf("order %q, want %q", got, want)
	}
	if onTime.Position != 3 || late.Position != 5 {
		t.Fatalf("quoted positions on time %d, late %d; want 3 and 5", onTime.Position, late.Position)
	}
	// The on-time arrival pushed the walk-in back: the staff get the whole line
	// and the walk-in a position_update.
	chs := h.take()
	last := chs[len(chs)-2] // the on-time check-in
	if last.Entries == nil {
		t.Fatal("a check-in among the waiting carries no Entries for the staff")
	}
	var movedNames []string
	for _, e := range last.Moved {
		movedNames = append(movedNames, e.Name)
	}
	if !slices.Equal(movedNames, []string{"booked on time", "walk-in late"}) {
		t.Fatalf("moved %q", movedNames)
	}
}

func TestDefaultLineStaysFirstComeFirstServed(t *testing.T) {
	h := newHarness(t)
	h.at(9, 0)
	h.visit(t, "", "first", "11:00")
	h.advance(time.Minute)
	h.visit(t, "", "second", "9:00")
	if got := h.order(t, queue.DefaultQueueID); !slices.Equal(got, []string{"first", "second"}) {
		t.Fatalf("order %q: the default line must not reorder by appointment", got)
	}
}

func TestCallForRoomTakesTheEarliestHead(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.line(t, "booked", "B", queue.LinePatch{Appointments: truth(true)})
	h.line(t, "lab", "L", queue.LinePatch{})
	h.room(t, "Room 1", queue.DefaultQueueID, "booked")
	h.room(t, "Room 2", queue.DefaultQueueID, "booked")
	h.room(t, "Lab", "lab")
	h.at(9, 0)
	h.visit(t, "", "walk-in 9:00", "")
	h.visit(t, "booked", "booked 8:55", "8:55")
	h.visit(t, "lab", "lab 9:00", "")
	h.advance(time.Minute)
	h.visit(t, "", "walk-in 9:01", "")

	call := func(room, line string) string {
		t.Helper()
		e, err := h.svc.Call(ctx, queue.CallRequest{Room: room, Line: line})
		if err != nil {
			t.Fatalf("call %s: %v", room, err)
		}
		if e.Room != room {
			t.Fatalf("called to %q, want %q", e.Room, room)
		}
		return e.Name
	}
	if got := call("Room 1", ""); got != "booked 8:55" {
		t.Fatalf("Room 1 called %q, want the booked patient due first", got)
	}
	if got := call("Room 2", ""); got != "walk-in 9:00" {
		t.Fatalf("Room 2 called %q", got)
	}
	if got := call("Lab", ""); got != "lab 9:00" {
		t.Fatalf("Lab called %q", got)
	}
	_, err := h.svc.Call(ctx, queue.CallRequest{Room: "Lab"})
	wantCode(t, err, queue.CodeNoneWaiting)
	_, err = h.svc.Call(ctx, queue.CallRequest{Room: "Lab", Line: "booked"})
	wantCode(t, err, queue.CodeValidation)
	_, err = h.svc.Call(ctx, queue.CallRequest{Room: "Room 9"})
	wantCode(t, err, queue.CodeValidation)
	if got := call("Room 1", queue.DefaultQueueID); got != "walk-in 9:01" {
		t.Fatalf("Room 1 (default line named) called %q", got)
	}

	// A closed room does not call; a room whose lines are closed and empty
	// has nothing to serve.
	if _, err := h.svc.UpdateRoom(ctx, "Room 2", queue.RoomPatch{Open: truth(false)}); err != nil {
		t.Fatal(err)
	}
	_, err = h.svc.Call(ctx, queue.CallRequest{Room: "Room 2"})
	wantCode(t, err, queue.CodeRoomClosed)
	if _, err := h.svc.UpdateLine(ctx, "lab", queue.LinePatch{Open: truth(false)}); err != nil {
		t.Fatal(err)
	}
	_, err = h.svc.Call(ctx, queue.CallRequest{Room: "Lab"})
	wantCode(t, err, queue.CodeLineClosed)
}

func TestTransferKeepsTheTicketAndMovesTheLine(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.line(t, "triage", "T", queue.LinePatch{})
	h.line(t, "doctor", "D", queue.LinePatch{Public: truth(false)})
	h.at(9, 0)
	a := h.visit(t, "triage", "Ana", "")
	h.advance(time.Minute)
	h.visit(t, "doctor", "Ben", "")
	h.advance(time.Minute)
	h.visit(t, "doctor", "Cleo", "")
	if _, err := h.svc.CallNext(ctx, "triage", "Triage"); err != nil {
		t.Fatal(err)
	}
	h.take()
	h.advance(5 * time.Minute)
	e, err := h.svc.Transfer(ctx, a.ID, "doctor", true)
	if err != nil {
		t.Fatal(err)
	}
	if e.Number != a.Number || e.QueueID != "doctor" || e.Status != queue.StatusWaiting || e.Position != 1 {
		t.Fatalf("transferred: %+v", e)
	}
	if got := h.order(t, "doctor"); !slices.Equal(got, []string{"Ana", "Ben", "Cleo"}) {
		t.Fatalf("keepPlace order %q: Ana checked in first", got)
	}
	chs := h.take()
	if len(chs) != 2 || chs[0].QueueID != "triage" || chs[0].Kind != queue.ChangeTransferred ||
		chs[1].QueueID != "doctor" || chs[1].Kind != queue.ChangeCheckedIn || chs[1].From != "triage" {
		t.Fatalf("changes: %+v", chs)
	}
	if chs[0].Called != 0 || chs[1].Waiting != 3 {
		t.Fatalf("counts: triage called %d, doctor waiting %d", chs[0].Called, chs[1].Waiting)
	}
	// Without keepPlace the patient joins at the end.
	if _, err := h.svc.Transfer(ctx, a.ID, "triage", false); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.Transfer(ctx, a.ID, "doctor", false); err != nil {
		t.Fatal(err)
	}
	if got := h.order(t, "doctor"); !slices.Equal(got, []string{"Ben", "Cleo", "Ana"}) {
		t.Fatalf("order %q", got)
	}
	_, err = h.svc.Transfer(ctx, a.ID, "doctor", false)
	wantCode(t, err, queue.CodeValidation)
	_, err = h.svc.Transfer(ctx, a.ID, "nowhere", false)
	wantCode(t, err, queue.CodeValidation)
	// A failed transfer changed nothing in either line.
	if got := h.order(t, "triage"); len(got) != 0 {
		t.Fatalf("triage after failed transfers: %q", got)
	}
}

func TestUrgentAndMoveBefore(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	var es []queue.Entry
	for i, n := range []string{"A", "B", "C", "D"} {
		h.at(9, i)
		es = append(es, h.visit(t, "", n, ""))
	}
	h.take()
	if _, err := h.svc.SetUrgent(ctx, es[2].ID, true); err != nil {
		t.Fatal(err)
	}
	if got := h.order(t, queue.DefaultQueueID); !slices.Equal(got, []string{"C", "A", "B", "D"}) {
		t.Fatalf("after urgent: %q", got)
	}
	ch := h.take()[0]
	if ch.Kind != queue.ChangeReordered || len(ch.Moved) != 3 {
		t.Fatalf("urgent change %s moved %d, want reordered with C, A, B moved", ch.Kind, len(ch.Moved))
	}
	if _, err := h.svc.MoveBefore(ctx, es[3].ID, es[0].ID); err != nil {
		t.Fatal(err)
	}
	if got := h.order(t, queue.DefaultQueueID); !slices.Equal(got, []string{"C", "D", "A", "B"}) {
		t.Fatalf("after move: %q", got)
	}
	if _, err := h.svc.MoveBefore(ctx, es[1].ID, es[2].ID); err != nil {
		t.Fatal(err)
	}
	if got := h.order(t, queue.DefaultQueueID); !slices.Equal(got, []string{"B", "C", "D", "A"}) {
		t.Fatalf("before the urgent head: %q", got)
	}
	if _, err := h.svc.SetUrgent(ctx, es[2].ID, false); err != nil {
		t.Fatal(err)
	}
	if got := h.order(t, queue.DefaultQueueID); !slices.Equal(got, []string{"B", "D", "A", "C"}) {
		t.Fatalf("after un-urgent (B keeps the urgency it took, D stays just before A): %q", got)
	}
	if _, err := h.svc.CallNext(ctx, "", "1"); err != nil {
		t.Fatal(err)
	}
	_, err := h.svc.SetUrgent(ctx, es[1].ID, true)
	wantCode(t, err, queue.CodeNotWaiting)
	_, err = h.svc.MoveBefore(ctx, es[0].ID, es[1].ID)
	wantCode(t, err, queue.CodeValidation)
}

func TestFrontDeskPatientWithoutPhoneGetsNoTexts(t *testing.T) {
	h := newHarness(t)
	a := h.visit(t, "", "No Phone", "")
	b := h.visit(t, "", "No Phone Either", "")
	if a.Phone != "" || b.Position != 2 {
		t.Fatalf("front desk: %+v %+v", a, b)
	}
	if _, err := h.svc.CallNext(context.Background(), "", "1"); err != nil {
		t.Fatal(err)
	}
	if ms := h.messages(t, a.ID); len(ms) != 0 {
		t.Fatalf("texts for a patient without a phone: %v", ms)
	}
	// A remote check-in still needs a phone and an appointment time.
	_, err := h.svc.CheckIn(context.Background(), queue.CheckInRequest{Name: "x", AppointmentTime: "10:00"})
	wantCode(t, err, queue.CodeValidation)
}

func TestIntakeRefusesClosedAndFullLines(t *testing.T) {
	h := newHarness(t, func(c *queue.Config) { c.Estimator.Prior = 30 * time.Minute })
	ctx := context.Background()
	hours, err := queue.HoursFromMap(map[string]string{"sat": "08:00-12:00", "mon": "08:00-12:00"})
	if err != nil {
		t.Fatal(err)
	}
	h.line(t, "lab", "L", queue.LinePatch{Hours: &hours})
	remote := func(i int) error {
		_, err := h.svc.CheckIn(ctx, queue.CheckInRequest{QueueID: "lab", Name: fmt.Sprint("p", i), Phone: phones[i], AppointmentTime: "x"})
		return err
	}
	h.at(7, 0) // 2026-11-28 is a Saturday
	err = remote(0)
	wantCode(t, err, queue.CodeLineClosed)
	if want := "It opens today at 08:00."; !contains(err.Error(), want) {
		t.Fatalf("closed message %q lacks %q", err, want)
	}
	h.at(10, 31)
	for i := range 3 { // waits of 0, 30 and 60 minutes; a fourth would end at 12:01
		if err := remote(i); err != nil {
			t.Fatalf("check-in %d: %v", i, err)
		}
	}
	err = remote(3)
	wantCode(t, err, queue.CodeLineFull)
	if want := "Monday at 08:00"; !contains(err.Error(), want) {
		t.Fatalf("full message %q lacks %q", err, want)
	}
	h.visit(t, "lab", "front desk", "") // the desk is never refused
	if _, err := h.svc.UpdateLine(ctx, "lab", queue.LinePatch{Open: truth(false)}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, remote(4), queue.CodeLineClosed)
	h.line(t, "doctor", "D", queue.LinePatch{Public: truth(false)})
	_, err = h.svc.CheckIn(ctx, queue.CheckInRequest{QueueID: "doctor", Name: "x", Phone: phones[5], AppointmentTime: "x"})
	wantCode(t, err, queue.CodeValidation)
	lines, err := h.svc.Lines(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 || lines[1].ID != "lab" || lines[1].OpenNow || lines[1].Waiting != 4 {
		t.Fatalf("public lines: %+v", lines)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestEstimateDividesByTheLinesOpenRooms(t *testing.T) {
	h := newHarness(t, func(c *queue.Config) { c.Estimator.Prior = 10 * time.Minute })
	ctx := context.Background()
	h.line(t, "lab", "L", queue.LinePatch{VisitPrior: ptr(4 * time.Minute)})
	for i := range 4 {
		h.visit(t, "lab", fmt.Sprint("p", i), "")
	}
	wait := func() int {
		entries, _, err := h.svc.Queue(ctx, "lab")
		if err != nil {
			t.Fatal(err)
		}
		return entries[3].EstimatedWait
	}
	if got := wait(); got != 12 { // 3 ahead × 4 min, the line's own prior, SMARTWAIT_ROOMS = 1
		t.Fatalf("wait %d, want 12", got)
	}
	h.room(t, "Lab 1", "lab")
	h.room(t, "Lab 2", "lab")
	h.room(t, "Lab 3", "lab")
	h.take()
	if got := wait(); got >= 12 {
		t.Fatalf("wait %d with three rooms, want less than 12", got)
	}
	three := wait()
	if _, err := h.svc.UpdateRoom(ctx, "Lab 3", queue.RoomPatch{Open: truth(false)}); err != nil {
		t.Fatal(err)
	}
	if got := wait(); got <= three {
		t.Fatalf("closing a room left the wait at %d (was %d)", got, three)
	}
	// Each room change re-quoted the line's patients.
	var updates int
	for _, ch := range h.take() {
		if ch.Kind == queue.ChangeLineUpdated && ch.QueueID == "lab" && len(ch.Moved) > 0 {
			updates++
		}
	}
	if updates == 0 {
		t.Fatal("no line_updated change pushed the new estimates")
	}
}

func ptr[T any](v T) *T { return &v }

func TestDeleteLine(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.line(t, "lab", "L", queue.LinePatch{})
	h.room(t, "Lab", "lab", queue.DefaultQueueID)
	e := h.visit(t, "lab", "x", "")
	wantCode(t, h.svc.DeleteLine(ctx, "lab"), queue.CodeLineNotEmpty)
	if _, err := h.svc.Complete(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	if err := h.svc.DeleteLine(ctx, "lab"); err != nil {
		t.Fatal(err)
	}
	rooms, err := h.svc.Rooms(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rooms[0].Lines, []string{queue.DefaultQueueID}) {
		t.Fatalf("room lines after delete: %q", rooms[0].Lines)
	}
	wantCode(t, h.svc.DeleteLine(ctx, queue.DefaultQueueID), queue.CodeValidation)
	wantCode(t, h.svc.DeleteLine(ctx, "lab"), queue.CodeLineNotFound)
	_, err = h.svc.CreateLine(ctx, queue.Queue{ID: "x", Name: "X", Prefix: "A"}, queue.LinePatch{})
	wantCode(t, err, queue.CodeValidation)
}

// threeLines is a harness with the lines default, lab and xray, and Ana and
// Ben waiting in lab.
func threeLines(t *testing.T) *harness {
	h := newHarness(t)
	h.line(t, "lab", "L", queue.LinePatch{})
	h.line(t, "xray", "X", queue.LinePatch{})
	h.visit(t, "lab", "Ana", "")
	h.visit(t, "lab", "Ben", "")
	return h
}

// Queues reads several lines at one moment: every line by position, or the
// lines asked for, each as Queue would give it.
func TestQueuesReadsLinesTogether(t *testing.T) {
	h := threeLines(t)
	ctx := context.Background()
	h.visit(t, queue.DefaultQueueID, "Cy", "")
	all, err := h.svc.Queues(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range all {
		entries, version, err := h.svc.Queue(ctx, l.Line)
		if err != nil {
			t.Fatal(err)
		}
		if l.Version != version || !reflect.DeepEqual(l.Entries, entries) {
			t.Errorf("line %s: Queues gave version %d %+v, Queue %d %+v", l.Line, l.Version, l.Entries, version, entries)
		}
		got = append(got, fmt.Sprintf("%s:%d", l.Line, len(l.Entries)))
	}
	if want := []string{"default:1", "lab:2", "xray:0"}; !slices.Equal(got, want) {
		t.Errorf("Queues(nil) = %v, want %v", got, want)
	}
	some, err := h.svc.Queues(ctx, []string{"xray", "lab"})
	if err != nil || len(some) != 2 || some[0].Line != "xray" || some[1].Line != "lab" || len(some[1].Entries) != 2 {
		t.Errorf("Queues(xray, lab) = %+v, %v", some, err)
	}
	_, err = h.svc.Queues(ctx, []string{"lab", "nope"})
	wantCode(t, err, queue.CodeLineNotFound)
}

// LinesToday gives the display its lines and their day in one read, in the
// lines' order whatever order they were asked in.
func TestLinesTodayForTheDisplay(t *testing.T) {
	h := threeLines(t)
	ctx := context.Background()
	if _, err := h.svc.CallNext(ctx, "lab", "Lab"); err != nil {
		t.Fatal(err)
	}
	days, err := h.svc.LinesToday(ctx, []string{"lab", "default"})
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != 2 || days[0].ID != queue.DefaultQueueID || days[1].ID != "lab" {
		t.Fatalf("LinesToday(lab, default) = %+v", days)
	}
	lab := days[1]
	today, err := h.svc.Today(ctx, "lab")
	if err != nil {
		t.Fatal(err)
	}
	_, version, err := h.svc.Queue(ctx, "lab")
	if err != nil {
		t.Fatal(err)
	}
	if lab.Version != version || lab.Waiting != 1 || lab.Called != 1 || !reflect.DeepEqual(lab.Today, today) {
		t.Errorf("lab: version %d (want %d), %d waiting, %d called, day %+v (want %+v)", lab.Version, version, lab.Waiting, lab.Called, lab.Today, today)
	}
	all, err := h.svc.LinesToday(ctx, nil)
	if err != nil || len(all) != 3 || all[2].ID != "xray" || len(all[2].Today) != 0 {
		t.Errorf("LinesToday(nil) = %+v, %v", all, err)
	}
	_, err = h.svc.LinesToday(ctx, []string{"lab", "nope"})
	wantCode(t, err, queue.CodeLineNotFound)
}

// lanes runs a test with one group commit for all lines and with one per line
// (Config.ParallelLines, as on PostgreSQL; on SQLite the lanes then wait for
// each other's write lock, which exercises their locks and publishing order).
func lanes(t *testing.T, test func(t *testing.T, h *harness)) {
	for _, parallel := range []bool{false, true} {
		t.Run(fmt.Sprintf("parallel=%v", parallel), func(t *testing.T) {
			test(t, newHarness(t, func(c *queue.Config) { c.ParallelLines = parallel }))
		})
	}
}

// 100 concurrent check-ins over 4 lines: each line's positions are exactly 1..25.
func TestConcurrentCheckInsOverFourLines(t *testing.T) { lanes(t, concurrentCheckInsOverFourLines) }

func concurrentCheckInsOverFourLines(t *testing.T, h *harness) {
	lines := []string{queue.DefaultQueueID, "b", "c", "d"}
	for _, l := range lines[1:] {
		h.line(t, l, fmt.Sprintf("%c", 'A'+l[0]-'a'), queue.LinePatch{})
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := h.svc.CheckIn(context.Background(), queue.CheckInRequest{
				QueueID: lines[i%4], Name: fmt.Sprint("p", i), FrontDesk: true,
			})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range lines {
		if got := h.order(t, l); len(got) != 25 { // order checks positions are 1..N
			t.Fatalf("line %s has %d waiting, want 25", l, len(got))
		}
	}
}

// Two rooms sharing lines, calling concurrently, never call the same patient,
// and an urgent mark racing the calls neither loses nor doubles anyone.
func TestConcurrentRoomsAndUrgentMarks(t *testing.T) { lanes(t, concurrentRoomsAndUrgentMarks) }

func concurrentRoomsAndUrgentMarks(t *testing.T, h *harness) {
	ctx := context.Background()
	h.line(t, "b", "B", queue.LinePatch{})
	h.room(t, "R1", queue.DefaultQueueID, "b")
	h.room(t, "R2", queue.DefaultQueueID, "b")
	var ids []string
	for i := range 40 {
		h.advance(time.Second)
		ids = append(ids, h.visit(t, []string{queue.DefaultQueueID, "b"}[i%2], fmt.Sprint("p", i), "").ID)
	}
	var mu sync.Mutex
	called := map[string]string{}
	var wg sync.WaitGroup
	for _, room := range []string{"R1", "R2"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 15 {
				e, err := h.svc.Call(ctx, queue.CallRequest{Room: room})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if prev, dup := called[e.ID]; dup {
					t.Errorf("%s called by %s and %s", e.Name, prev, room)
				}
				called[e.ID] = room
				mu.Unlock()
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := len(ids) - 1; i >= 20; i-- {
			if _, err := h.svc.SetUrgent(ctx, ids[i], true); err != nil && !isCode(err, queue.CodeNotWaiting) {
				t.Error(err)
			}
		}
	}()
	wg.Wait()
	waiting := len(h.order(t, queue.DefaultQueueID)) + len(h.order(t, "b"))
	if len(called) != 30 || waiting != 10 {
		t.Fatalf("called %d and waiting %d, want 30 and 10 of 40", len(called), waiting)
	}
	checkPublishedInOrder(t, h.take())
}

// checkPublishedInOrder checks that each line's Changes were published in
// version order, with no version twice.
func checkPublishedInOrder(t *testing.T, chs []queue.Change) {
	t.Helper()
	last := map[string]int64{}
	for _, c := range chs {
		if c.Version <= last[c.QueueID] {
			t.Fatalf("line %s: version %d published after %d", c.QueueID, c.Version, last[c.QueueID])
		}
		last[c.QueueID] = c.Version
	}
}

// Transfers back and forth between two lines, racing check-ins to both, with
// one group commit per line: nobody lost or doubled, every line's Changes in
// order.
func TestConcurrentTransfers(t *testing.T) { lanes(t, concurrentTransfers) }

func concurrentTransfers(t *testing.T, h *harness) {
	ctx := context.Background()
	h.line(t, "b", "B", queue.LinePatch{})
	var ids []string
	for i := range 10 {
		ids = append(ids, h.visit(t, queue.DefaultQueueID, fmt.Sprint("t", i), "").ID)
	}
	h.take()
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for k := range 4 {
				to := []string{"b", queue.DefaultQueueID}[k%2]
				if _, err := h.svc.Transfer(ctx, id, to, k%2 == 1); err != nil {
					t.Error(err)
				}
			}
		}()
		go func() {
			defer wg.Done()
			if _, err := h.svc.CheckIn(ctx, queue.CheckInRequest{QueueID: []string{queue.DefaultQueueID, "b"}[i%2],
				Name: fmt.Sprint("c", i), FrontDesk: true}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if a, b := len(h.order(t, queue.DefaultQueueID)), len(h.order(t, "b")); a != 15 || b != 5 {
		t.Fatalf("waiting %d and %d, want 15 (10 transferred back + 5) and 5", a, b)
	}
	checkPublishedInOrder(t, h.take())
}

func isCode(err error, code string) bool {
	var de *queue.Error
	return errors.As(err, &de) && de.Code == code
}

// A walk-in whose clock reads earlier than a walk-in already in the line —
// another instance committed first while this one waited for the line's lock,
// or its clock is behind — goes after it: walk-ins are ordered as they
// committed, so the position each was told at check-in stays true. Booked
// patients keep their place by appointment.
func TestWalkInsInCommitOrder(t *testing.T) {
	h := newHarness(t)
	h.at(9, 1)
	ann := h.visit(t, queue.DefaultQueueID, "Ann", "")
	h.at(9, 0) // a clock behind Ann's
	ben := h.visit(t, queue.DefaultQueueID, "Ben", "")
	if ann.Position != 1 || ben.Position != 2 {
		t.Fatalf("told positions: Ann %d, Ben %d; want 1, 2", ann.Position, ben.Position)
	}
	if got := h.order(t, queue.DefaultQueueID); !slices.Equal(got, []string{"Ann", "Ben"}) {
		t.Fatalf("order %v", got)
	}
	// Another instance, which reads the line afresh, with its clock further
	// behind: after both.
	other := &queue.Service{Store: h.db, Config: h.svc.Config,
		Now: func() time.Time { return time.Date(2026, 11, 28, 8, 59, 0, 0, time.UTC) }}
	cy, err := other.CheckIn(context.Background(), queue.CheckInRequest{Name: "Cy", FrontDesk: true})
	if err != nil {
		t.Fatal(err)
	}
	if cy.Position != 3 {
		t.Fatalf("Cy told position %d, want 3", cy.Position)
	}
	if got := h.order(t, queue.DefaultQueueID); !slices.Equal(got, []string{"Ann", "Ben", "Cy"}) {
		t.Fatalf("order %v", got)
	}
}

package queue_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"smartwait/internal/queue"
	"smartwait/internal/sqlite"
	"smartwait/internal/sqlite/sqlitetest"
)

// harness is a Service on a real SQLite file with a controlled clock and a
// publisher that records every Change.
type harness struct {
	svc  *queue.Service
	db   *sqlite.DB
	path string // the database file

	mu      sync.Mutex
	now     time.Time
	changes []queue.Change
}

func newHarness(tb testing.TB, tune ...func(*queue.Config)) *harness {
	tb.Helper()
	ctx := context.Background()
	path := sqlitetest.Migrated(tb, "queue.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	h := &harness{db: db, path: path, now: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)}
	cfg := queue.DefaultConfig()
	cfg.Location = time.UTC
	for _, f := range tune {
		f(&cfg)
	}
	h.svc = &queue.Service{
		Store:  db,
		Config: cfg,
		Now: func() time.Time {
			h.mu.Lock()
			defer h.mu.Unlock()
			return h.now
		},
		Publisher: queue.PublisherFunc(func(c queue.Change) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.changes = append(h.changes, c)
		}),
	}
	return h
}

func (h *harness) advance(d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.now = h.now.Add(d)
}

// take returns the changes published since the last take.
func (h *harness) take() []queue.Change {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.changes
	h.changes = nil
	return c
}

var phones = []string{"+14155552671", "+14155552672", "+14155552673", "+14155552674", "+14155552675", "+14155552676"}

func (h *harness) checkIn(tb testing.TB, i int) queue.Entry {
	tb.Helper()
	e, err := h.svc.CheckIn(context.Background(), queue.CheckInRequest{
		Name: fmt.Sprintf("Patient %d", i), Phone: phones[i], AppointmentTime: "10:00",
	})
	if err != nil {
		tb.Fatalf("check-in %d: %v", i, err)
	}
	return e
}

func (h *harness) messages(tb testing.TB, id string) map[queue.MessageKind][]queue.Message {
	tb.Helper()
	ms, err := h.db.Messages(context.Background(), id)
	if err != nil {
		tb.Fatal(err)
	}
	out := map[queue.MessageKind][]queue.Message{}
	for _, m := range ms {
		out[m.Kind] = append(out[m.Kind], m)
	}
	return out
}

// brief is what a test asserts of an Entry in a Change.
type brief struct {
	Number   string
	Status   queue.Status
	Position int
	Wait     int
}

func briefs(es []queue.Entry) []brief {
	out := make([]brief, 0, len(es))
	for _, e := range es {
		out = append(out, brief{e.Number, e.Status, e.Position, e.EstimatedWait})
	}
	return out
}

func wantCode(tb testing.TB, err error, code string) {
	tb.Helper()
	var e *queue.Error
	if !errors.As(err, &e) || e.Code != code {
		tb.Fatalf("error = %v, want code %s", err, code)
	}
}

func TestCheckInQuotesPositionsAndWaits(t *testing.T) {
	h := newHarness(t)
	for i, want := range []brief{{"A-001", "waiting", 1, 0}, {"A-002", "waiting", 2, 15}, {"A-003", "waiting", 3, 30}} {
		e := h.checkIn(t, i)
		if got := briefs([]queue.Entry{e})[0]; got != want {
			t.Errorf("check-in %d = %+v, want %+v", i, got, want)
		}
		if !queue.ValidID(e.ID) || e.Phone != phones[i] || e.QuotedWait != want.Wait {
			t.Errorf("check-in %d: id %q phone %q quoted %d", i, e.ID, e.Phone, e.QuotedWait)
		}
		// One confirmation, no get-ready: nobody is being served yet.
		ms := h.messages(t, e.ID)
		if len(ms[queue.MessageConfirmation]) != 1 || len(ms) != 1 {
			t.Errorf("check-in %d messages = %v, want one confirmation", i, ms)
		}
	}
	changes := h.take()
	if len(changes) != 3 {
		t.Fatalf("published %d changes, want 3", len(changes))
	}
	for i, c := range changes {
		if c.Kind != queue.ChangeCheckedIn || c.Version != int64(i+1) || c.Waiting != i+1 || c.Called != 0 {
			t.Errorf("change %d = kind %s version %d waiting %d called %d", i, c.Kind, c.Version, c.Waiting, c.Called)
		}
		if len(c.Moved) != 1 || c.Moved[0].ID != c.Ticket.ID || len(c.Ready) != 0 {
			t.Errorf("change %d: moved %v ready %v, want only the new ticket moved", i, briefs(c.Moved), briefs(c.Ready))
		}
	}
}

func TestCallNextMovesEveryoneAndMakesReady(t *testing.T) {
	h := newHarness(t)
	a, b, c, d := h.checkIn(t, 0), h.checkIn(t, 1), h.checkIn(t, 2), h.checkIn(t, 3)
	h.take()

	called, err := h.svc.CallNext(context.Background(), "", "Room 2")
	if err != nil {
		t.Fatal(err)
	}
	if called.ID != a.ID || called.Status != queue.StatusCalled || called.Room != "Room 2" || !called.CalledAt.Equal(h.now) {
		t.Fatalf("called %+v, want %s called to Room 2", called, a.Number)
	}
	ch := h.take()
	if len(ch) != 1 || ch[0].Kind != queue.ChangeCalled || ch[0].Version != 5 {
		t.Fatalf("changes = %+v", ch)
	}
	got := ch[0]
	// Everyone waiting moved up one; with one in service the estimates stay.
	wantMoved := []brief{{"A-001", "called", 0, 0}, {"A-002", "waiting", 1, 15}, {"A-003", "waiting", 2, 30}, {"A-004", "waiting", 3, 45}}
	if !slices.Equal(briefs(got.Moved), wantMoved) {
		t.Errorf("moved = %+v, want %+v", briefs(got.Moved), wantMoved)
	}
	if !slices.Equal(briefs(got.Entries), wantMoved) {
		t.Errorf("entries = %+v, want %+v", briefs(got.Entries), wantMoved)
	}
	// The first call makes positions 1..3 ready at once.
	wantReady := []brief{{"A-002", "waiting", 1, 15}, {"A-003", "waiting", 2, 30}, {"A-004", "waiting", 3, 45}}
	if !slices.Equal(briefs(got.Ready), wantReady) {
		t.Errorf("ready = %+v, want %+v", briefs(got.Ready), wantReady)
	}
	if got.Waiting != 3 || got.Called != 1 || got.NowServing != "A-001" {
		t.Errorf("counts waiting %d called %d serving %q", got.Waiting, got.Called, got.NowServing)
	}

	ms := h.messages(t, a.ID)
	if len(ms[queue.MessageCalled]) != 1 || len(ms[queue.MessageFollowUp]) != 1 {
		t.Fatalf("called patient's messages = %v", ms)
	}
	if fu := ms[queue.MessageFollowUp][0]; !fu.DueAt.Equal(h.now.Add(10*time.Minute)) || fu.Status != queue.MessagePending {
		t.Errorf("follow-up due %v status %s, want pending at call + 10m", fu.DueAt, fu.Status)
	}
	if body := ms[queue.MessageCalled][0].Body; !strings.Contains(body, "your turn") || !strings.Contains(body, "Room 2") {
		t.Errorf("called text %q", body)
	}
	for _, e := range []queue.Entry{b, c, d} {
		if n := len(h.messages(t, e.ID)[queue.MessageGetReady]); n != 1 {
			t.Errorf("%s has %d get-ready texts, want 1", e.Number, n)
		}
	}

	// The next call makes nobody newly ready (all were) and sends no second get-ready.
	e := h.checkIn(t, 4) // position 4: not ready
	if len(h.take()[0].Ready) != 0 {
		t.Fatalf("check-in at position 4 became ready")
	}
	if _, err := h.svc.CallNext(context.Background(), "", ""); err != nil {
		t.Fatal(err)
	}
	got = h.take()[0]
	if !slices.Equal(briefs(got.Ready), []brief{{"A-005", "waiting", 3, 45}}) {
		t.Errorf("second call ready = %+v, want only A-005", briefs(got.Ready))
	}
	if n := len(h.messages(t, b.ID)[queue.MessageGetReady]); n != 1 {
		t.Errorf("A-002 has %d get-ready texts after two calls, want 1", n)
	}
	if n := len(h.messages(t, e.ID)[queue.MessageGetReady]); n != 1 {
		t.Errorf("A-005 has %d get-ready texts, want 1", n)
	}
}

func TestReadyAtCheckInGetsOneText(t *testing.T) {
	h := newHarness(t)
	h.checkIn(t, 0)
	if _, err := h.svc.CallNext(context.Background(), "", ""); err != nil {
		t.Fatal(err)
	}
	h.take()
	e := h.checkIn(t, 1) // position 1 while one is served: ready at check-in
	ch := h.take()[0]
	if !slices.Equal(briefs(ch.Ready), []brief{{"A-002", "waiting", 1, 15}}) || e.ReadyAt.IsZero() {
		t.Fatalf("ready = %+v (ReadyAt %v), want A-002 ready at check-in", briefs(ch.Ready), e.ReadyAt)
	}
	ms := h.messages(t, e.ID)
	if len(ms) != 1 || len(ms[queue.MessageConfirmation]) != 1 {
		t.Fatalf("messages = %v, want one confirmation only", ms)
	}
	if body := strings.ToLower(ms[queue.MessageConfirmation][0].Body); !strings.Contains(body, "get ready") {
		t.Errorf("confirmation %q is not worded as a get-ready notice", body)
	}
	// Moving it later never makes it ready twice.
	if _, err := h.svc.CallNext(context.Background(), "", ""); err != nil {
		t.Fatal(err)
	}
	if n := len(h.messages(t, e.ID)[queue.MessageGetReady]); n != 0 {
		t.Errorf("%d get-ready texts after check-in as ready, want 0", n)
	}
}

func TestCompleteLearnsServiceTimeAndCancelsFollowUp(t *testing.T) {
	h := newHarness(t)
	a, _, _ := h.checkIn(t, 0), h.checkIn(t, 1), h.checkIn(t, 2)
	if _, err := h.svc.CallNext(context.Background(), "", ""); err != nil {
		t.Fatal(err)
	}
	h.take()
	h.advance(9 * time.Minute)
	done, err := h.svc.Complete(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != queue.StatusCompleted || !done.CompletedAt.Equal(h.now) {
		t.Fatalf("completed = %+v", done)
	}
	ch := h.take()[0]
	// S = (9×1 + 15×5) / 6 = 14 min; nobody is in service any more.
	want := []brief{{"A-002", "waiting", 1, 0}, {"A-003", "waiting", 2, 14}}
	if ch.Kind != queue.ChangeCompleted || !slices.Equal(briefs(ch.Moved), want) || !slices.Equal(briefs(ch.Entries), want) {
		t.Fatalf("change %s moved %+v entries %+v, want %+v", ch.Kind, briefs(ch.Moved), briefs(ch.Entries), want)
	}
	if ch.Ticket.ID != a.ID || ch.Ticket.Status != queue.StatusCompleted || ch.Called != 0 || ch.NowServing != "" {
		t.Errorf("ticket %+v called %d serving %q", ch.Ticket, ch.Called, ch.NowServing)
	}
	if fu := h.messages(t, a.ID)[queue.MessageFollowUp]; len(fu) != 1 || fu[0].Status != queue.MessageCancelled {
		t.Errorf("follow-up after completion = %+v, want cancelled", fu)
	}
	stats, err := h.svc.Stats(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if stats.TotalCompleted != 1 || stats.TotalWaiting != 2 || stats.AverageServiceTime != 9 || stats.ServiceTime != 14 {
		t.Errorf("stats = %+v", stats)
	}
	// Completing again: the ticket is no longer active.
	_, err = h.svc.Complete(context.Background(), a.ID)
	wantCode(t, err, queue.CodePatientNotFound)
	if len(h.take()) != 0 {
		t.Error("a failed operation published a change")
	}
}

func TestNoShowCancelRecallAndErrors(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	a, b, c := h.checkIn(t, 0), h.checkIn(t, 1), h.checkIn(t, 2)

	_, err := h.svc.Recall(ctx, a.ID)
	wantCode(t, err, queue.CodeNotCalled)
	if _, err := h.svc.CallNext(ctx, "", "1"); err != nil {
		t.Fatal(err)
	}
	h.take()
	if _, err := h.svc.Recall(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	rc := h.take()[0]
	if rc.Kind != queue.ChangeRecalled || len(rc.Moved) != 0 || rc.Entries != nil || rc.NowServing != "A-001" {
		t.Errorf("recall change = %s moved %d entries %v", rc.Kind, len(rc.Moved), rc.Entries)
	}
	if n := len(h.messages(t, a.ID)[queue.MessageCalled]); n != 2 {
		t.Errorf("%d called texts after a recall, want 2", n)
	}

	// A waiting patient leaves: the one behind moves up.
	left, err := h.svc.Cancel(ctx, b.ID)
	if err != nil || left.Status != queue.StatusCancelled {
		t.Fatalf("cancel = %+v, %v", left, err)
	}
	cc := h.take()[0]
	if want := []brief{{"A-003", "waiting", 1, 15}}; cc.Kind != queue.ChangeCancelled || !slices.Equal(briefs(cc.Moved), want) {
		t.Errorf("cancel moved %+v, want %+v", briefs(cc.Moved), want)
	}
	_, err = h.svc.Cancel(ctx, b.ID)
	wantCode(t, err, queue.CodeNotActive)

	// The called patient does not come.
	if _, err := h.svc.NoShow(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	ns := h.take()[0]
	if want := []brief{{"A-003", "waiting", 1, 0}}; ns.Kind != queue.ChangeNoShow || !slices.Equal(briefs(ns.Moved), want) {
		t.Errorf("no-show moved %+v, want %+v", briefs(ns.Moved), want)
	}
	_, err = h.svc.NoShow(ctx, a.ID)
	wantCode(t, err, queue.CodePatientNotFound)

	// A waiting patient can be completed or marked no-show directly.
	if _, err := h.svc.NoShow(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	_, err = h.svc.CallNext(ctx, "", "")
	wantCode(t, err, queue.CodeNoneWaiting)

	for _, id := range []string{"nope", "", strings.ToUpper(a.ID), queue.NewID()} {
		_, err := h.svc.Status(ctx, id)
		wantCode(t, err, queue.CodePatientNotFound)
		_, err = h.svc.Complete(ctx, id)
		wantCode(t, err, queue.CodePatientNotFound)
		_, err = h.svc.Cancel(ctx, id)
		wantCode(t, err, queue.CodePatientNotFound)
	}
}

func TestDuplicatePhoneOnlyAmongActive(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	a := h.checkIn(t, 0)
	for _, phone := range []string{"(415) 555-2671", "415-555-2671", "+1 415 555 2671"} {
		_, err := h.svc.CheckIn(ctx, queue.CheckInRequest{Name: "Again", Phone: phone, AppointmentTime: "11:00"})
		wantCode(t, err, queue.CodeDuplicate)
		if !strings.Contains(err.Error(), "already in the queue") {
			t.Errorf("duplicate message %q", err)
		}
	}
	if _, err := h.svc.Complete(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	again := h.checkIn(t, 0)
	if again.ID == a.ID || again.Number != "A-002" || again.Position != 1 {
		t.Errorf("check-in after completion = %+v", again)
	}
}

func TestStatusAgreesWithQueue(t *testing.T) {
	h := newHarness(t, func(c *queue.Config) { c.Estimator.Rooms = 2 })
	ctx := context.Background()
	var ids []string
	for i := range 5 {
		ids = append(ids, h.checkIn(t, i).ID)
	}
	if _, err := h.svc.CallNext(ctx, "", "1"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.Cancel(ctx, ids[2]); err != nil {
		t.Fatal(err)
	}
	entries, version, err := h.svc.Queue(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if version != 7 || len(entries) != 4 {
		t.Fatalf("queue version %d with %d entries", version, len(entries))
	}
	for _, e := range entries {
		st, err := h.svc.Status(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Position != e.Position || st.EstimatedWait != e.EstimatedWait || st.Status != e.Status || st.QueueLength != 3 || st.Version != 7 {
			t.Errorf("status %+v disagrees with queue entry %+v", briefs([]queue.Entry{st.Entry}), briefs([]queue.Entry{e}))
		}
	}
	// Two rooms, one busy: positions 1..3 wait 8, 15, 23 minutes (15/2 per step).
	if got, want := briefs(entries), []brief{{"A-001", "called", 0, 0}, {"A-002", "waiting", 1, 8}, {"A-004", "waiting", 2, 15}, {"A-005", "waiting", 3, 23}}; !slices.Equal(got, want) {
		t.Errorf("entries = %+v, want %+v", got, want)
	}
}

func TestTicketNumbersRestartEachDay(t *testing.T) {
	h := newHarness(t)
	if e := h.checkIn(t, 0); e.Number != "A-001" {
		t.Fatalf("first ticket %s", e.Number)
	}
	h.advance(20 * time.Hour) // next day, 05:00 UTC
	e := h.checkIn(t, 1)
	if e.Number != "A-001" || e.Day != "2026-11-29" || e.Position != 2 {
		t.Fatalf("next day's first ticket = %s on %s at %d", e.Number, e.Day, e.Position)
	}
}

func TestPublisherPanicDoesNotFailTheOperation(t *testing.T) {
	h := newHarness(t)
	h.svc.Publisher = queue.PublisherFunc(func(queue.Change) { panic("transport exploded") })
	e := h.checkIn(t, 0)
	st, err := h.svc.Status(context.Background(), e.ID)
	if err != nil || st.Position != 1 || st.Version != 1 {
		t.Fatalf("after a panicking publisher: %+v, %v", st, err)
	}
}

func TestConcurrentOperationsPublishInVersionOrder(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	const n = 40
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := h.svc.CheckIn(ctx, queue.CheckInRequest{Name: "P", Phone: fmt.Sprintf("+1415555%04d", 2600+i), AppointmentTime: "9"})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := h.svc.CallNext(ctx, "", "")
			var e *queue.Error
			if err != nil && !(errors.As(err, &e) && e.Code == queue.CodeNoneWaiting) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	changes := h.take()
	positions := map[int]bool{}
	for i, c := range changes {
		if c.Version != int64(i+1) {
			t.Fatalf("change %d has version %d: not published in commit order", i, c.Version)
		}
		if c.Kind == queue.ChangeCheckedIn {
			positions[c.Ticket.Position] = true
		}
	}
	entries, _, err := h.svc.Queue(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	waiting := 0
	for _, e := range entries {
		if e.Status == queue.StatusWaiting {
			waiting++
			if e.Position != waiting {
				t.Fatalf("positions not contiguous: %+v", briefs(entries))
			}
		}
	}
	if len(entries) != n {
		t.Errorf("%d active tickets, want %d", len(entries), n)
	}
}

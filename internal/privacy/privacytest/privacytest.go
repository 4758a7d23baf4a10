// Package privacytest is the conformance suite of privacy.Store: SQLite and
// PostgreSQL run it unchanged. It fills a real database through the queue
// rules (queue.Service), the outbox and the audit trail, erases — by age and
// by phone number — and then reads every column of every table, as the
// database's own catalogue lists them, for the erased names and numbers.
package privacytest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"smartwait/internal/audit"
	"smartwait/internal/privacy"
	"smartwait/internal/queue"
)

// Store is everything the suite fills and erases: one database.
type Store interface {
	queue.Store
	audit.Store
	privacy.Store
}

// Cell is one stored value: a column of a row of a table.
type Cell struct {
	Table, Column, Value string
}

// Fixture is a fresh database and a way to read all of it.
type Fixture struct {
	Store Store
	// Cells returns every value of every column of every table, found by
	// reading the schema (sqlite_master, information_schema) rather than a
	// list that a new table could be missing from; each as text.
	Cells func(ctx context.Context) ([]Cell, error)
}

// RunStoreTests runs the suite. open must return a fresh, migrated database
// on every call and arrange its cleanup on tb.
func RunStoreTests(t *testing.T, open func(tb testing.TB) Fixture) {
	for _, tt := range []struct {
		name string
		fn   func(t *testing.T, f Fixture)
	}{
		{"Retention", testRetention},
		{"RetentionBatches", testRetentionBatches},
		{"ErasePhone", testErasePhone},
		{"ErasePhoneRefusesActive", testErasePhoneActive},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open(t))
		})
	}
}

// day0 is the clinic day whose visits age past retention.
var day0 = time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)

// fakeClock is the settable time of the queue rules and the retention job.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

type env struct {
	tb    testing.TB
	f     Fixture
	clock *fakeClock
	svc   *queue.Service
}

func newEnv(tb testing.TB, f Fixture) *env {
	clk := &fakeClock{t: day0}
	cfg := queue.DefaultConfig()
	cfg.Location = time.UTC
	cfg.CheckInsPerPhone = 0
	return &env{tb: tb, f: f, clock: clk,
		svc: &queue.Service{Store: f.Store, Config: cfg, Now: clk.Now, Log: slog.New(slog.DiscardHandler)}}
}

// patient is one person of the fixture.
type patient struct{ name, phone string }

func (e *env) checkIn(p patient) queue.Entry {
	e.tb.Helper()
	en, err := e.svc.CheckIn(context.Background(), queue.CheckInRequest{Name: p.name, Phone: p.phone, AppointmentTime: "note for " + p.name})
	if err != nil {
		e.tb.Fatalf("check in %s: %v", p.name, err)
	}
	return en
}

func (e *env) do(what string, fn func(context.Context, string) (queue.Entry, error), id string) {
	e.tb.Helper()
	if _, err := fn(context.Background(), id); err != nil {
		e.tb.Fatalf("%s: %v", what, err)
	}
}

func (e *env) call() queue.Entry {
	e.tb.Helper()
	en, err := e.svc.Call(context.Background(), queue.CallRequest{Room: "2"})
	if err != nil {
		e.tb.Fatalf("call: %v", err)
	}
	return en
}

func (e *env) advance(d time.Duration) { e.clock.Set(e.clock.Now().Add(d)) }

// failedText writes a text whose provider error quotes the number and the
// name, as Twilio's error messages can.
func (e *env) failedText(t queue.Entry, p patient) {
	e.tb.Helper()
	err := e.f.Store.Update(context.Background(), func(tx queue.Tx) error {
		return tx.AddMessage(context.Background(), &queue.Message{
			TicketID: t.ID, Kind: queue.MessageFollowUp, To: p.phone, Body: "Reminder, " + p.name,
			DedupeKey: t.ID + ":test-failed", Status: queue.MessageFailed, Attempts: 3,
			LastError: "The 'To' number " + p.phone + " is not a valid phone number", CreatedAt: e.clock.Now(),
		})
	})
	if err != nil {
		e.tb.Fatalf("add failed text: %v", err)
	}
}

func (e *env) audit(at time.Time, ip string, target queue.Entry) {
	e.tb.Helper()
	err := e.f.Store.AppendAudit(context.Background(), &audit.Entry{At: at, Actor: "nurse", IP: ip, Action: audit.Complete,
		Target: audit.Target{Kind: audit.TargetTicket, ID: target.ID, Number: target.Number}, Result: audit.ResultOK})
	if err != nil {
		e.tb.Fatalf("append audit: %v", err)
	}
}

// hits returns where any of the needles is stored, in any column of any table.
func (e *env) hits(needles ...string) []string {
	e.tb.Helper()
	cells, err := e.f.Cells(context.Background())
	if err != nil {
		e.tb.Fatalf("read every table: %v", err)
	}
	if len(cells) == 0 {
		e.tb.Fatal("read every table: no cells")
	}
	var out []string
	for _, c := range cells {
		for _, n := range needles {
			if strings.Contains(c.Value, n) {
				out = append(out, fmt.Sprintf("%s.%s holds %q", c.Table, c.Column, n))
			}
		}
	}
	return out
}

// figures are what statistics and the estimator read of day0.
type figures struct {
	Stats    queue.Stats
	Lines    []queue.LineStats
	Finished []queue.Finished
}

func (e *env) figures() figures {
	e.tb.Helper()
	saved := e.clock.Now()
	defer e.clock.Set(saved)
	e.clock.Set(day0.Add(10 * time.Hour)) // the evening of day0: its statistics
	var f figures
	var err error
	if f.Stats, f.Lines, err = e.svc.ClinicStats(context.Background()); err != nil {
		e.tb.Fatalf("stats: %v", err)
	}
	err = e.f.Store.View(context.Background(), func(tx queue.Tx) (err error) {
		f.Finished, err = tx.RecentFinished(context.Background(), queue.DefaultQueueID, 100)
		return err
	})
	if err != nil {
		e.tb.Fatalf("recent finished: %v", err)
	}
	return f
}

func (e *env) ticket(id string) queue.Ticket {
	e.tb.Helper()
	var t queue.Ticket
	err := e.f.Store.View(context.Background(), func(tx queue.Tx) (err error) {
		t, err = tx.Ticket(context.Background(), id)
		return err
	})
	if err != nil {
		e.tb.Fatalf("ticket %s: %v", id, err)
	}
	return t
}

var (
	ann   = patient{"Zebulon Quartermain", "+14155552671"}
	ben   = patient{"Philippa Oyelaran", "+14155552672"}
	cy    = patient{"Ignatius Vandersloot", "+14155552673"}
	dee   = patient{"Marisol Achterberg", "+14155552674"} // still waiting: active tickets are never erased
	eve   = patient{"Thaddeus Okonkwo", "+14155552675"}   // finished yesterday: too recent
	zed   = patient{"", "+14155552676"}                   // texted STATUS without a ticket: only our answer holds the number
	oldIP = "203.0.113.77"
	newIP = "198.51.100.42"
)

func testRetention(t *testing.T, f Fixture) {
	e := newEnv(t, f)
	ctx := context.Background()

	// day0: Ann is seen, Ben is a no-show, Cy leaves, Dee is still waiting a
	// month later (a forgotten ticket: active, so kept).
	a, b, c := e.checkIn(ann), e.checkIn(ben), e.checkIn(cy)
	e.advance(5 * time.Minute)
	if got := e.call(); got.ID != a.ID {
		t.Fatalf("called %s, want Ann", got.Number)
	}
	e.advance(20 * time.Minute)
	e.do("complete", e.svc.Complete, a.ID)
	e.do("cancel", e.svc.Cancel, c.ID)
	e.call()
	e.advance(10 * time.Minute)
	e.do("no-show", e.svc.NoShow, b.ID)
	d := e.checkIn(dee)
	e.failedText(a, ann)
	e.audit(e.clock.Now(), oldIP, a)
	if _, err := e.svc.Reply(ctx, queue.InboundText{SID: "SMprivacy1", From: zed.phone, Body: "status"}); err != nil {
		t.Fatal(err)
	}

	// A month later, yesterday: Eve is seen.
	e.clock.Set(day0.Add(30 * 24 * time.Hour))
	ev := e.checkIn(eve)
	e.do("complete", e.svc.Complete, ev.ID)
	e.audit(e.clock.Now(), newIP, ev)

	before := e.figures()
	old := []string{ann.name, ann.phone, ben.name, ben.phone, cy.name, cy.phone, zed.phone, oldIP}
	if got := e.hits(old...); len(got) == 0 {
		t.Fatal("the fixture stored none of the names: the scan proves nothing")
	}

	r := &privacy.Retention{Store: f.Store, Audit: f.Store, Days: 30, Now: func() time.Time { return day0.Add(31 * 24 * time.Hour) }}
	rep, err := r.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Tickets != 3 || rep.Messages == 0 || rep.AuditEntries != 1 {
		t.Errorf("report %+v, want 3 tickets, their texts, 1 audit entry", rep)
	}
	if got := e.hits(old...); len(got) > 0 {
		t.Errorf("after retention, personal data of old visits is still stored:\n%s", strings.Join(got, "\n"))
	}
	for _, p := range []patient{dee, eve} {
		if got := e.hits(p.name, p.phone); len(got) == 0 {
			t.Errorf("%s's data (active, or too recent) was erased", p.name)
		}
	}
	if got := e.hits(newIP); len(got) == 0 {
		t.Error("a recent audit entry lost its IP")
	}
	for _, id := range []string{a.ID, b.ID, c.ID} {
		tk := e.ticket(id)
		if tk.Name != "" || tk.Phone != "" || tk.AppointmentTime != "" || tk.Number == "" || tk.Status.Active() || tk.CompletedAt.IsZero() {
			t.Errorf("erased ticket %s: %+v; want name, phone, appointment empty, number, status and times kept", id, tk)
		}
	}
	if tk := e.ticket(d.ID); tk.Name != dee.name || tk.Phone != dee.phone {
		t.Errorf("active ticket erased: %+v", tk)
	}
	if after := e.figures(); !reflect.DeepEqual(before, after) {
		t.Errorf("statistics changed with retention:\nbefore %+v\nafter  %+v", before, after)
	}

	again, err := r.Run(ctx)
	if err != nil || again.Tickets != 0 || again.Messages != 0 || again.AuditEntries != 0 {
		t.Errorf("second run: %+v, %v; want nothing left to erase", again, err)
	}
	// A number whose old tickets were erased checks in again as anyone would.
	e.clock.Set(day0.Add(31 * 24 * time.Hour))
	e.checkIn(ann)
}

func testRetentionBatches(t *testing.T, f Fixture) {
	e := newEnv(t, f)
	ctx := context.Background()
	for i := range 5 {
		en := e.checkIn(patient{fmt.Sprintf("Batch Person %d", i), fmt.Sprintf("+1415555268%d", i)})
		e.do("cancel", e.svc.Cancel, en.ID)
	}
	at := day0.Add(40 * 24 * time.Hour)
	for _, want := range []int{2, 2, 1, 0} {
		got, err := f.Store.EraseFinished(ctx, day0.Add(time.Hour), at, 2)
		if err != nil {
			t.Fatal(err)
		}
		if got.Tickets != want {
			t.Errorf("EraseFinished(limit 2) erased %d tickets, want %d", got.Tickets, want)
		}
	}
	if got := e.hits("Batch Person"); len(got) > 0 {
		t.Errorf("left: %v", got)
	}
}

func testErasePhone(t *testing.T, f Fixture) {
	e := newEnv(t, f)
	ctx := context.Background()
	// Ann came twice (the second time under another name); Ben once.
	first := e.checkIn(ann)
	e.call()
	e.do("complete", e.svc.Complete, first.ID)
	e.advance(2 * time.Hour)
	second := e.checkIn(patient{"Zeb Q. Junior", ann.phone})
	other := e.checkIn(ben)
	e.call()
	e.do("complete", e.svc.Complete, second.ID)
	e.failedText(second, ann)
	before := e.figures()

	got, err := f.Store.ErasePhone(ctx, ann.phone, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got.Tickets != 2 || got.Messages < 3 {
		t.Errorf("erased %+v, want 2 tickets and their texts (at least 3)", got)
	}
	if hits := e.hits(ann.name, "Zeb Q. Junior", ann.phone); len(hits) > 0 {
		t.Errorf("after erasing %s:\n%s", ann.phone, strings.Join(hits, "\n"))
	}
	if hits := e.hits(ben.name, ben.phone); len(hits) == 0 {
		t.Error("another patient's data was erased too")
	}
	if tk := e.ticket(other.ID); tk.Name != ben.name {
		t.Errorf("Ben's ticket: %+v", tk)
	}
	if after := e.figures(); !reflect.DeepEqual(before, after) {
		t.Errorf("statistics changed with the erasure:\nbefore %+v\nafter  %+v", before, after)
	}
	// Nothing left: a second erasure finds nothing, and is no error.
	if again, err := f.Store.ErasePhone(ctx, ann.phone, e.clock.Now()); err != nil || again != (privacy.Erased{}) {
		t.Errorf("second erasure: %+v, %v", again, err)
	}
	e.checkIn(ann) // the number may check in again
}

func testErasePhoneActive(t *testing.T, f Fixture) {
	e := newEnv(t, f)
	ctx := context.Background()
	done := e.checkIn(ann)
	e.do("cancel", e.svc.Cancel, done.ID)
	active := e.checkIn(ann)
	_, err := f.Store.ErasePhone(ctx, ann.phone, e.clock.Now())
	var ae *privacy.ActiveError
	if !errors.As(err, &ae) || len(ae.Numbers) != 1 || ae.Numbers[0] != active.Number {
		t.Fatalf("ErasePhone with an active ticket: %v; want an ActiveError naming %s", err, active.Number)
	}
	if tk := e.ticket(done.ID); tk.Name != ann.name {
		t.Errorf("refused erasure still erased the finished ticket: %+v", tk)
	}
	e.do("cancel", e.svc.Cancel, active.ID)
	if got, err := f.Store.ErasePhone(ctx, ann.phone, e.clock.Now()); err != nil || got.Tickets != 2 {
		t.Errorf("after the visit ended: %+v, %v; want both tickets erased", got, err)
	}
}

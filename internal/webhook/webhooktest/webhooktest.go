// Package webhooktest is the conformance suite of the webhook outbox: what
// queue.Tx.AddWebhookEvent and queue.Tx.RecordDelivery write, and the
// webhook.Store the dispatcher and the admin routes read it through. SQLite
// and PostgreSQL run it unchanged; it uses only the interfaces' methods.
package webhooktest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"smartwait/internal/notify"
	"smartwait/internal/queue"
	"smartwait/internal/webhook"
)

// Store is what the suite needs of an implementation.
type Store interface {
	webhook.Store
	queue.Store
	notify.Outbox
}

// RunStoreTests runs the suite. open must return an empty, migrated store on
// every call and arrange its cleanup on tb.
func RunStoreTests(t *testing.T, open func(tb testing.TB) Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s Store)
	}{
		{"EndpointsCRUD", testCRUD},
		{"EndpointLimit", testLimit},
		{"FanOut", testFanOut},
		{"FanOutCounts", testFanOutCounts},
		{"EventRollsBackWithChange", testRollback},
		{"ClaimDeliverInOrder", testClaimInOrder},
		{"FailureRetryAndDisable", testFailure},
		{"LeaseLostAndExpiry", testLease},
		{"LogTrimmed", testLogTrimmed},
		{"ConcurrentClaims", testConcurrentClaims},
		{"RecordDelivery", testRecordDelivery},
		{"DeleteCascades", testDeleteCascades},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

var t0 = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

func endpoint(id string, personal bool, types ...queue.WebhookEventType) webhook.Endpoint {
	return webhook.Endpoint{ID: id, URL: "https://example.com/" + id, Events: types, Personal: personal,
		Secret: "whsec_" + id, Enabled: true, CreatedAt: t0, UpdatedAt: t0}
}

func create(tb testing.TB, s Store, es ...webhook.Endpoint) {
	tb.Helper()
	for _, e := range es {
		if err := s.CreateWebhook(context.Background(), e, 100); err != nil {
			tb.Fatalf("CreateWebhook(%s): %v", e.ID, err)
		}
	}
}

func event(id string, typ queue.WebhookEventType) queue.WebhookEvent {
	return queue.WebhookEvent{ID: id, Type: typ, Time: t0, TicketID: "t-" + id,
		Public: []byte(`{"id":"` + id + `"}`), Personal: []byte(`{"id":"` + id + `","patient":{}}`)}
}

func addEvents(tb testing.TB, s Store, evs ...queue.WebhookEvent) {
	tb.Helper()
	err := s.Update(context.Background(), func(tx queue.Tx) error {
		for _, e := range evs {
			if _, err := tx.AddWebhookEvent(context.Background(), e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("AddWebhookEvent: %v", err)
	}
}

func get(tb testing.TB, s Store, id string) webhook.Endpoint {
	tb.Helper()
	e, err := s.Webhook(context.Background(), id)
	if err != nil {
		tb.Fatalf("Webhook(%s): %v", id, err)
	}
	return e
}

func claim(tb testing.TB, s Store, now time.Time) []webhook.Claim {
	tb.Helper()
	cs, err := s.ClaimWebhooks(context.Background(), now, time.Minute, 10)
	if err != nil {
		tb.Fatalf("ClaimWebhooks: %v", err)
	}
	return cs
}

func deliveries(tb testing.TB, s Store, c webhook.Claim) []webhook.Delivery {
	tb.Helper()
	ds, err := s.WebhookDeliveries(context.Background(), c, 100)
	if err != nil {
		tb.Fatalf("WebhookDeliveries: %v", err)
	}
	return ds
}

func eventIDs(ds []webhook.Delivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.EventID
	}
	return out
}

// Endpoints round-trip every field; list is oldest first; save and delete
// find unknown ids as ErrNotFound.
func testCRUD(t *testing.T, s Store) {
	ctx := context.Background()
	a := endpoint("a", true, queue.EventTicketCreated, queue.EventSMSStatus)
	a.Description = "EHR"
	b := endpoint("b", false, queue.EventTicketCalled)
	b.CreatedAt = t0.Add(time.Second)
	create(t, s, b, a)
	list, err := s.Webhooks(ctx)
	if err != nil || len(list) != 2 || list[0].ID != "a" || list[1].ID != "b" {
		t.Fatalf("Webhooks = %+v, %v; want a then b", list, err)
	}
	got := get(t, s, "a")
	if got.URL != a.URL || got.Description != "EHR" || !got.Personal || got.Secret != a.Secret || !got.Enabled ||
		!slices.Equal(got.Events, a.Events) || !got.CreatedAt.Equal(t0) || got.Pending != 0 || !got.DisabledAt.IsZero() {
		t.Errorf("Webhook(a) = %+v, want %+v", got, a)
	}
	got.Enabled, got.Personal, got.Events = false, false, []queue.WebhookEventType{queue.EventTicketNoShow}
	got.DisabledAt, got.DisabledReason, got.Failures, got.FailingSince = t0, "why", 3, t0
	got.RetryAt = t0.Add(time.Hour)
	if err := s.SaveWebhook(ctx, got); err != nil {
		t.Fatal(err)
	}
	again := get(t, s, "a")
	if again.Enabled || again.Personal || !slices.Equal(again.Events, got.Events) || !again.DisabledAt.Equal(t0) ||
		again.DisabledReason != "why" || again.Failures != 3 || !again.FailingSince.Equal(t0) || !again.RetryAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("after SaveWebhook: %+v", again)
	}
	if _, err := s.Webhook(ctx, "nope"); !errors.Is(err, queue.ErrNotFound) {
		t.Errorf("Webhook(unknown) = %v, want ErrNotFound", err)
	}
	if err := s.SaveWebhook(ctx, endpoint("nope", false, queue.EventTicketCalled)); !errors.Is(err, queue.ErrNotFound) {
		t.Errorf("SaveWebhook(unknown) = %v, want ErrNotFound", err)
	}
	if err := s.DeleteWebhook(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteWebhook(ctx, "b"); !errors.Is(err, queue.ErrNotFound) {
		t.Errorf("DeleteWebhook twice = %v, want ErrNotFound", err)
	}
}

// CreateWebhook refuses the endpoint past the limit, also under concurrency.
func testLimit(t *testing.T, s Store) {
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	created, refused := 0, 0
	for i := range 8 {
		wg.Go(func() {
			err := s.CreateWebhook(ctx, endpoint(fmt.Sprint("e", i), false, queue.EventTicketCalled), 3)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				created++
			case errors.Is(err, webhook.ErrTooMany):
				refused++
			default:
				t.Errorf("CreateWebhook: %v", err)
			}
		})
	}
	wg.Wait()
	if created != 3 || refused != 5 {
		t.Errorf("created %d, refused %d; want 3 and 5", created, refused)
	}
}

// An event goes to every enabled subscriber, with the personal body to the
// endpoints marked personal; to no one else.
func testFanOut(t *testing.T, s Store) {
	personal := endpoint("p", true, queue.EventTicketCreated)
	public := endpoint("q", false, queue.EventTicketCalled, queue.EventTicketCreated)
	other := endpoint("r", false, queue.EventTicketCalled)
	off := endpoint("s", false, queue.EventTicketCreated)
	off.Enabled = false
	create(t, s, personal, public, other, off)
	// A type that is a prefix of another must not match it.
	addEvents(t, s, event("e1", queue.EventTicketCreated), event("e2", "ticket.create"))
	for _, tc := range []struct {
		id   string
		want string
	}{{"p", `{"id":"e1","patient":{}}`}, {"q", `{"id":"e1"}`}, {"r", ""}, {"s", ""}} {
		e := get(t, s, tc.id)
		ds := deliveries(t, s, webhook.Claim{Endpoint: e})
		if tc.want == "" {
			if len(ds) != 0 || e.Pending != 0 {
				t.Errorf("endpoint %s got %v (pending %d), want nothing", tc.id, eventIDs(ds), e.Pending)
			}
			continue
		}
		if len(ds) != 1 || string(ds[0].Body) != tc.want || ds[0].EventID != "e1" || ds[0].Type != queue.EventTicketCreated ||
			e.Pending != 1 || !ds[0].CreatedAt.Equal(t0) {
			t.Errorf("endpoint %s: %+v (pending %d), want one delivery with body %s", tc.id, ds, e.Pending, tc.want)
		}
	}
}

// AddWebhookEvent counts the deliveries it wrote: none with no endpoint (the
// dispatcher is then not woken), one per enabled endpoint that wants the type.
func testFanOutCounts(t *testing.T, s Store) {
	count := func(e queue.WebhookEvent) int {
		t.Helper()
		var n int
		err := s.Update(context.Background(), func(tx queue.Tx) error {
			var err error
			n, err = tx.AddWebhookEvent(context.Background(), e)
			return err
		})
		if err != nil {
			t.Fatalf("AddWebhookEvent(%s): %v", e.ID, err)
		}
		return n
	}
	if n := count(event("e0", queue.EventTicketCreated)); n != 0 {
		t.Errorf("no endpoints: AddWebhookEvent = %d deliveries, want 0", n)
	}
	off := endpoint("s", false, queue.EventTicketCreated)
	off.Enabled = false
	create(t, s, endpoint("p", true, queue.EventTicketCreated), endpoint("q", false, queue.EventTicketCalled, queue.EventTicketCreated),
		endpoint("r", false, queue.EventTicketCalled), off)
	for _, tc := range []struct {
		e    queue.WebhookEvent
		want int
	}{
		{event("e1", queue.EventTicketCreated), 2},
		{event("e2", queue.EventTicketCalled), 2},
		{event("e3", queue.EventTicketCompleted), 0},
		{event("e4", "ticket.create"), 0},
	} {
		if n := count(tc.e); n != tc.want {
			t.Errorf("AddWebhookEvent(%s, %s) = %d deliveries, want %d", tc.e.ID, tc.e.Type, n, tc.want)
		}
	}
}

// An event written in a transaction that rolls back is not in the outbox.
func testRollback(t *testing.T, s Store) {
	create(t, s, endpoint("a", false, queue.EventTicketCreated))
	boom := errors.New("boom")
	err := s.Update(context.Background(), func(tx queue.Tx) error {
		if _, err := tx.AddWebhookEvent(context.Background(), event("e1", queue.EventTicketCreated)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v", err)
	}
	if e := get(t, s, "a"); e.Pending != 0 {
		t.Errorf("pending after rollback = %d, want 0", e.Pending)
	}
}

// Deliveries come oldest first; a success removes the row, logs it and
// clears the failures; the endpoint is not claimed again once empty.
func testClaimInOrder(t *testing.T, s Store) {
	ctx := context.Background()
	create(t, s, endpoint("a", false, queue.EventTicketCreated, queue.EventTicketCalled))
	addEvents(t, s, event("e1", queue.EventTicketCreated))
	addEvents(t, s, event("e2", queue.EventTicketCalled), event("e3", queue.EventTicketCreated))
	cs := claim(t, s, t0)
	if len(cs) != 1 || cs[0].ID != "a" || cs[0].Token == "" || !cs[0].Until.Equal(t0.Add(time.Minute)) || cs[0].Secret != "whsec_a" {
		t.Fatalf("ClaimWebhooks = %+v", cs)
	}
	c := cs[0]
	ds := deliveries(t, s, c)
	if got := eventIDs(ds); !slices.Equal(got, []string{"e1", "e2", "e3"}) {
		t.Fatalf("deliveries = %v, want e1 e2 e3", got)
	}
	for i, d := range ds {
		r := webhook.Result{At: t0.Add(time.Duration(i) * time.Second), Duration: 12 * time.Millisecond, StatusCode: 200, OK: true}
		if err := s.RecordWebhookAttempt(ctx, c, d, r, 100); err != nil {
			t.Fatal(err)
		}
	}
	e := get(t, s, "a")
	if e.Pending != 0 || !e.LastSuccess.Equal(t0.Add(2*time.Second)) {
		t.Errorf("after deliveries: pending %d, last success %v", e.Pending, e.LastSuccess)
	}
	log, err := s.WebhookAttempts(ctx, "a")
	if err != nil || len(log) != 3 || log[0].EventID != "e3" || !log[0].OK || log[0].StatusCode != 200 ||
		log[0].Duration != 12*time.Millisecond || log[2].Type != queue.EventTicketCreated {
		t.Errorf("WebhookAttempts = %+v, %v", log, err)
	}
	if err := s.ReleaseWebhook(ctx, c); err != nil {
		t.Fatal(err)
	}
	if cs := claim(t, s, t0.Add(time.Hour)); len(cs) != 0 {
		t.Errorf("claimed an endpoint with nothing to deliver: %+v", cs)
	}
}

// A failure keeps the row, counts, and holds the endpoint until RetryAt; a
// disabling failure disables it, and a disabled endpoint is never claimed and
// gets no new rows.
func testFailure(t *testing.T, s Store) {
	ctx := context.Background()
	create(t, s, endpoint("a", false, queue.EventTicketCreated))
	addEvents(t, s, event("e1", queue.EventTicketCreated))
	c := claim(t, s, t0)[0]
	d := deliveries(t, s, c)[0]
	r := webhook.Result{At: t0, StatusCode: 500, Error: "HTTP 500", RetryAt: t0.Add(time.Minute)}
	if err := s.RecordWebhookAttempt(ctx, c, d, r, 100); err != nil {
		t.Fatal(err)
	}
	if err := s.ReleaseWebhook(ctx, c); err != nil {
		t.Fatal(err)
	}
	e := get(t, s, "a")
	if e.Pending != 1 || e.Failures != 1 || !e.FailingSince.Equal(t0) || e.LastError != "HTTP 500" || !e.RetryAt.Equal(t0.Add(time.Minute)) || !e.Enabled {
		t.Errorf("after a failure: %+v", e)
	}
	if cs := claim(t, s, t0.Add(59*time.Second)); len(cs) != 0 {
		t.Errorf("claimed before RetryAt: %+v", cs)
	}
	c = claim(t, s, t0.Add(time.Minute))[0]
	if c.Failures != 1 || !c.FailingSince.Equal(t0) {
		t.Errorf("claim carries failures %d since %v", c.Failures, c.FailingSince)
	}
	d = deliveries(t, s, c)[0]
	if d.Attempts != 1 {
		t.Errorf("delivery attempts = %d, want 1", d.Attempts)
	}
	at := t0.Add(25 * time.Hour)
	r = webhook.Result{At: at, Error: "connection refused", RetryAt: at.Add(time.Hour), Disable: true, Reason: "failing for a day"}
	if err := s.RecordWebhookAttempt(ctx, c, d, r, 100); err != nil {
		t.Fatal(err)
	}
	e = get(t, s, "a")
	if e.Enabled || !e.DisabledAt.Equal(at) || e.DisabledReason != "failing for a day" || e.Failures != 2 ||
		!e.FailingSince.Equal(t0) || e.Pending != 1 {
		t.Errorf("after the disabling failure: %+v", e)
	}
	if err := s.ReleaseWebhook(ctx, c); err != nil {
		t.Fatal(err)
	}
	if cs := claim(t, s, at.Add(48*time.Hour)); len(cs) != 0 {
		t.Errorf("claimed a disabled endpoint: %+v", cs)
	}
	addEvents(t, s, event("e2", queue.EventTicketCreated))
	if e := get(t, s, "a"); e.Pending != 1 {
		t.Errorf("a disabled endpoint got a new row: pending %d", e.Pending)
	}
	// Enabled again with its failures cleared, it resumes with the held row.
	e.Enabled, e.DisabledAt, e.DisabledReason, e.FailingSince, e.Failures, e.RetryAt = true, time.Time{}, "", time.Time{}, 0, time.Time{}
	if err := s.SaveWebhook(ctx, e); err != nil {
		t.Fatal(err)
	}
	cs := claim(t, s, at)
	if len(cs) != 1 || eventIDs(deliveries(t, s, cs[0]))[0] != "e1" {
		t.Errorf("re-enabled endpoint: claims %+v", cs)
	}
}

// A lease keeps other claims off until it ends; a stale token records
// nothing.
func testLease(t *testing.T, s Store) {
	ctx := context.Background()
	create(t, s, endpoint("a", false, queue.EventTicketCreated))
	addEvents(t, s, event("e1", queue.EventTicketCreated))
	first := claim(t, s, t0)[0]
	if cs := claim(t, s, t0.Add(59*time.Second)); len(cs) != 0 {
		t.Fatalf("claimed while leased: %+v", cs)
	}
	second := claim(t, s, t0.Add(time.Minute))
	if len(second) != 1 || second[0].Token == first.Token {
		t.Fatalf("claim after the lease ended = %+v", second)
	}
	d := deliveries(t, s, first)[0]
	ok := webhook.Result{At: t0, OK: true, StatusCode: 204}
	if err := s.RecordWebhookAttempt(ctx, first, d, ok, 100); !errors.Is(err, webhook.ErrLeaseLost) {
		t.Errorf("RecordWebhookAttempt with a stale token = %v, want ErrLeaseLost", err)
	}
	if err := s.ReleaseWebhook(ctx, first); !errors.Is(err, webhook.ErrLeaseLost) {
		t.Errorf("ReleaseWebhook with a stale token = %v, want ErrLeaseLost", err)
	}
	if e := get(t, s, "a"); e.Pending != 1 {
		t.Errorf("the stale attempt removed the row: pending %d", e.Pending)
	}
	if log, _ := s.WebhookAttempts(ctx, "a"); len(log) != 0 {
		t.Errorf("the stale attempt was logged: %+v", log)
	}
}

// The log keeps the newest keep attempts.
func testLogTrimmed(t *testing.T, s Store) {
	ctx := context.Background()
	create(t, s, endpoint("a", false, queue.EventTicketCreated))
	for i := range 5 {
		addEvents(t, s, event(fmt.Sprint("e", i), queue.EventTicketCreated))
	}
	c := claim(t, s, t0)[0]
	for _, d := range deliveries(t, s, c) {
		if err := s.RecordWebhookAttempt(ctx, c, d, webhook.Result{At: t0, OK: true, StatusCode: 200}, 3); err != nil {
			t.Fatal(err)
		}
	}
	log, err := s.WebhookAttempts(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	got := make([]string, len(log))
	for i, a := range log {
		got[i] = a.EventID
	}
	if !slices.Equal(got, []string{"e4", "e3", "e2"}) {
		t.Errorf("log = %v, want e4 e3 e2", got)
	}
}

// Concurrent claims never hand out the same endpoint.
func testConcurrentClaims(t *testing.T, s Store) {
	for i := range 6 {
		id := fmt.Sprint("e", i)
		create(t, s, endpoint(id, false, queue.EventTicketCreated))
	}
	addEvents(t, s, event("x", queue.EventTicketCreated))
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			cs, err := s.ClaimWebhooks(context.Background(), t0, time.Minute, 2)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, c := range cs {
				seen[c.ID]++
			}
		})
	}
	wg.Wait()
	if len(seen) != 6 {
		t.Errorf("claimed %d endpoints, want all 6: %v", len(seen), seen)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("endpoint %s claimed %d times", id, n)
		}
	}
}

// RecordDelivery updates a sent message and says whether its status changed.
func testRecordDelivery(t *testing.T, s Store) {
	ctx := context.Background()
	tk := queue.Ticket{ID: queue.NewID(), QueueID: queue.DefaultQueueID, Seq: 1, Number: "A-001", Day: "2026-11-28",
		Name: "Ann", Phone: "+14155550001", Status: queue.StatusWaiting, CheckInTime: t0, DueAt: t0}
	m := &queue.Message{TicketID: tk.ID, Kind: queue.MessageConfirmation, To: tk.Phone, Body: "hi",
		DedupeKey: tk.ID + ":confirmation", Status: queue.MessagePending, CreatedAt: t0, DueAt: t0}
	err := s.Update(ctx, func(tx queue.Tx) error {
		if err := tx.InsertTicket(ctx, &tk); err != nil {
			return err
		}
		return tx.AddMessage(ctx, m)
	})
	if err != nil {
		t.Fatal(err)
	}
	record := func(id string, st queue.MessageStatus, detail string) (queue.Message, bool) {
		t.Helper()
		var got queue.Message
		var changed bool
		err := s.Update(ctx, func(tx queue.Tx) error {
			var err error
			got, changed, err = tx.RecordDelivery(ctx, id, st, detail)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return got, changed
	}
	if got, _ := record("SM1", queue.MessageDelivered, ""); got.ID != 0 {
		t.Errorf("a report for a message not sent yet was recorded: %+v", got)
	}
	cs, err := s.Claim(ctx, t0, time.Minute, 10)
	if err != nil || len(cs) != 1 {
		t.Fatalf("Claim = %v, %v", cs, err)
	}
	if err := s.MarkSent(ctx, cs[0], "SM1", t0); err != nil {
		t.Fatal(err)
	}
	got, changed := record("SM1", queue.MessageUndelivered, "Twilio error 30003")
	if got.ID != m.ID || !changed || got.Status != queue.MessageUndelivered || got.LastError != "Twilio error 30003" ||
		got.TicketID != tk.ID || got.Kind != queue.MessageConfirmation {
		t.Errorf("RecordDelivery = %+v, changed %v", got, changed)
	}
	if got, changed := record("SM1", queue.MessageUndelivered, ""); got.ID != m.ID || changed || got.LastError != "Twilio error 30003" {
		t.Errorf("a repeated report: %+v, changed %v; want no change", got, changed)
	}
	if got, _ := record("", queue.MessageDelivered, ""); got.ID != 0 {
		t.Errorf("an empty provider id matched %+v", got)
	}
}

// Deleting an endpoint removes its rows and log.
func testDeleteCascades(t *testing.T, s Store) {
	ctx := context.Background()
	create(t, s, endpoint("a", false, queue.EventTicketCreated), endpoint("b", false, queue.EventTicketCreated))
	addEvents(t, s, event("e1", queue.EventTicketCreated), event("e2", queue.EventTicketCreated))
	cs := claim(t, s, t0)
	for _, c := range cs {
		d := deliveries(t, s, c)[0]
		if err := s.RecordWebhookAttempt(ctx, c, d, webhook.Result{At: t0, OK: true, StatusCode: 200}, 100); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteWebhook(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if log, err := s.WebhookAttempts(ctx, "a"); err != nil || len(log) != 0 {
		t.Errorf("log of a deleted endpoint = %v, %v", log, err)
	}
	if e := get(t, s, "b"); e.Pending != 1 {
		t.Errorf("the other endpoint lost its rows: pending %d", e.Pending)
	}
	create(t, s, endpoint("a", false, queue.EventTicketCreated))
	if e := get(t, s, "a"); e.Pending != 0 {
		t.Errorf("a re-created endpoint inherited %d rows", e.Pending)
	}
}

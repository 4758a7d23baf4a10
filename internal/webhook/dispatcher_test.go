package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"smartwait/internal/queue"
	"smartwait/internal/sqlite"
	"smartwait/internal/sqlite/sqlitetest"
	"smartwait/internal/webhook"
)

// receiver is an httptest server that verifies signatures, fails the first
// fail requests with 503, and records the event ids it accepted in order.
type receiver struct {
	*httptest.Server
	secret string
	mu     sync.Mutex
	fail   int
	got    []string
	calls  int
	bad    []string
}

func newReceiver(t *testing.T, fail int, now func() time.Time) *receiver {
	r := &receiver{fail: fail}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.calls++
		if err := webhook.Verify(r.secret, req.Header.Get(webhook.SignatureHeader), body, now(), webhook.DefaultTolerance); err != nil {
			r.bad = append(r.bad, err.Error())
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		if r.fail > 0 {
			r.fail--
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		var ev struct{ ID string }
		json.Unmarshal(body, &ev)
		r.got = append(r.got, ev.ID)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) received() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func openDB(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), sqlitetest.Migrated(t, "wh.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func addEvent(t *testing.T, db *sqlite.DB, id string) {
	t.Helper()
	err := db.Update(context.Background(), func(tx queue.Tx) error {
		_, err := tx.AddWebhookEvent(context.Background(), queue.WebhookEvent{ID: id, Type: queue.EventTicketCreated,
			Time: time.Now(), Public: []byte(`{"id":"` + id + `"}`), Personal: []byte(`{"id":"` + id + `"}`)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Failed deliveries are retried with backoff, and a later event waits for the
// earlier one: the receiver sees them in order, each once.
func TestDispatcherRetriesInOrder(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Now().UTC().Truncate(time.Millisecond)}
	db := openDB(t)
	rcv := newReceiver(t, 3, clk.now)
	svc := &webhook.Service{Store: db, AllowPrivate: true, Now: clk.now}
	e, err := svc.Create(ctx, webhook.Patch{URL: &rcv.URL, Events: []queue.WebhookEventType{queue.EventTicketCreated}})
	if err != nil {
		t.Fatal(err)
	}
	rcv.secret = e.Secret
	for _, id := range []string{"e1", "e2", "e3"} {
		addEvent(t, db, id)
	}
	d := &webhook.Dispatcher{Log: quiet, Store: db, AllowPrivate: true, Now: clk.now, Jitter: func() float64 { return 0 }}
	waits := []time.Duration{}
	for range 10 {
		if _, err := d.Dispatch(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := svc.Get(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Pending == 0 {
			break
		}
		if got.RetryAt.After(clk.now()) {
			waits = append(waits, got.RetryAt.Sub(clk.now()))
			clk.add(got.RetryAt.Sub(clk.now()))
		}
	}
	if got := rcv.received(); strings.Join(got, ",") != "e1,e2,e3" {
		t.Errorf("received %v, want e1,e2,e3", got)
	}
	// Jitter 0: half of 10 s, 20 s, 40 s.
	if want := []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second}; len(waits) != 3 || waits[0] != want[0] || waits[1] != want[1] || waits[2] != want[2] {
		t.Errorf("waits = %v, want %v", waits, want)
	}
	if len(rcv.bad) != 0 {
		t.Errorf("signatures refused: %v", rcv.bad)
	}
	log, err := svc.Attempts(ctx, e.ID)
	if err != nil || len(log) != 6 || !log[0].OK || log[5].OK || log[5].StatusCode != 503 || !strings.Contains(log[5].Error, "down for maintenance") {
		t.Errorf("log = %+v, %v", log, err)
	}
}

// An endpoint failing for a day is disabled with the reason; enabling it
// again resumes with the held event.
func TestDispatcherDisablesAfterADay(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Now().UTC().Truncate(time.Millisecond)}
	db := openDB(t)
	rcv := newReceiver(t, 1<<30, clk.now)
	svc := &webhook.Service{Store: db, AllowPrivate: true, Now: clk.now}
	e, err := svc.Create(ctx, webhook.Patch{URL: &rcv.URL, Events: []queue.WebhookEventType{queue.EventTicketCreated}})
	if err != nil {
		t.Fatal(err)
	}
	rcv.secret = e.Secret
	addEvent(t, db, "e1")
	d := &webhook.Dispatcher{Log: quiet, Store: db, AllowPrivate: true, Now: clk.now}
	start := clk.now()
	attempts := 0
	for {
		n, err := d.Dispatch(ctx)
		if err != nil {
			t.Fatal(err)
		}
		attempts += n
		got, _ := svc.Get(ctx, e.ID)
		if !got.Enabled {
			if clk.now().Sub(start) < 24*time.Hour || got.DisabledAt.IsZero() || !strings.Contains(got.DisabledReason, "HTTP 503") || got.Pending != 1 {
				t.Fatalf("disabled after %v: %+v", clk.now().Sub(start), got)
			}
			break
		}
		if clk.now().Sub(start) > 26*time.Hour {
			t.Fatal("still enabled after 26 hours of failures")
		}
		clk.add(max(got.RetryAt.Sub(clk.now()), time.Second))
	}
	if attempts < 20 || attempts > 45 {
		t.Errorf("%d attempts in a day, want about 30", attempts)
	}
	rcv.mu.Lock()
	rcv.fail = 0
	rcv.mu.Unlock()
	on := true
	if _, err := svc.Update(ctx, e.ID, webhook.Patch{Enabled: &on}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Dispatch(ctx); err != nil {
		t.Fatal(err)
	}
	if got := rcv.received(); len(got) != 1 || got[0] != "e1" {
		t.Errorf("after re-enabling: received %v", got)
	}
}

// Redirects are not followed, response bodies are read only up to the cap,
// and without AllowPrivate a loopback receiver is refused at connect time.
func TestDispatcherClient(t *testing.T) {
	ctx := context.Background()
	var hits sync.Map
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Store(r.URL.Path, true)
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
			return
		}
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(strings.Repeat("x", 1<<20)))
	}))
	defer srv.Close()
	for _, tc := range []struct {
		name, path   string
		allowPrivate bool
		want         string
	}{
		{"redirect", "/redirect", true, "HTTP 307: redirects are not followed"},
		{"big body", "/big", true, "HTTP 500: xxxx"},
		{"private", "/private", false, "private, loopback or link-local"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openDB(t)
			u := srv.URL + tc.path
			svc := &webhook.Service{Store: db, AllowPrivate: true}
			e, err := svc.Create(ctx, webhook.Patch{URL: &u, Events: []queue.WebhookEventType{queue.EventTicketCreated}})
			if err != nil {
				t.Fatal(err)
			}
			addEvent(t, db, "e1")
			d := &webhook.Dispatcher{Log: quiet, Store: db, AllowPrivate: tc.allowPrivate, Timeout: 2 * time.Second}
			if _, err := d.Dispatch(ctx); err != nil {
				t.Fatal(err)
			}
			log, _ := svc.Attempts(ctx, e.ID)
			if len(log) != 1 || log[0].OK || !strings.Contains(log[0].Error, tc.want) || len(log[0].Error) > 600 {
				t.Errorf("log = %+v, want an error with %q", log, tc.want)
			}
		})
	}
	if _, ok := hits.Load("/elsewhere"); ok {
		t.Error("the redirect was followed")
	}
	if _, ok := hits.Load("/private"); ok {
		t.Error("the loopback receiver was reached without AllowPrivate")
	}
}

func TestCheckURL(t *testing.T) {
	for _, tc := range []struct {
		url          string
		allowPrivate bool
		ok           bool
	}{
		{"https://hooks.example.com/smartwait", false, true},
		{"http://hooks.example.com:8080/x?y=1", false, true},
		{"ftp://hooks.example.com/", false, false},
		{"https:///nohost", false, false},
		{"/relative", false, false},
		{"https://user:pw@hooks.example.com/", false, false},
		{"https://hooks.example.com/#frag", false, false},
		{"http://127.0.0.1:9000/", false, false},
		{"http://127.0.0.1:9000/", true, true},
		{"http://localhost/", false, false},
		{"http://10.1.2.3/", false, false},
		{"http://169.254.169.254/latest/meta-data", false, false},
		{"http://[::1]/", false, false},
		{"http://[::ffff:192.168.1.1]/", false, false},
		{"http://100.64.0.1/", false, false},
		{"http://8.8.8.8/", false, true},
		{"https://" + strings.Repeat("a", 2050) + ".com/", false, false},
	} {
		_, err := webhook.CheckURL(tc.url, tc.allowPrivate)
		if (err == nil) != tc.ok {
			t.Errorf("CheckURL(%q, %v) = %v, want ok %v", tc.url, tc.allowPrivate, err, tc.ok)
		}
	}
	if webhook.ValidAddr(netip.MustParseAddr("fd00::1")) || !webhook.ValidAddr(netip.MustParseAddr("2606:4700::1")) {
		t.Error("ValidAddr on IPv6")
	}
}

// The service validates events and bounds the number of endpoints.
func TestServiceLimits(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	svc := &webhook.Service{Store: db, MaxEndpoints: 2, AllowPrivate: false}
	u := "https://hooks.example.com/a"
	evs := []queue.WebhookEventType{queue.EventTicketCalled, queue.EventTicketCalled}
	e, err := svc.Create(ctx, webhook.Patch{URL: &u, Events: evs})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Events) != 1 || !strings.HasPrefix(e.Secret, "whsec_") || len(e.Secret) != 6+64 {
		t.Errorf("created %+v", e)
	}
	if _, err := svc.Create(ctx, webhook.Patch{URL: &u, Events: []queue.WebhookEventType{"ticket.nope"}}); !isCode(err, queue.CodeValidation) {
		t.Errorf("unknown event: %v", err)
	}
	if _, err := svc.Create(ctx, webhook.Patch{URL: &u, Events: []queue.WebhookEventType{}}); !isCode(err, queue.CodeValidation) {
		t.Errorf("no events: %v", err)
	}
	if _, err := svc.Create(ctx, webhook.Patch{URL: &u, Events: evs}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Create(ctx, webhook.Patch{URL: &u, Events: evs}); !isCode(err, webhook.CodeTooMany) {
		t.Errorf("third endpoint: %v, want %s", err, webhook.CodeTooMany)
	}
	list, _ := svc.List(ctx)
	for _, x := range list {
		if x.Secret != "" {
			t.Error("List shows a secret")
		}
	}
	if _, err := svc.Get(ctx, "nope"); !isCode(err, webhook.CodeNotFound) {
		t.Errorf("Get(unknown) = %v", err)
	}
}

var quiet = slog.New(slog.DiscardHandler)

func isCode(err error, code string) bool {
	var qe *queue.Error
	return errors.As(err, &qe) && qe.Code == code
}

package notify_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"smartwait/internal/notify"
	"smartwait/internal/queue"
	"smartwait/internal/sms/twiliofake"
	"smartwait/internal/sqlite"
	"smartwait/internal/sqlite/sqlitetest"
)

// clock is a fake clock the tests move by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// openDB opens a SQLite file (a new one in a temp dir when path is "") and closes
// it when the test ends.
func openDB(tb testing.TB, path string) *sqlite.DB {
	tb.Helper()
	if path == "" {
		path = sqlitetest.Migrated(tb, "smartwait.db")
	}
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		tb.Fatalf("open %s: %v", path, err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// env is one SmartWait instance's queue and dispatcher on a database, sending to a
// Twilio fake.
type env struct {
	db    *sqlite.DB
	clock *clock
	queue *queue.Service
	disp  *notify.Dispatcher
	reg   *prometheus.Registry
}

// newEnv builds an instance on db with the clock c, or the real clock when c is nil.
func newEnv(tb testing.TB, db *sqlite.DB, fake *twiliofake.Server, c *clock) *env {
	tb.Helper()
	now := time.Now
	if c != nil {
		now = c.Now
	}
	cfg := queue.DefaultConfig()
	cfg.Location = time.UTC
	cfg.ClinicName = "Riverside Clinic"
	cfg.PublicURL = "https://clinic.example.com"
	db.Now = now
	reg := prometheus.NewRegistry()
	d := &notify.Dispatcher{
		Outbox: db, Sender: fake.Sender("https://clinic.example.com/api/webhooks/twilio/status"),
		Now: now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: notify.NewMetrics(reg), Jitter: func() float64 { return 0 },
		Backoff: notify.Backoff{Base: 4 * time.Second, Max: time.Minute, MaxAttempts: 5},
	}
	q := &queue.Service{Store: db, Config: cfg, Now: now, Publisher: queue.PublisherFunc(func(queue.Change) { d.Wake() }), Hold: d}
	return &env{db: db, clock: c, queue: q, disp: d, reg: reg}
}

func (e *env) checkIn(tb testing.TB, name, phone string) queue.Entry {
	tb.Helper()
	en, err := e.queue.CheckIn(context.Background(), queue.CheckInRequest{Name: name, Phone: phone, AppointmentTime: "10:30"})
	if err != nil {
		tb.Fatalf("check in %s: %v", name, err)
	}
	return en
}

func (e *env) dispatch(tb testing.TB) int {
	tb.Helper()
	n, err := e.disp.Dispatch(context.Background())
	if err != nil {
		tb.Fatalf("Dispatch: %v", err)
	}
	return n
}

// messages returns the outbox rows of a ticket, oldest first.
func (e *env) messages(tb testing.TB, ticket string) []queue.Message {
	tb.Helper()
	ms, err := e.db.Messages(context.Background(), ticket)
	if err != nil {
		tb.Fatalf("Messages: %v", err)
	}
	for i, j := 0, len(ms)-1; i < j; i, j = i+1, j-1 {
		ms[i], ms[j] = ms[j], ms[i]
	}
	return ms
}

// counter returns the value of a counter summed over its labels.
func counter(tb testing.TB, reg *prometheus.Registry, name string) float64 {
	tb.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		tb.Fatalf("gather: %v", err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if c := m.GetCounter(); c != nil {
				sum += c.GetValue()
			}
			if h := m.GetHistogram(); h != nil {
				sum += float64(h.GetSampleCount())
			}
		}
	}
	return sum
}

// sentTo counts the fake's accepted messages to a number.
func sentTo(msgs []twiliofake.Message, to string) int {
	n := 0
	for _, m := range msgs {
		if m.To == to {
			n++
		}
	}
	return n
}

package sqlite_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"smartwait/internal/auth"
	"smartwait/internal/queue"
	"smartwait/internal/sqlite"
	"smartwait/internal/sqlite/sqlitetest"
)

// MustOpenDB opens a fresh database file in a temporary directory and closes it
// when the test ends.
func MustOpenDB(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), sqlitetest.Migrated(tb, "smartwait.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	return db
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{"sqlite:///var/lib/smartwait/smartwait.db", "/var/lib/smartwait/smartwait.db", false},
		{"sqlite://smartwait.db", "smartwait.db", false},
		{"sqlite:data/smartwait.db", "data/smartwait.db", false},
		{"./smartwait.db", "./smartwait.db", false},
		{"/tmp/x.db", "/tmp/x.db", false},
		{"postgres://localhost/smartwait", "", true},
		{"sqlite://", "", true},
		{"", "", true},
		{"sqlite:///tmp/x.db?mode=memory", "", true},
		{"/tmp/x#y.db", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := sqlite.ParseURL(tc.in)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("ParseURL(%q) = %q, %v; want %q, error %v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

// Open accepts the sqlite:// form, and fails clearly where no file can be created.
func TestOpen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "url.db")
	db, err := sqlite.Open(ctx, "sqlite://"+path)
	if err != nil {
		t.Fatalf("Open(sqlite://%s): %v", path, err)
	}
	if db.Path() != path {
		t.Errorf("Path() = %q, want %q", db.Path(), path)
	}
	db.Close()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database file not created: %v", err)
	}
	missing := filepath.Join(t.TempDir(), "no", "such", "dir", "x.db")
	if db, err := sqlite.Open(ctx, missing); err == nil {
		db.Close()
		t.Fatalf("Open(%s) in a missing directory succeeded", missing)
	} else if !strings.Contains(err.Error(), missing) {
		t.Errorf("Open error %q does not name the file", err)
	}
}

// Reopening the file migrates nothing twice and keeps every row.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "smartwait.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	tk := queue.Ticket{ID: queue.NewID(), QueueID: queue.DefaultQueueID, Number: "A-001", Day: "2026-11-28",
		Name: "José", Phone: "+14155552671", AppointmentTime: "10:00", Status: queue.StatusWaiting,
		CheckInTime: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)}
	err = db.Update(ctx, func(tx queue.Tx) error {
		q, err := tx.LockQueue(ctx, queue.DefaultQueueID)
		if err != nil {
			return err
		}
		q.Version = 41
		if err := tx.UpdateQueue(ctx, q); err != nil {
			return err
		}
		return tx.InsertTicket(ctx, &tk)
	})
	if err != nil {
		t.Fatal(err)
	}
	u := auth.User{Username: "admin", Role: auth.RoleAdmin, PasswordHash: "h"}
	if err := db.CreateUser(ctx, &u); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate on a migrated database: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = func() *sqlite.DB {
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}()
	err = db.View(ctx, func(tx queue.Tx) error {
		q, err := tx.Queue(ctx, queue.DefaultQueueID)
		if err != nil {
			return err
		}
		if q.Version != 41 {
			t.Errorf("queue version after reopen = %d, want 41 (the seed ran again?)", q.Version)
		}
		got, err := tx.Ticket(ctx, tk.ID)
		if err != nil {
			return err
		}
		if got.Name != tk.Name || got.Seq != tk.Seq || !got.CheckInTime.Equal(tk.CheckInTime) {
			t.Errorf("ticket after reopen = %+v, want %+v", got, tk)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := db.CountUsers(ctx); err != nil || n != 1 {
		t.Errorf("users after reopen = %d, %v, want 1", n, err)
	}
}

// Every entry point of a closed database answers queue.ErrUnavailable, which the
// web layer turns into 503 DATABASE_UNAVAILABLE.
func TestClosedIsUnavailable(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "closed.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	tests := []struct {
		name string
		call func() error
	}{
		{"Ping", func() error { return db.Ping(ctx) }},
		{"Update", func() error { return db.Update(ctx, func(queue.Tx) error { return nil }) }},
		{"View", func() error { return db.View(ctx, func(queue.Tx) error { return nil }) }},
		{"UserByUsername", func() error { _, err := db.UserByUsername(ctx, "admin"); return err }},
		{"CreateSession", func() error { return db.CreateSession(ctx, auth.Session{ID: "x"}) }},
		{"Messages", func() error { _, err := db.Messages(ctx, ""); return err }},
		{"CountMessages", func() error { _, err := db.CountMessages(ctx, queue.MessagePending); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); !errors.Is(err, queue.ErrUnavailable) {
				t.Errorf("error = %v, want one wrapping queue.ErrUnavailable", err)
			}
		})
	}
}

// Messages lists the SMS log newest first, for one ticket or all; CountMessages
// counts by status.
func TestMessagesLog(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	a, b := queue.NewID(), queue.NewID()
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	msgs := []*queue.Message{
		{TicketID: a, Kind: queue.MessageConfirmation, To: "+14155552671", Body: "one", DedupeKey: "a1", CreatedAt: at},
		{TicketID: b, Kind: queue.MessageConfirmation, To: "+14155552672", Body: "two", DedupeKey: "b1", CreatedAt: at},
		{TicketID: a, Kind: queue.MessageCalled, To: "+14155552671", Body: "three", DedupeKey: "a2", CreatedAt: at,
			Status: queue.MessageSent, Attempts: 2, LastError: "timeout", ProviderID: "SM1", SentAt: at.Add(time.Second)},
	}
	err := db.Update(ctx, func(tx queue.Tx) error {
		for _, m := range msgs {
			if err := tx.AddMessage(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	bodies := func(ms []queue.Message) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.Body)
		}
		return out
	}
	tests := []struct {
		ticket string
		want   []string
	}{
		{"", []string{"three", "two", "one"}},
		{a, []string{"three", "one"}},
		{b, []string{"two"}},
		{queue.NewID(), nil},
	}
	for _, tc := range tests {
		got, err := db.Messages(ctx, tc.ticket)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(bodies(got), tc.want) {
			t.Errorf("Messages(%q) = %v, want %v", tc.ticket, bodies(got), tc.want)
		}
	}
	all, _ := db.Messages(ctx, a)
	if got, want := all[0], *msgs[2]; got != want {
		t.Errorf("stored message = %+v, want %+v", got, want)
	}
	if got := all[1]; got.Status != queue.MessagePending || !got.DueAt.Equal(at) {
		t.Errorf("defaults: status %q, due %v; want pending, due at creation %v", got.Status, got.DueAt, at)
	}
	for status, want := range map[queue.MessageStatus]int{queue.MessagePending: 2, queue.MessageSent: 1, queue.MessageFailed: 0} {
		if n, err := db.CountMessages(ctx, status); err != nil || n != want {
			t.Errorf("CountMessages(%s) = %d, %v, want %d", status, n, err, want)
		}
	}
}

// An Update whose context ends before the commit persists nothing and says why.
func TestUpdateContextCancelled(t *testing.T) {
	db := MustOpenDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	tk := queue.Ticket{ID: queue.NewID(), QueueID: queue.DefaultQueueID, Phone: "+14155552671",
		Status: queue.StatusWaiting, CheckInTime: time.Now()}
	err := db.Update(ctx, func(tx queue.Tx) error {
		if err := tx.InsertTicket(ctx, &tk); err != nil {
			return err
		}
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Update with a cancelled context = %v, want one wrapping context.Canceled", err)
	}
	err = db.View(context.Background(), func(tx queue.Tx) error {
		_, err := tx.Ticket(context.Background(), tk.ID)
		return err
	})
	if !errors.Is(err, queue.ErrNotFound) {
		t.Errorf("ticket of the cancelled Update: %v, want ErrNotFound", err)
	}
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"smartwait/internal/queue"
)

// oldTicket is a ticket as migration 00004's schema stored it.
type oldTicket struct {
	id, queue, phone, status string
	checkIn                  int64 // unix ms
	seq                      int64 // assigned at insert, MAX + 1 as the old InsertTicket did
}

// TestMigrateLines upgrades a database of migration 00004 holding tickets written
// the old way: their seqs move into the order-key space in their old order, due
// at their check-in; the buckets are recounted in the new blocks; the default
// queue gets the default line settings; phoneless tickets no longer clash.
func TestMigrateLines(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := sql.Open("sqlite", "file:"+path+"?"+strings.Join(pragmas, "&"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := migrator(old)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 4); err != nil {
		t.Fatalf("migrate up to 00004: %v", err)
	}
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC).UnixMilli()
	tickets := []oldTicket{
		{id: "a", queue: queue.DefaultQueueID, phone: "+14155550001", status: "waiting", checkIn: at},
		{id: "b", queue: queue.DefaultQueueID, phone: "+14155550002", status: "called", checkIn: at + 1000},
		{id: "c", queue: queue.DefaultQueueID, phone: "+14155550003", status: "waiting", checkIn: at + 1000}, // same ms as b
		{id: "d", queue: queue.DefaultQueueID, phone: "+14155550004", status: "completed", checkIn: at + 2000},
		{id: "e", queue: queue.DefaultQueueID, phone: "+14155550005", status: "waiting", checkIn: at + 2001},
		{id: "f", queue: "lab", phone: "+14155550001", status: "waiting", checkIn: at + 500},
		{id: "g", queue: "lab", phone: "+14155550006", status: "waiting", checkIn: at + 3_600_000},
	}
	const insertOld = `INSERT INTO tickets (id, queue_id, seq, number, day, name, phone, appointment_time,
			status, check_in_time)
		SELECT ?1, ?2, COALESCE(MAX(seq), 0) + 1, 'A-001', '2026-11-28', 'Old', ?3, '10:00', ?4, ?5
		FROM tickets WHERE queue_id = ?2
		RETURNING seq`
	for i, tk := range tickets {
		if err := old.QueryRowContext(ctx, insertOld, tk.id, tk.queue, tk.phone, tk.status, tk.checkIn).Scan(&tickets[i].seq); err != nil {
			t.Fatalf("insert %s the old way: %v", tk.id, err)
		}
	}
	if _, err := old.ExecContext(ctx, `UPDATE queues SET version = 7, service_ms = 600000 WHERE id = 'default'`); err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := Open(ctx, path) // migrates to the latest
	if err != nil {
		t.Fatalf("open the old database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	assertBucketsMatch(t, db)

	err = db.View(ctx, func(tx queue.Tx) error {
		q, err := tx.Queue(ctx, queue.DefaultQueueID)
		if err != nil {
			return err
		}
		want := queue.Queue{ID: queue.DefaultQueueID, Name: "Main queue", Prefix: "A", Version: 7,
			ServiceTime: 10 * time.Minute, Open: true, Public: true, Grace: queue.DefaultGrace,
			Clinic: queue.Clinic{Slug: queue.DefaultClinicSlug}}
		if q != want {
			t.Errorf("default queue after the migration = %+v, want %+v", q, want)
		}
		for _, old := range tickets {
			got, err := tx.Ticket(ctx, old.id)
			if err != nil {
				return err
			}
			checkIn := time.UnixMilli(old.checkIn).UTC()
			if want := 1<<53 + old.checkIn*1000 + old.seq%1000; got.Seq != want {
				t.Errorf("ticket %s: seq %d, want %d (2^53 + check-in µs + old seq %d %% 1000)", old.id, got.Seq, want, old.seq)
			}
			if !got.DueAt.Equal(checkIn) || got.Urgent {
				t.Errorf("ticket %s: due %v, urgent %v; want due at check-in %v, not urgent", old.id, got.DueAt, got.Urgent, checkIn)
			}
		}
		// Order kept: the waiting tickets come in their old seq order, and each
		// one's count of those ahead (from the recounted buckets) agrees.
		for q, want := range map[string][]string{queue.DefaultQueueID: {"a", "c", "e"}, "lab": {"f", "g"}} {
			waiting, err := tx.WaitingTickets(ctx, q, 0)
			if err != nil {
				return err
			}
			var got []string
			for i, tk := range waiting {
				got = append(got, tk.ID)
				if n, err := tx.CountWaitingBefore(ctx, q, tk.Seq); err != nil || n != i {
					t.Errorf("%s: CountWaitingBefore(%s) = %d, %v; want %d", q, tk.ID, n, err, i)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: waiting after the migration = %v, want %v", q, got, want)
			}
		}
		active, err := tx.ActiveTickets(ctx, queue.DefaultQueueID)
		if err != nil {
			return err
		}
		if len(active) != 4 || active[0].ID != "b" {
			t.Errorf("active tickets after the migration: %d, first %+v; want 4, b (called) first", len(active), active[0])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// The new schema works on the upgraded rows: a new normal ticket goes after
	// them, an urgent one before, two phoneless ones do not clash while a phone
	// still does, "A" is taken, and a move keeps the buckets right.
	now := time.UnixMilli(at + 4000).UTC()
	late := queue.Ticket{ID: "late", QueueID: queue.DefaultQueueID, Status: queue.StatusWaiting, CheckInTime: now, DueAt: now,
		Seq: queue.OrderKey(false, now)}
	urgent := queue.Ticket{ID: "urgent", QueueID: queue.DefaultQueueID, Status: queue.StatusWaiting, CheckInTime: now, DueAt: now,
		Urgent: true, Seq: queue.OrderKey(true, now)}
	err = db.Update(ctx, func(tx queue.Tx) error {
		if err := tx.InsertTicket(ctx, &late); err != nil {
			return err
		}
		if err := tx.InsertTicket(ctx, &urgent); err != nil {
			return fmt.Errorf("a second phoneless waiting ticket: %w", err)
		}
		dup := queue.Ticket{ID: "dup", QueueID: queue.DefaultQueueID, Phone: "+14155550003", Status: queue.StatusWaiting, CheckInTime: now}
		if err := tx.Savepoint(ctx, func() error { return tx.InsertTicket(ctx, &dup) }); !errors.Is(err, queue.ErrDuplicate) {
			t.Errorf("a second active ticket of an old ticket's phone: %v, want ErrDuplicate", err)
		}
		if err := tx.CreateQueue(ctx, queue.Queue{ID: "walk-in", Name: "Walk-in", Prefix: "A"}); !errors.Is(err, queue.ErrDuplicate) {
			t.Errorf("a line with the default's prefix: %v, want ErrDuplicate", err)
		}
		moved := queue.Ticket{ID: "g", QueueID: queue.DefaultQueueID, Seq: 0, Status: queue.StatusWaiting, DueAt: now}
		if err := tx.MoveTicket(ctx, &moved); err != nil {
			return err
		}
		return tx.CreateRoom(ctx, queue.Room{Name: "Room 1", Lines: []string{queue.DefaultQueueID, "lab"}, Open: true})
	})
	if err != nil {
		t.Fatal(err)
	}
	assertBucketsMatch(t, db)
	err = db.View(ctx, func(tx queue.Tx) error {
		waiting, err := tx.WaitingTickets(ctx, queue.DefaultQueueID, 0)
		if err != nil {
			return err
		}
		var got []string
		for _, tk := range waiting {
			got = append(got, tk.ID)
		}
		if want := []string{"g", "urgent", "a", "c", "e", "late"}; !slices.Equal(got, want) {
			t.Errorf("waiting after new tickets = %v, want %v", got, want)
		}
		if n, err := tx.CountWaitingBefore(ctx, queue.DefaultQueueID, late.Seq); err != nil || n != 5 {
			t.Errorf("CountWaitingBefore(late) = %d, %v; want 5", n, err)
		}
		if w, c, err := tx.CountActive(ctx, "lab"); err != nil || w != 1 || c != 0 {
			t.Errorf("CountActive(lab) after moving g out = %d, %d, %v; want 1, 0", w, c, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

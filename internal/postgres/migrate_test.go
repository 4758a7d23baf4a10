package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"smartwait/internal/postgres"
	"smartwait/internal/postgres/pgtest"
	"smartwait/internal/queue"
)

// oldTicket is a ticket as migration 00004's schema stored it.
type oldTicket struct {
	id, queue, phone, status string
	checkIn                  time.Time
	seq                      int64 // assigned at insert, MAX + 1 as the old InsertTicket did
}

// TestMigrateLines upgrades a schema of migration 00004 holding tickets written
// the old way: their seqs move into the order-key space in their old order, due
// at their check-in; the buckets are recounted in the new blocks; the default
// queue gets the default line settings; phoneless tickets no longer clash. Then
// it goes down to 00004 and up again, keeping all of that.
func TestMigrateLines(t *testing.T) {
	ctx := context.Background()
	url := pgtest.SchemaURL(t)
	if err := postgres.MigrateTo(ctx, url, 4); err != nil {
		t.Fatalf("migrate up to 00004: %v", err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	// The session's zone must not matter: the keys come from absolute instants.
	if _, err := conn.Exec(ctx, `SET TIME ZONE 'America/New_York'`); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	ms := func(d int) time.Time { return at.Add(time.Duration(d) * time.Millisecond) }
	tickets := []oldTicket{
		{id: "a", queue: queue.DefaultQueueID, phone: "+14155550001", status: "waiting", checkIn: ms(0)},
		{id: "b", queue: queue.DefaultQueueID, phone: "+14155550002", status: "called", checkIn: ms(1000)},
		{id: "c", queue: queue.DefaultQueueID, phone: "+14155550003", status: "waiting", checkIn: ms(1000)}, // same ms as b
		{id: "d", queue: queue.DefaultQueueID, phone: "+14155550004", status: "completed", checkIn: ms(2000)},
		{id: "e", queue: queue.DefaultQueueID, phone: "+14155550005", status: "waiting", checkIn: ms(2001)},
		{id: "f", queue: "lab", phone: "+14155550001", status: "waiting", checkIn: ms(500)},
		{id: "g", queue: "lab", phone: "+14155550006", status: "waiting", checkIn: ms(3_600_000)},
	}
	const insertOld = `INSERT INTO tickets (id, queue_id, seq, number, day, name, phone, appointment_time,
			status, check_in_time)
		SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, 'A-001', '2026-11-28', 'Old', $3, '10:00', $4, $5
		FROM tickets WHERE queue_id = $2
		RETURNING seq`
	for i, tk := range tickets {
		if err := conn.QueryRow(ctx, insertOld, tk.id, tk.queue, tk.phone, tk.status, tk.checkIn).Scan(&tickets[i].seq); err != nil {
			t.Fatalf("insert %s the old way: %v", tk.id, err)
		}
	}
	if _, err := conn.Exec(ctx, `UPDATE queues SET version = 7, service_ms = 600000 WHERE id = 'default'`); err != nil {
		t.Fatal(err)
	}

	db := pgtest.OpenURL(t, url) // migrates to the latest
	assertBucketsMatch(t, conn)
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
			if want := 1<<53 + old.checkIn.UnixMilli()*1000 + old.seq%1000; got.Seq != want {
				t.Errorf("ticket %s: seq %d, want %d (2^53 + check-in µs + old seq %d %% 1000)", old.id, got.Seq, want, old.seq)
			}
			if !got.DueAt.Equal(old.checkIn) || got.Urgent {
				t.Errorf("ticket %s: due %v, urgent %v; want due at check-in %v, not urgent", old.id, got.DueAt, got.Urgent, old.checkIn)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	assertWaiting(t, db, map[string][]string{queue.DefaultQueueID: {"a", "c", "e"}, "lab": {"f", "g"}})

	// The new schema works on the upgraded rows: a new normal ticket goes after
	// them, an urgent one before, two phoneless ones do not clash while a phone
	// still does, "A" is taken, and a move keeps the buckets right.
	now := ms(4000)
	late := queue.Ticket{ID: "late", QueueID: queue.DefaultQueueID, Status: queue.StatusWaiting, CheckInTime: now, DueAt: now,
		Seq: queue.OrderKey(false, now)}
	urgent := queue.Ticket{ID: "urgent", QueueID: queue.DefaultQueueID, Status: queue.StatusWaiting, CheckInTime: now, DueAt: now,
		Urgent: true, Seq: queue.OrderKey(true, now)}
	err = db.Update(ctx, func(tx queue.Tx) error {
		if _, err := tx.LockQueue(ctx, queue.DefaultQueueID); err != nil {
			return err
		}
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
	assertBucketsMatch(t, conn)
	want := map[string][]string{queue.DefaultQueueID: {"g", "urgent", "a", "c", "e", "late"}, "lab": {"f"}}
	assertWaiting(t, db, want)

	// Down to 00004 and up again: the Down sections run, and the second rewrite
	// of the seqs, already in the key space, keeps the order.
	if _, err := conn.Exec(ctx, `UPDATE tickets SET phone = id WHERE phone = ''`); err != nil { // the old index wants phones
		t.Fatal(err)
	}
	if err := postgres.MigrateTo(ctx, url, 4); err != nil {
		t.Fatalf("migrate down to 00004: %v", err)
	}
	assertBucketsMatch(t, conn)
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate up again: %v", err)
	}
	assertBucketsMatch(t, conn)
	// Down dropped urgent and due_at: every ticket came back as a normal one due
	// at its check-in, ordered by it (g checked in last), and the urgent and the
	// late ticket, of one millisecond, by their seqs' last three digits (000 and
	// 992: 2^53 ends in 992).
	want[queue.DefaultQueueID] = []string{"a", "c", "e", "urgent", "late", "g"}
	assertWaiting(t, db, want)
}

// assertWaiting checks each queue's waiting tickets, in order, and that the
// count of those ahead of each (from waiting_buckets) agrees with its place.
func assertWaiting(tb testing.TB, db *postgres.DB, want map[string][]string) {
	tb.Helper()
	ctx := context.Background()
	err := db.View(ctx, func(tx queue.Tx) error {
		for q, ids := range want {
			waiting, err := tx.WaitingTickets(ctx, q, 0)
			if err != nil {
				return err
			}
			var got []string
			for i, tk := range waiting {
				got = append(got, tk.ID)
				if n, err := tx.CountWaitingBefore(ctx, q, tk.Seq); err != nil || n != i {
					tb.Errorf("%s: CountWaitingBefore(%s) = %d, %v; want %d", q, tk.ID, n, err, i)
				}
			}
			if !slices.Equal(got, ids) {
				tb.Errorf("%s: waiting = %v, want %v", q, got, ids)
			}
			if w, _, err := tx.CountActive(ctx, q); err != nil || w != len(ids) {
				tb.Errorf("%s: CountActive = %d waiting, %v; want %d", q, w, err, len(ids))
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// assertBucketsMatch compares the waiting counts with a recount of the tickets
// in the blocks of the schema's version: waiting_buckets by seq / 256 before
// migration 00005; from it on, waiting_buckets by seq >> 18 and waiting_coarse
// by seq >> 27.
func assertBucketsMatch(tb testing.TB, conn *pgx.Conn) {
	tb.Helper()
	ctx := context.Background()
	var version int64
	if err := conn.QueryRow(ctx, `SELECT MAX(version_id) FROM goose_db_version`).Scan(&version); err != nil {
		tb.Fatal(err)
	}
	blocks := map[string]string{"waiting_buckets": "seq >> 18", "waiting_coarse": "seq >> 27"}
	if version < 5 {
		blocks = map[string]string{"waiting_buckets": "seq / 256"}
	}
	for table, block := range blocks {
		recount := `SELECT queue_id, ` + block + `, COUNT(*) FROM tickets WHERE status = 'waiting' GROUP BY 1, 2`
		stored := `SELECT queue_id, bucket, n FROM ` + table
		diff := `SELECT (SELECT COUNT(*) FROM (` + stored + ` EXCEPT ` + recount + `) a)
			+ (SELECT COUNT(*) FROM (` + recount + ` EXCEPT ` + stored + `) b)`
		var n, rows int
		if err := conn.QueryRow(ctx, diff).Scan(&n); err != nil {
			tb.Fatal(err)
		}
		if err := conn.QueryRow(ctx, `SELECT COUNT(*) FROM `+table).Scan(&rows); err != nil {
			tb.Fatal(err)
		}
		if n != 0 || rows == 0 {
			tb.Errorf("%s (version %d) differs from a recount in %d rows (it has %d)", table, version, n, rows)
		}
	}
}

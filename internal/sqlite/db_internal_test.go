package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"smartwait/internal/queue"
)

func openTest(tb testing.TB) *DB {
	tb.Helper()
	return openCk(tb, ckEvery, ckMaxFrames)
}

// The DSN's pragmas are in effect on the writer and on every reader connection.
func TestPragmas(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	want := []struct {
		pragma string
		value  string
	}{
		{"journal_mode", "wal"},
		{"busy_timeout", "5000"},
		{"synchronous", "1"}, // NORMAL
		{"foreign_keys", "1"},
		{"wal_autocheckpoint", "0"}, // the checkpointer copies the log (checkpoint.go)
	}
	pools := []struct {
		name string
		run  func(query string) (string, error)
	}{
		{"writer", func(q string) (v string, err error) { return v, db.w.QueryRowContext(ctx, q).Scan(&v) }},
		{"reader", func(q string) (v string, err error) { return v, db.r.QueryRowContext(ctx, q).Scan(&v) }},
	}
	for _, p := range pools {
		for _, w := range want {
			got, err := p.run("PRAGMA " + w.pragma)
			if err != nil {
				t.Fatalf("%s: PRAGMA %s: %v", p.name, w.pragma, err)
			}
			if got != w.value {
				t.Errorf("%s: PRAGMA %s = %s, want %s", p.name, w.pragma, got, w.value)
			}
		}
	}
}

// Update takes the write lock at BEGIN (_txlock=immediate): while an Update is open,
// a write from a second connection cannot even begin.
func TestUpdateBeginsImmediate(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	other, err := Open(ctx, db.path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.w.ExecContext(ctx, `PRAGMA busy_timeout = 0`); err != nil {
		t.Fatal(err)
	}
	err = db.Update(ctx, func(queue.Tx) error {
		_, err := other.w.ExecContext(ctx, `BEGIN IMMEDIATE`)
		if err == nil {
			other.w.ExecContext(ctx, `ROLLBACK`)
			t.Errorf("a second writer began while Update was open: Update does not hold the write lock")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A message a dispatcher has claimed (an unexpired lease) is being sent: it is not
// cancelled. Once the lease expired, it is.
func TestCancelMessagesSkipsClaimed(t *testing.T) {
	db := openTest(t)
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	ctx := context.Background()
	tk := queue.Ticket{ID: queue.NewID(), QueueID: queue.DefaultQueueID, Phone: "+14155552671", Status: queue.StatusWaiting, CheckInTime: now}
	var claimed, free queue.Message
	err := db.Update(ctx, func(tx queue.Tx) error {
		if err := tx.InsertTicket(ctx, &tk); err != nil {
			return err
		}
		claimed = queue.Message{TicketID: tk.ID, Kind: queue.MessageCalled, DedupeKey: "a"}
		free = queue.Message{TicketID: tk.ID, Kind: queue.MessageFollowUp, DedupeKey: "b"}
		if err := tx.AddMessage(ctx, &claimed); err != nil {
			return err
		}
		return tx.AddMessage(ctx, &free)
	})
	if err != nil {
		t.Fatal(err)
	}
	const claim = `UPDATE messages SET claimed_until = ?, claim_token = 'tok' WHERE id = ?`
	if _, err := db.w.ExecContext(ctx, claim, now.Add(30*time.Second).UnixMilli(), claimed.ID); err != nil {
		t.Fatal(err)
	}
	cancel := func() int {
		var n int
		if err := db.Update(ctx, func(tx queue.Tx) error {
			var err error
			n, err = tx.CancelMessages(ctx, tk.ID, "")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := cancel(); n != 1 {
		t.Errorf("CancelMessages with one message claimed = %d, want 1 (the unclaimed one)", n)
	}
	now = now.Add(31 * time.Second) // the lease expired: the dispatcher died
	if n := cancel(); n != 1 {
		t.Errorf("CancelMessages after the lease expired = %d, want 1", n)
	}
}

// Migration 00002 fills waiting_buckets from the tickets of a database that
// predates it (00005 then recounts them in its blocks), and the triggers then
// keep it equal to a recount. The way there runs every migration's Down.
func TestWaitingBucketsBackfill(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	var ts []queue.Ticket
	err := db.Update(ctx, func(tx queue.Tx) error {
		for i := range 600 {
			checkIn := at.Add(time.Duration(i) * 100 * time.Millisecond) // a few per block
			tk := queue.Ticket{ID: queue.NewID(), QueueID: queue.DefaultQueueID, Phone: fmt.Sprintf("+1415555%04d", i),
				Status: queue.StatusWaiting, CheckInTime: checkIn, DueAt: checkIn, Seq: queue.OrderKey(false, checkIn)}
			if i%4 == 0 {
				tk.Status = queue.StatusCompleted
			}
			if err := tx.InsertTicket(ctx, &tk); err != nil {
				return err
			}
			ts = append(ts, tk)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Make it a database from before 00002 (and so before every later
	// migration), through the migrations' own Down sections.
	p, err := migrator(db.w)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 1); err != nil {
		t.Fatalf("migrate down to 00001: %v", err)
	}
	var buckets int
	if err := db.w.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_schema WHERE name = 'waiting_buckets'`).Scan(&buckets); err != nil || buckets != 0 {
		t.Fatalf("waiting_buckets tables after the Down = %d, %v; want 0", buckets, err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	assertBucketsMatch(t, db)
	// The triggers are back: a change after the migration is counted too.
	err = db.Update(ctx, func(tx queue.Tx) error {
		ts[1].Status = queue.StatusCalled
		if err := tx.UpdateTicket(ctx, ts[1]); err != nil {
			return err
		}
		ts[0].Status = queue.StatusWaiting // back to waiting: counted again
		return tx.UpdateTicket(ctx, ts[0])
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.w.ExecContext(ctx, `DELETE FROM tickets WHERE id = ?`, ts[2].ID); err != nil {
		t.Fatal(err)
	}
	assertBucketsMatch(t, db)
}

// assertBucketsMatch compares waiting_buckets and waiting_coarse with a recount
// of the tickets.
func assertBucketsMatch(tb testing.TB, db *DB) {
	tb.Helper()
	for table, shift := range map[string]int{"waiting_buckets": waitingShift, "waiting_coarse": coarseShift} {
		recount := fmt.Sprintf(`SELECT queue_id, seq >> %d, COUNT(*) FROM tickets WHERE status = 'waiting' GROUP BY 1, 2`, shift)
		stored := `SELECT queue_id, bucket, n FROM ` + table
		diff := `SELECT (SELECT COUNT(*) FROM (` + stored + ` EXCEPT ` + recount + `))
			+ (SELECT COUNT(*) FROM (` + recount + ` EXCEPT ` + stored + `))`
		var n, rows int
		if err := db.r.QueryRowContext(context.Background(), diff).Scan(&n); err != nil {
			tb.Fatal(err)
		}
		if err := db.r.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&rows); err != nil {
			tb.Fatal(err)
		}
		if n != 0 || rows == 0 {
			tb.Errorf("%s differs from a recount in %d rows (it has %d)", table, n, rows)
		}
	}
}

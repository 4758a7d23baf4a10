package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"smartwait/internal/queue"
)

// openCk opens a database in a temp dir whose checkpointer runs every `every`
// and goes through the writer past maxFrames (openTest: Open's own).
func openCk(tb testing.TB, every time.Duration, maxFrames int) *DB {
	tb.Helper()
	db, err := open(context.Background(), filepath.Join(tb.TempDir(), "smartwait.db"), every, maxFrames)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// insertTickets commits n waiting tickets with long names in one Update; from
// is the first phone's suffix, so that calls never repeat a phone.
func insertTickets(tb testing.TB, db *DB, from, n int) {
	tb.Helper()
	if err := addTickets(db, from, n); err != nil {
		tb.Fatal(err)
	}
}

// addTickets is insertTickets for other goroutines than the test's.
func addTickets(db *DB, from, n int) error {
	ctx := context.Background()
	now := time.Now().UTC()
	return db.Update(ctx, func(tx queue.Tx) error {
		for i := from; i < from+n; i++ {
			tk := queue.Ticket{ID: queue.NewID(), QueueID: queue.DefaultQueueID, Phone: fmt.Sprintf("+1415%07d", i),
				Name: strings.Repeat("n", 200), Status: queue.StatusWaiting, CheckInTime: now, DueAt: now,
				Seq: queue.OrderKey(false, now)}
			if err := tx.InsertTicket(ctx, &tk); err != nil {
				return err
			}
		}
		return nil
	})
}

func fileSize(tb testing.TB, path string) int64 {
	tb.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	return fi.Size()
}

// A commit that takes the log past the copy's threshold (maxFrames/8 pages;
// 8 here) reaches the database file soon after, with no later write to carry
// it: the checkpointer copied the log beside the writer, whose own automatic
// checkpoints are off (TestPragmas).
func TestLogCopiedWithoutTheWriter(t *testing.T) {
	db := openCk(t, 20*time.Millisecond, 64)
	before := fileSize(t, db.path)
	insertTickets(t, db, 0, 300) // ~60 KiB of rows and their index entries
	for deadline := time.Now().Add(10 * time.Second); fileSize(t, db.path) <= before; {
		if time.Now().After(deadline) {
			t.Fatalf("the database file is still %d bytes 10 s after a commit: the log was not copied into it", before)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := queueLen(t, db); n != 300 {
		t.Fatalf("%d tickets after the checkpoints, want 300", n)
	}
}

// Under writes without a pause the log does not grow with them: past its bound
// it is copied through the writer, between two writes, and begins again. Two
// writers keep a write always waiting, so that the log cannot begin again by
// itself (a write that begins with every frame copied rewinds it).
func TestLogRewoundUnderUnpausedWrites(t *testing.T) {
	db := openCk(t, 5*time.Millisecond, 32)
	db.checkpoint(context.Background()) // an empty log: the migrations' pages are not counted
	const target = 1 << 20              // bytes of database file
	stop := make(chan struct{})
	var writers sync.WaitGroup
	for w := range 2 {
		writers.Go(func() {
			for i := w * 1_000_000; ; i += 20 {
				select {
				case <-stop:
					return
				default:
				}
				if err := addTickets(db, i, 20); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	rewinds, last := 0, 0
	deadline := time.Now().Add(60 * time.Second)
	for fileSize(t, db.path) < target && time.Now().Before(deadline) {
		n := logFrames(t, db.path)
		if n < last {
			rewinds++
		}
		last = n
		time.Sleep(time.Millisecond)
	}
	close(stop)
	writers.Wait()
	if size := fileSize(t, db.path); size < target {
		t.Fatalf("the database file is %d bytes after 60 s of writes, want %d: the log is not being copied", size, target)
	}
	if rewinds < 2 {
		t.Fatalf("the log began again %d times while the file grew to %d bytes (log file %d bytes), want at least 2",
			rewinds, fileSize(t, db.path), fileSize(t, db.path+"-wal"))
	}
}

// logFrames is walFrames for a test.
func logFrames(tb testing.TB, path string) int {
	tb.Helper()
	n, err := walFrames(path)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// queueLen counts the tickets through a reader.
func queueLen(tb testing.TB, db *DB) (n int) {
	tb.Helper()
	if err := db.r.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM tickets`).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// A commit is synced (the log file's fsync) at the next tick: it no longer
// waits for a checkpoint to be safe from a power cut, and a short log is
// neither copied nor rewound under it.
func TestCommitSyncedBeforeTheLogIsCopied(t *testing.T) {
	db := openCk(t, 100*time.Millisecond, ckMaxFrames)
	db.checkpoint(context.Background())
	// Past the migrations' own sync: wait for a quiet checkpointer.
	for deadline := time.Now().Add(10 * time.Second); ; {
		s := db.logSyncs.Load()
		time.Sleep(300 * time.Millisecond)
		if db.logSyncs.Load() == s {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the checkpointer keeps syncing with nothing committed")
		}
	}
	syncs, size := db.logSyncs.Load(), fileSize(t, db.path)
	insertTickets(t, db, 0, 100)
	frames := logFrames(t, db.path)
	for deadline := time.Now().Add(10 * time.Second); db.logSyncs.Load() == syncs; {
		if time.Now().After(deadline) {
			t.Fatal("the commit was not synced within 10 s")
		}
		time.Sleep(time.Millisecond)
	}
	if got := fileSize(t, db.path); got != size {
		t.Errorf("the database file grew from %d to %d bytes before the sync: the log was copied, not synced", size, got)
	}
	if got := logFrames(t, db.path); got < frames {
		t.Errorf("the log went from %d to %d frames: it was rewound", frames, got)
	}
	// Far below the copy's threshold, the log stays where it is: the next
	// write appends to it instead of rewinding it (and syncing its header).
	time.Sleep(500 * time.Millisecond)
	if got := fileSize(t, db.path); got != size {
		t.Errorf("the database file grew from %d to %d bytes: a log of %d frames was copied", size, got, frames)
	}
}

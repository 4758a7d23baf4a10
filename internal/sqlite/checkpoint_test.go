package sqlite

import (
	"context"
	"encoding/binary"
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

// A commit far smaller than SQLite's own checkpoint threshold (1,000 pages)
// reaches the database file soon after, with no later write to carry it: the
// checkpointer copied the log beside the writer, whose own automatic
// checkpoints are off (TestPragmas).
func TestLogCopiedWithoutTheWriter(t *testing.T) {
	db := openCk(t, 20*time.Millisecond, ckMaxFrames)
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

// logFrames reads the log's length in frames from the shared-memory index
// beside the database (mxFrame, a native-order u32 at byte 16 of its header;
// https://sqlite.org/walformat.html).
func logFrames(tb testing.TB, path string) int {
	tb.Helper()
	f, err := os.Open(path + "-shm")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var hdr [20]byte
	if _, err := f.ReadAt(hdr[:], 0); err != nil {
		tb.Fatal(err)
	}
	return int(binary.NativeEndian.Uint32(hdr[16:]))
}

// queueLen counts the tickets through a reader.
func queueLen(tb testing.TB, db *DB) (n int) {
	tb.Helper()
	if err := db.r.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM tickets`).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

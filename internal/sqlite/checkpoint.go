package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"os"
	"time"
)

// SQLite's own checkpoints run inside the commit that fills the write-ahead log
// past 1,000 pages, on the writer connection: while one copies the log into the
// database file and syncs both, every queue operation waits behind it. A
// profile of the server under sustained check-ins put 6 % of its CPU and two
// fsyncs per checkpoint on that one serial path, and without them the server
// took 25–30 % more check-ins a second (docs/benchmarks.md). So the writer's
// automatic checkpoints are off (wal_autocheckpoint(0)) and a goroutine of the
// DB's own copies the log on a connection of its own, beside the writer: a
// PASSIVE checkpoint neither waits for nor blocks readers and writers.
//
// A log is only rewound from its start when a write begins with every frame
// copied; under writes without a pause a background copy rarely ends in such a
// moment, so a log past ckMaxFrames is copied once more through the writer
// connection, between two writes, where its last frames are few.
//
// Syncing is not copying. With synchronous=NORMAL a commit is safe from a
// power cut once the log is synced, and SQLite syncs it only at checkpoints;
// so the log used to be copied every 200 ms to bound how long a commit stays
// unsynced. But the write that follows a complete copy rewinds the log, and
// rewinding writes a new log header and syncs it, inside that write's commit:
// on the bench machine 0.7 ms of a call-next's 2.2 ms transaction, on every
// call that came more than 200 ms after the one before — which is every call
// of a clinic's day. So the checkpointer now syncs the log file itself at
// every tick that follows a commit (the same bound on unsynced commits), and
// copies the log only once it holds more than an eighth of ckMaxFrames
// (1,024 pages, SQLite's own threshold): the rewind and its sync come once
// per thousand pages written, not once per operation.
const (
	// ckEvery is how often the checkpointer looks for commits: how long a
	// commit stays unsynced, at most about this long.
	ckEvery = 200 * time.Millisecond
	// ckMaxFrames is the log's length, in pages, past which the copy goes
	// through the writer so that the log can start again (32 MiB of 4 KiB
	// pages). The log is copied beside the writer past ckMaxFrames/8.
	ckMaxFrames = 8192
)

// checkpointer syncs the write-ahead log at every tick that follows a commit,
// or copies it into the database file when it is longer than maxFrames/8
// (through the writer too when it is longer than maxFrames), until stop is
// closed; then it closes done.
func (db *DB) checkpointer(every time.Duration, maxFrames int, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	defer db.closeLog()
	t := time.NewTicker(every)
	defer t.Stop()
	last := int64(-1) // the data version at the last tick
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		v, err := db.dataVersion()
		if err != nil || v == last {
			continue // nothing committed (or a closed database: the next tick, or stop)
		}
		// The commits count as seen only once synced (a copy syncs the log
		// before it copies): a failed sync is tried again at the next tick.
		if frames, err := walFrames(db.path); err == nil && frames > maxFrames/8 {
			logged, err := db.passive(db.ck)
			if err == nil && logged > maxFrames {
				_, _ = db.passive(db.w)
			}
			if err == nil {
				last = v
				continue
			}
		}
		if db.syncLog() {
			last = v
		}
	}
}

// walFrames reads the log's length in frames from the shared-memory index
// beside the database (mxFrame, a native-order u32 at byte 16 of its header;
// https://sqlite.org/walformat.html). A read that races a commit may see a
// torn header: the length only decides when to copy.
func walFrames(path string) (int, error) {
	f, err := os.Open(path + "-shm")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var hdr [20]byte
	if _, err := f.ReadAt(hdr[:], 0); err != nil {
		return 0, err
	}
	return int(binary.NativeEndian.Uint32(hdr[16:])), nil
}

// dataVersion is SQLite's data_version on the checkpointer's connection: it
// changes whenever another connection commits.
func (db *DB) dataVersion() (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var v int64
	err := db.ck.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v)
	return v, err
}

// syncLog syncs the write-ahead log file, which SQLite (synchronous=NORMAL)
// leaves to checkpoints: the commits in it are then safe from a power cut.
// fsync acts on the file, whichever descriptor asks. It reports whether the
// log was synced; one that cannot be opened or synced (a database in memory)
// is opened again at the next try.
func (db *DB) syncLog() bool {
	if db.wal == nil {
		f, err := os.Open(db.path + "-wal")
		if err != nil {
			return false
		}
		db.wal = f
	}
	if err := db.wal.Sync(); err != nil {
		db.closeLog()
		return false
	}
	db.logSyncs.Add(1)
	return true
}

func (db *DB) closeLog() {
	if db.wal != nil {
		_ = db.wal.Close()
		db.wal = nil
	}
}

// passive runs a PASSIVE checkpoint on c and returns the log's length in
// frames. Errors (a closed database, a full disk) are left to the next copy
// and to the writes themselves, which report them.
func (db *DB) passive(c *sql.DB) (logged int, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return db.walCheckpoint(ctx, c, "PASSIVE")
}

// walCheckpoint runs a checkpoint of mode (PASSIVE, TRUNCATE…) on c and
// returns the log's length in frames. Checkpoints take turns (db.ckMu):
// SQLite runs one at a time and answers a second with "busy", doing
// nothing, so an erasure's TRUNCATE that met the periodic copy left the
// erased pages in the log.
func (db *DB) walCheckpoint(ctx context.Context, c *sql.DB, mode string) (logged int, err error) {
	db.ckMu.Lock()
	defer db.ckMu.Unlock()
	var busy, done int
	err = c.QueryRowContext(ctx, `PRAGMA wal_checkpoint(`+mode+`)`).Scan(&busy, &logged, &done)
	return logged, err
}

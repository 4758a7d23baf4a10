package sqlite

import (
	"context"
	"database/sql"
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
const (
	// ckEvery is how often the log is copied. It also bounds how long a
	// commit waits for its fsync (synchronous=NORMAL syncs the log at
	// checkpoints): about this long, where a quiet clinic's commits used to
	// wait until 1,000 pages had been written.
	ckEvery = 200 * time.Millisecond
	// ckMaxFrames is the log's length, in pages, past which the copy goes
	// through the writer so that the log can start again (32 MiB of 4 KiB pages).
	ckMaxFrames = 8192
)

// checkpointer copies the write-ahead log into the database file every period,
// through the writer too when the log is longer than maxFrames, until stop is
// closed; then it closes done.
func (db *DB) checkpointer(every time.Duration, maxFrames int, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		// With nothing new in the log the checkpoint only reads its header.
		logged, err := db.passive(db.ck)
		if err == nil && logged > maxFrames {
			_, _ = db.passive(db.w)
		}
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

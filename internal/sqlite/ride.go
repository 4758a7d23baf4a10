package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"smartwait/internal/notify"
	"smartwait/internal/queue"
)

// The dispatcher's writes ride on the queue's. Claiming due texts and
// recording sent ones are small UPDATEs of rows among the outbox's newest,
// whose pages the queue's commits are writing anyway; each in a transaction
// of its own cost a commit (the log frames of those pages, the file locks):
// under the bench kit's check-ins, the claims and marks took 14 % of the
// server's CPU, on the one writer connection the queue's operations wait
// for. Claim and MarkSentAll therefore hand their statements to the writer:
// the next Update applies them, each in a savepoint, just before it commits,
// and when no Update comes within rideWait a timer commits them alone. A
// claim that rides also takes the texts its write added. Each is answered
// only after the commit that holds it. One that fails rolls back only its
// savepoint and is then retried alone; the operation it rode with commits
// regardless — unless that savepoint cannot be undone (queue.ErrSavepointFault):
// the transaction, in doubt, is then rolled back and fails (see applyRides).

// rideWait is how long a claim or mark waits for a write to ride before it
// is committed on its own. A busy server commits every few milliseconds; an
// idle one delays a text by at most this much, and its record by as much.
const rideWait = 5 * time.Millisecond

// ride is one dispatcher write (a claim, or sent marks) waiting for a
// commit. apply runs it inside a write transaction and keeps its results in
// the closure; it may run again if that transaction does not commit.
type ride struct {
	apply func(ctx context.Context, t *tx) error
	err   error
	done  chan struct{}
}

// rides is the queue of claims and marks waiting for a commit.
type rides struct {
	mu      sync.Mutex
	waiting []*ride
	wait    time.Duration // rideWait; tests lengthen it
	timer   *time.Timer   // runs flushRides wait after the first ride queues
	closed  bool          // Close flushed the last rides: later ones commit at once
}

// MarkSentAll marks several sent messages (see notify.Outbox) in the next
// write transaction, or in one of their own within rideWait.
func (db *DB) MarkSentAll(ctx context.Context, sent []notify.Sent) ([]error, error) {
	if len(sent) == 0 {
		return nil, nil
	}
	var results []error
	err := db.rideNext(ctx, "mark sent", func(ctx context.Context, t *tx) (err error) {
		results, err = t.markSentAll(ctx, sent)
		return err
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// rideNext runs apply in the next write transaction, or in one of its own
// within rideWait, and returns once that transaction committed.
func (db *DB) rideNext(ctx context.Context, what string, apply func(ctx context.Context, t *tx) error) error {
	r := &ride{apply: apply, done: make(chan struct{})}
	db.queueRides(r)
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		// The write may still commit; the caller treats it as unknown, as it
		// would a failed write, and the lease decides.
		return fmt.Errorf("sqlite: %s: %w", what, ctx.Err())
	}
}

// queueRides queues rides and arms the timer that commits them if no write
// takes them first.
func (db *DB) queueRides(rs ...*ride) {
	if len(rs) == 0 {
		return
	}
	q := &db.rides
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		db.commitRides(rs)
		return
	}
	first := len(q.waiting) == 0
	q.waiting = append(q.waiting, rs...)
	if first {
		if q.timer == nil {
			q.timer = time.AfterFunc(q.wait, db.flushRides)
		} else {
			q.timer.Reset(q.wait)
		}
	}
	q.mu.Unlock()
}

// takeRides removes and returns every waiting ride.
func (db *DB) takeRides() []*ride {
	q := &db.rides
	q.mu.Lock()
	rs := q.waiting
	q.waiting = nil
	q.mu.Unlock()
	return rs
}

// flushRides commits the rides that no write took within their wait.
func (db *DB) flushRides() { db.commitRides(db.takeRides()) }

// closeRides commits the waiting rides before the database closes, and makes
// later ones commit at once.
func (db *DB) closeRides() {
	q := &db.rides
	q.mu.Lock()
	q.closed = true
	if q.timer != nil {
		q.timer.Stop()
	}
	rs := q.waiting
	q.waiting = nil
	q.mu.Unlock()
	db.commitRides(rs)
}

// commitRides commits rides in a transaction of their own, each in a
// savepoint so that one failing does not undo the others, and answers them.
func (db *DB) commitRides(rs []*ride) {
	if len(rs) == 0 {
		return
	}
	// The callers' contexts may end while they wait; the writes are still owed
	// to the outbox, bounded like any write by the busy timeout.
	ctx := context.Background()
	var again []*ride // undone by another ride's fault: queued again
	err := func() error {
		t, err := db.w.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("sqlite: dispatcher write: %w", translate(err))
		}
		defer t.Rollback() // a no-op after Commit
		wt := &tx{tx: t, db: db, stmts: db.wstmts, write: true}
		if _, _, again, err = db.applyRides(ctx, wt, rs); err != nil {
			return err // rolled back
		}
		if err := t.Commit(); err != nil {
			return fmt.Errorf("sqlite: dispatcher write: %w", translate(err))
		}
		return nil
	}()
	if errors.Is(err, queue.ErrSavepointFault) {
		db.queueRides(again...)
		return
	}
	for _, r := range rs {
		if err != nil {
			r.err = err
		}
		close(r.done) // a ride that failed alone answers its own error
	}
}

// rideAlong applies the waiting rides inside t, a write transaction about to
// commit. It returns the rides applied, to be answered after the commit
// (answerRides); the ones that failed are queued again to be committed alone,
// where their error is answered. On a savepoint fault it returns the error,
// so that t is rolled back rather than committed with that ride's writes in
// it, and the other rides taken, to be queued again after the rollback.
func (db *DB) rideAlong(ctx context.Context, t *tx) (applied, again []*ride, err error) {
	rs := db.takeRides()
	if len(rs) == 0 {
		return nil, nil, nil
	}
	applied, failed, again, err := db.applyRides(ctx, t, rs)
	if err != nil {
		return nil, again, err
	}
	db.queueRides(failed...)
	return applied, nil, nil
}

// applyRides applies rs inside t, each in a savepoint (r.err is its
// outcome), and returns those that applied and those that failed. A
// savepoint that cannot be undone (queue.ErrSavepointFault) leaves t in
// doubt: it stops there and returns the fault, with the rides to queue again
// once t is rolled back (see faulted).
func (db *DB) applyRides(ctx context.Context, t *tx, rs []*ride) (applied, failed, again []*ride, err error) {
	for _, r := range rs {
		r.err = t.Savepoint(ctx, func() error { return r.apply(ctx, t) })
		switch {
		case errors.Is(r.err, queue.ErrSavepointFault):
			err := fmt.Errorf("sqlite: dispatcher write: %w", r.err)
			return nil, nil, db.faulted(rs, r, err), err
		case r.err != nil:
			failed = append(failed, r)
		default:
			applied = append(applied, r)
		}
	}
	return applied, failed, nil, nil
}

// faulted handles rides rs of a transaction that bad's savepoint left in
// doubt (queue.ErrSavepointFault): bad is answered with err, as nothing of it
// will commit, and the others, undone through no fault of theirs, are
// returned to be queued again once the caller has rolled the transaction
// back (queued before, a closed database would commit them at once, on the
// connection the transaction still holds).
func (db *DB) faulted(rs []*ride, bad *ride, err error) (again []*ride) {
	for _, r := range rs {
		if r != bad {
			again = append(again, r)
		}
	}
	bad.err = err
	close(bad.done)
	return again
}

// answerRides ends the rides that rode on a transaction: answered when it
// committed, queued again to commit alone when it did not.
func (db *DB) answerRides(rs []*ride, committed bool) {
	if len(rs) == 0 {
		return
	}
	if !committed {
		db.queueRides(rs...)
		return
	}
	for _, r := range rs {
		close(r.done)
	}
}

// markSentAll runs the sent marks in t, one result per mark:
// notify.ErrLeaseLost for a message no longer leased by its token.
func (t *tx) markSentAll(ctx context.Context, sent []notify.Sent) ([]error, error) {
	st := t.stmt(ctx, markSent)
	results := make([]error, len(sent))
	for i, s := range sent {
		res, err := st.ExecContext(t.run(ctx), s.ProviderID, s.At.UnixMilli(), s.ID, s.Token)
		if err != nil {
			return nil, fmt.Errorf("sqlite: mark sent: %w", translate(err))
		}
		if err := mustAffect(res, "mark sent", notify.ErrLeaseLost); errors.Is(err, notify.ErrLeaseLost) {
			results[i] = err
		} else if err != nil {
			return nil, err
		}
	}
	return results, nil
}

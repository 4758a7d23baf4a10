package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"smartwait/internal/queue"
)

// ticketColumns is the column list every ticket query selects, in scanTicket order.
const ticketColumns = `id, queue_id, seq, number, day, name, phone, appointment_time,
	status, room, check_in_time, called_at, completed_at, quoted_wait, ready_at, urgent, due_at, language, arrived_at, delays`

func scanTicket(row pgx.Row) (queue.Ticket, error) {
	var t queue.Ticket
	var checkIn time.Time
	var called, completed, ready, due, arrived *time.Time
	err := row.Scan(&t.ID, &t.QueueID, &t.Seq, &t.Number, &t.Day, &t.Name, &t.Phone, &t.AppointmentTime,
		&t.Status, &t.Room, &checkIn, &called, &completed, &t.QuotedWait, &ready, &t.Urgent, &due, &t.Language, &arrived, &t.Delays)
	if err != nil {
		return queue.Ticket{}, err
	}
	t.CheckInTime = checkIn.UTC()
	t.CalledAt, t.CompletedAt, t.ReadyAt, t.DueAt, t.ArrivedAt = fromTS(called), fromTS(completed), fromTS(ready), fromTS(due), fromTS(arrived)
	return t, nil
}

// queryTickets runs a query selecting ticketColumns and collects the rows.
func (t *tx) queryTickets(ctx context.Context, what, query string, args ...any) ([]queue.Ticket, error) {
	rows, err := t.tx.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", what, translate(ctx, err))
	}
	defer rows.Close()
	var out []queue.Ticket
	for rows.Next() {
		tk, err := scanTicket(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: %s: %w", what, translate(ctx, err))
		}
		out = append(out, tk)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", what, translate(ctx, err))
	}
	return out, nil
}

// freeSeq is the key a ticket of queue $2 that wants key $3 gets: $3 itself
// when no ticket of the queue (any status) has it, else one more than the end
// of the run of taken keys that starts at $3. Both lookups are probes of the
// UNIQUE (queue_id, seq) index: one when the key is free, as it nearly always
// is (keys are due times in microseconds), one per ticket of the run otherwise
// (the ELSE subquery, an InitPlan, runs only when its branch is taken). The
// caller holds the queue's row lock (LockQueue), so no other transaction takes
// the key between this statement's read and its write; a unique violation is
// not caught instead, as it would end the transaction.
const freeSeq = `CASE
	WHEN NOT EXISTS (SELECT 1 FROM tickets WHERE queue_id = $2 AND seq = $3) THEN $3::bigint
	ELSE (SELECT a.seq + 1 FROM tickets a WHERE a.queue_id = $2 AND a.seq >= $3
		AND NOT EXISTS (SELECT 1 FROM tickets b WHERE b.queue_id = $2 AND b.seq = a.seq + 1)
		ORDER BY a.seq LIMIT 1)
	END`

// freeSeqFor is freeSeq for ticket $1, whose own row counts as free: it is the
// one moving (MoveTicket).
const freeSeqFor = `CASE
	WHEN NOT EXISTS (SELECT 1 FROM tickets WHERE queue_id = $2 AND seq = $3 AND id <> $1) THEN $3::bigint
	ELSE (SELECT a.seq + 1 FROM tickets a WHERE a.queue_id = $2 AND a.seq >= $3 AND a.id <> $1
		AND NOT EXISTS (SELECT 1 FROM tickets b WHERE b.queue_id = $2 AND b.seq = a.seq + 1 AND b.id <> $1)
		ORDER BY a.seq LIMIT 1)
	END`

// InsertTicket stores a new ticket at the key it wants (tk.Seq) or the next free
// one above (freeSeq), and sets tk.Seq to the key stored. The partial unique
// index tickets_active_phone rejects a second active ticket for a non-empty
// phone (queue.ErrDuplicate).
func (t *tx) InsertTicket(ctx context.Context, tk *queue.Ticket) error {
	const insert = `INSERT INTO tickets (id, queue_id, seq, number, day, name, phone,
			appointment_time, status, room, check_in_time, called_at, completed_at, quoted_wait, ready_at, urgent, due_at, language)
		VALUES ($1, $2, ` + freeSeq + `, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
		RETURNING seq`
	err := t.tx.QueryRow(ctx, insert,
		tk.ID, tk.QueueID, tk.Seq, tk.Number, tk.Day, tk.Name, tk.Phone, tk.AppointmentTime,
		string(tk.Status), tk.Room, tk.CheckInTime.UTC().Truncate(time.Millisecond), ts(tk.CalledAt), ts(tk.CompletedAt),
		tk.QuotedWait, ts(tk.ReadyAt), tk.Urgent, ts(tk.DueAt), tk.Language,
	).Scan(&tk.Seq)
	if err != nil {
		return fmt.Errorf("postgres: insert ticket: %w", translate(ctx, err))
	}
	return nil
}

// UpdateTicket stores the mutable fields of tk.
func (t *tx) UpdateTicket(ctx context.Context, tk queue.Ticket) error {
	const update = `UPDATE tickets SET status = $1, room = $2, called_at = $3, completed_at = $4, ready_at = $5,
			quoted_wait = $6, arrived_at = $7 WHERE id = $8`
	tag, err := t.tx.Exec(ctx, update, string(tk.Status), tk.Room, ts(tk.CalledAt), ts(tk.CompletedAt), ts(tk.ReadyAt), tk.QuotedWait, ts(tk.ArrivedAt), tk.ID)
	if err != nil {
		return fmt.Errorf("postgres: update ticket: %w", translate(ctx, err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: update ticket: %w", queue.ErrNotFound)
	}
	return nil
}

// MoveTicket stores tk's place (QueueID, Seq as InsertTicket picks it but with
// its own current key counting as free, Urgent, DueAt) and its mutable fields,
// and sets tk.Seq to the key stored. The waiting-count trigger moves a waiting
// ticket's counts to its new blocks (migration 00005). The caller holds the row
// lock of the target queue (LockQueue), as for InsertTicket.
func (t *tx) MoveTicket(ctx context.Context, tk *queue.Ticket) error {
	const update = `UPDATE tickets SET queue_id = $2, seq = ` + freeSeqFor + `,
			urgent = $4, due_at = $5, status = $6, room = $7, called_at = $8, completed_at = $9, ready_at = $10,
			quoted_wait = $11, delays = $12
		WHERE id = $1
		RETURNING seq`
	err := t.tx.QueryRow(ctx, update,
		tk.ID, tk.QueueID, tk.Seq, tk.Urgent, ts(tk.DueAt),
		string(tk.Status), tk.Room, ts(tk.CalledAt), ts(tk.CompletedAt), ts(tk.ReadyAt), tk.QuotedWait, tk.Delays,
	).Scan(&tk.Seq)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: move ticket: %w", queue.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("postgres: move ticket: %w", translate(ctx, err))
	}
	return nil
}

// Ticket returns the ticket with the given id, or an error wrapping
// queue.ErrNotFound.
func (t *tx) Ticket(ctx context.Context, id string) (queue.Ticket, error) {
	const query = `SELECT ` + ticketColumns + ` FROM tickets WHERE id = $1`
	tk, err := scanTicket(t.tx.QueryRow(ctx, query, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return queue.Ticket{}, fmt.Errorf("postgres: ticket: %w", queue.ErrNotFound)
	}
	if err != nil {
		return queue.Ticket{}, fmt.Errorf("postgres: ticket: %w", translate(ctx, err))
	}
	return tk, nil
}

// activeColumns are ticketColumns without queue_id and status, which
// ActiveTickets knows from its arguments: two fewer strings decoded per row.
const activeColumns = `id, seq, number, day, name, phone, appointment_time,
	room, check_in_time, called_at, completed_at, quoted_wait, ready_at, urgent, due_at, language, arrived_at, delays`

// ActiveTickets returns the called tickets by CalledAt then Seq, then the waiting
// ones by Seq. They are read by two queries rather than one ordered by status:
// the waiting ones, nearly all of a long queue, then come off the
// tickets_queue_status_seq index in seq order with no sort of every active row.
// The result is sized from CountActive, so it is collected without growing.
func (t *tx) ActiveTickets(ctx context.Context, queueID string) ([]queue.Ticket, error) {
	const (
		called = `SELECT ` + activeColumns + ` FROM tickets
			WHERE queue_id = $1 AND status = 'called' ORDER BY called_at, seq`
		waiting = `SELECT ` + activeColumns + ` FROM tickets
			WHERE queue_id = $1 AND status = 'waiting' ORDER BY seq`
	)
	nw, nc, err := t.CountActive(ctx, queueID)
	if err != nil {
		return nil, err
	}
	out := make([]queue.Ticket, 0, nw+nc)
	if out, err = t.appendActive(ctx, out, called, queueID, queue.StatusCalled); err != nil {
		return nil, err
	}
	return t.appendActive(ctx, out, waiting, queueID, queue.StatusWaiting)
}

// appendActive appends the rows of query, which selects activeColumns of the
// queue's tickets in the given status, to out.
func (t *tx) appendActive(ctx context.Context, out []queue.Ticket, query, queueID string, status queue.Status) ([]queue.Ticket, error) {
	rows, err := t.tx.Query(ctx, query, queueID)
	if err != nil {
		return nil, fmt.Errorf("postgres: active tickets: %w", translate(ctx, err))
	}
	defer rows.Close()
	var checkIn time.Time
	var called, completed, ready, due, arrived *time.Time
	for rows.Next() {
		tk := queue.Ticket{QueueID: queueID, Status: status}
		if err := rows.Scan(&tk.ID, &tk.Seq, &tk.Number, &tk.Day, &tk.Name, &tk.Phone, &tk.AppointmentTime,
			&tk.Room, &checkIn, &called, &completed, &tk.QuotedWait, &ready, &tk.Urgent, &due, &tk.Language, &arrived, &tk.Delays); err != nil {
			return nil, fmt.Errorf("postgres: active tickets: %w", translate(ctx, err))
		}
		tk.CheckInTime = checkIn.UTC()
		tk.CalledAt, tk.CompletedAt, tk.ReadyAt, tk.DueAt, tk.ArrivedAt = fromTS(called), fromTS(completed), fromTS(ready), fromTS(due), fromTS(arrived)
		out = append(out, tk)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: active tickets: %w", translate(ctx, err))
	}
	return out, nil
}

// WaitingTickets returns up to limit waiting tickets in Seq order (limit <= 0: all).
func (t *tx) WaitingTickets(ctx context.Context, queueID string, limit int) ([]queue.Ticket, error) {
	const query = `SELECT ` + ticketColumns + ` FROM tickets
		WHERE queue_id = $1 AND status = 'waiting' ORDER BY seq LIMIT $2`
	var lim any // NULL: LIMIT ALL
	if limit > 0 {
		lim = limit
	}
	return t.queryTickets(ctx, "waiting tickets", query, queueID, lim)
}

// waitingShift and coarseShift give the two levels of blocks of seqs whose
// waiting tickets waiting_buckets and waiting_coarse count: the bucket of seq
// is seq >> waitingShift (2^18 keys, 262 ms of due times), its coarse block seq
// >> coarseShift (2^27 keys, 512 buckets, 134 s). Migration 00005, whose
// trigger repeats them, says why two.
const (
	waitingShift = 18
	coarseShift  = 27
)

// CountWaitingBefore counts the queue's waiting tickets with Seq < seq: the
// coarse blocks wholly before seq, then the buckets wholly before it inside its
// coarse block (at most 512 rows), then an index range count inside its bucket
// — a few hundred rows at most whether keys are dense or sparse, not
// O(waiting). The shifts are floors, as in the trigger, for negative seqs too.
func (t *tx) CountWaitingBefore(ctx context.Context, queueID string, seq int64) (int, error) {
	const query = `SELECT
		(SELECT COALESCE(SUM(n), 0) FROM waiting_coarse WHERE queue_id = $1 AND bucket < $2),
		(SELECT COALESCE(SUM(n), 0) FROM waiting_buckets WHERE queue_id = $1 AND bucket >= $3 AND bucket < $4),
		(SELECT COUNT(*) FROM tickets WHERE queue_id = $1 AND status = 'waiting' AND seq >= $5 AND seq < $6)`
	coarse, bucket := seq>>coarseShift, seq>>waitingShift
	var blocks, buckets, inBucket int
	err := t.tx.QueryRow(ctx, query, queueID, coarse, coarse<<(coarseShift-waitingShift), bucket, bucket<<waitingShift, seq).
		Scan(&blocks, &buckets, &inBucket)
	if err != nil {
		return 0, fmt.Errorf("postgres: count waiting: %w", translate(ctx, err))
	}
	return blocks + buckets + inBucket, nil
}

// CountActive counts the queue's waiting tickets (from waiting_coarse) and called
// tickets (few: an index range).
func (t *tx) CountActive(ctx context.Context, queueID string) (waiting, called int, err error) {
	const query = `SELECT
		(SELECT COALESCE(SUM(n), 0) FROM waiting_coarse WHERE queue_id = $1),
		(SELECT COUNT(*) FROM tickets WHERE queue_id = $1 AND status = 'called')`
	if err := t.tx.QueryRow(ctx, query, queueID).Scan(&waiting, &called); err != nil {
		return 0, 0, fmt.Errorf("postgres: count active: %w", translate(ctx, err))
	}
	return waiting, called, nil
}

// TicketsSince returns the queue's tickets that checked in at or after since, in
// Seq order.
func (t *tx) TicketsSince(ctx context.Context, queueID string, since time.Time) ([]queue.Ticket, error) {
	const query = `SELECT ` + ticketColumns + ` FROM tickets
		WHERE queue_id = $1 AND check_in_time >= $2 ORDER BY seq`
	return t.queryTickets(ctx, "tickets since", query, queueID, since.UTC().Truncate(time.Millisecond))
}

// RecentFinished returns how up to limit most recently finished tickets of the
// queue finished (queue.Finished), newest first (limit <= 0: all).
func (t *tx) RecentFinished(ctx context.Context, queueID string, limit int) ([]queue.Finished, error) {
	// completed_at IS NOT NULL is written out so the partial index applies.
	const query = `SELECT status, COALESCE((EXTRACT(EPOCH FROM completed_at - called_at) * 1000)::bigint, 0),
		room, completed_at, check_in_time, COALESCE(due_at <= check_in_time, true), urgent FROM tickets
		WHERE queue_id = $1 AND completed_at IS NOT NULL
		ORDER BY completed_at DESC, seq DESC LIMIT $2`
	var lim any
	if limit > 0 {
		lim = limit
	}
	rows, err := t.tx.Query(ctx, query, queueID, lim)
	if err != nil {
		return nil, fmt.Errorf("postgres: finished tickets: %w", translate(ctx, err))
	}
	defer rows.Close()
	var out []queue.Finished
	for rows.Next() {
		var f queue.Finished
		var ms int64
		if err := rows.Scan(&f.Status, &ms, &f.Room, &f.At, &f.CheckIn, &f.WalkIn, &f.Urgent); err != nil {
			return nil, fmt.Errorf("postgres: finished tickets: %w", translate(ctx, err))
		}
		f.Held, f.At, f.CheckIn = time.Duration(ms)*time.Millisecond, f.At.UTC(), f.CheckIn.UTC()
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: finished tickets: %w", translate(ctx, err))
	}
	return out, nil
}

// RecentCheckIns returns the check-in times of up to limit tickets with the phone
// since since, newest first (the tickets_phone_check_in index). It first takes a
// transaction-scoped advisory lock on the phone: check-ins in different queues hold
// different queue locks, and without it two instances could both count below the
// limit and both insert. The lock is its own statement so that the count, under
// read committed, sees what the previous holder committed.
func (t *tx) RecentCheckIns(ctx context.Context, phone string, since time.Time, limit int) ([]time.Time, error) {
	if _, err := t.tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('smartwait-phone:' || $1, 0))`, phone); err != nil {
		return nil, fmt.Errorf("postgres: lock phone: %w", translate(ctx, err))
	}
	const query = `SELECT check_in_time FROM tickets
		WHERE phone = $1 AND check_in_time >= $2 ORDER BY check_in_time DESC LIMIT $3`
	var lim any
	if limit > 0 {
		lim = limit
	}
	rows, err := t.tx.Query(ctx, query, phone, since.UTC(), lim)
	if err != nil {
		return nil, fmt.Errorf("postgres: recent check-ins: %w", translate(ctx, err))
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var at time.Time
		if err := rows.Scan(&at); err != nil {
			return nil, fmt.Errorf("postgres: recent check-ins: %w", translate(ctx, err))
		}
		out = append(out, at.UTC())
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: recent check-ins: %w", translate(ctx, err))
	}
	return out, nil
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"smartwait/internal/queue"
)

// ticketColumns is the column list every ticket query selects, in scanTicket order.
const ticketColumns = `id, queue_id, seq, number, day, name, phone, appointment_time,
	status, room, check_in_time, called_at, completed_at, quoted_wait, ready_at, urgent, due_at, language, arrived_at, delays`

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

func scanTicket(s scanner) (queue.Ticket, error) {
	var t queue.Ticket
	var checkIn int64
	var called, completed, ready, due, arrived sql.NullInt64
	err := s.Scan(&t.ID, &t.QueueID, &t.Seq, &t.Number, &t.Day, &t.Name, &t.Phone, &t.AppointmentTime,
		&t.Status, &t.Room, &checkIn, &called, &completed, &t.QuotedWait, &ready, &t.Urgent, &due, &t.Language, &arrived, &t.Delays)
	if err != nil {
		return queue.Ticket{}, err
	}
	t.CheckInTime = time.UnixMilli(checkIn).UTC()
	t.CalledAt, t.CompletedAt, t.ReadyAt, t.DueAt, t.ArrivedAt = fromMS(called), fromMS(completed), fromMS(ready), fromMS(due), fromMS(arrived)
	return t, nil
}

// queryTickets runs a query selecting ticketColumns and collects the rows.
func (t *tx) queryTickets(ctx context.Context, what string, s *stmt, args ...any) ([]queue.Ticket, error) {
	rows, err := t.stmt(ctx, s).QueryContext(t.run(ctx), args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", what, translate(err))
	}
	defer rows.Close()
	var out []queue.Ticket
	for rows.Next() {
		tk, err := scanTicket(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: %s: %w", what, translate(err))
		}
		out = append(out, tk)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", what, translate(err))
	}
	return out, nil
}

// freeSeq is the key a ticket of queue ?2 that wants key ?3 gets: ?3 itself
// when no ticket of the queue (any status) has it, else one more than the end
// of the run of taken keys that starts at ?3. Both lookups are probes of the
// UNIQUE (queue_id, seq) index, covering: one when the key is free, as it
// nearly always is (keys are due times in microseconds), one per ticket of the
// run otherwise. The caller holds the write lock, so no other writer can take
// the key before the statement that uses it.
const freeSeq = `CASE
	WHEN NOT EXISTS (SELECT 1 FROM tickets WHERE queue_id = ?2 AND seq = ?3) THEN ?3
	ELSE (SELECT a.seq + 1 FROM tickets a WHERE a.queue_id = ?2 AND a.seq >= ?3
		AND NOT EXISTS (SELECT 1 FROM tickets b WHERE b.queue_id = ?2 AND b.seq = a.seq + 1)
		ORDER BY a.seq LIMIT 1)
	END`

// freeSeqFor is freeSeq for ticket ?1, whose own row counts as free: it is the
// one moving (MoveTicket). Checking the id costs a table read per probe that
// finds a key, which InsertTicket, the hot path, does without.
const freeSeqFor = `CASE
	WHEN NOT EXISTS (SELECT 1 FROM tickets WHERE queue_id = ?2 AND seq = ?3 AND id <> ?1) THEN ?3
	ELSE (SELECT a.seq + 1 FROM tickets a WHERE a.queue_id = ?2 AND a.seq >= ?3 AND a.id <> ?1
		AND NOT EXISTS (SELECT 1 FROM tickets b WHERE b.queue_id = ?2 AND b.seq = a.seq + 1 AND b.id <> ?1)
		ORDER BY a.seq LIMIT 1)
	END`

var insertTicket = prepared(`INSERT INTO tickets (id, queue_id, seq, number, day, name, phone,
		appointment_time, status, room, check_in_time, called_at, completed_at, quoted_wait, ready_at, urgent, due_at, language)
	VALUES (?1, ?2, ` + freeSeq + `, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
	RETURNING seq`)

// InsertTicket stores a new ticket at the key it wants (tk.Seq) or the next free
// one above (freeSeq), and sets tk.Seq to the key stored. The partial unique
// index tickets_active_phone rejects a second active ticket for a non-empty
// phone (queue.ErrDuplicate).
func (t *tx) InsertTicket(ctx context.Context, tk *queue.Ticket) error {
	err := t.stmt(ctx, insertTicket).QueryRowContext(t.run(ctx),
		tk.ID, tk.QueueID, tk.Seq, tk.Number, tk.Day, tk.Name, tk.Phone, tk.AppointmentTime,
		tk.Status, tk.Room, tk.CheckInTime.UnixMilli(), ms(tk.CalledAt), ms(tk.CompletedAt),
		tk.QuotedWait, ms(tk.ReadyAt), tk.Urgent, ms(tk.DueAt), tk.Language,
	).Scan(&tk.Seq)
	if err != nil {
		return fmt.Errorf("sqlite: insert ticket: %w", translate(err))
	}
	return nil
}

var updateTicket = prepared(`UPDATE tickets SET status = ?, room = ?, called_at = ?, completed_at = ?, ready_at = ?,
	quoted_wait = ?, arrived_at = ? WHERE id = ?`)

// UpdateTicket stores the mutable fields of tk.
func (t *tx) UpdateTicket(ctx context.Context, tk queue.Ticket) error {
	res, err := t.stmt(ctx, updateTicket).ExecContext(t.run(ctx), tk.Status, tk.Room, ms(tk.CalledAt), ms(tk.CompletedAt), ms(tk.ReadyAt), tk.QuotedWait, ms(tk.ArrivedAt), tk.ID)
	if err != nil {
		return fmt.Errorf("sqlite: update ticket: %w", translate(err))
	}
	return mustAffect(res, "update ticket", queue.ErrNotFound)
}

var moveTicket = prepared(`UPDATE tickets SET queue_id = ?2, seq = ` + freeSeqFor + `,
		urgent = ?4, due_at = ?5, status = ?6, room = ?7, called_at = ?8, completed_at = ?9, ready_at = ?10,
		quoted_wait = ?11, delays = ?12
	WHERE id = ?1
	RETURNING seq`)

// MoveTicket stores tk's place (QueueID, Seq as InsertTicket picks it but with
// its own current key counting as free, Urgent, DueAt) and its mutable fields,
// and sets tk.Seq to the key stored. The waiting-count triggers move a waiting
// ticket's counts to its new blocks (migration 00005).
func (t *tx) MoveTicket(ctx context.Context, tk *queue.Ticket) error {
	err := t.stmt(ctx, moveTicket).QueryRowContext(t.run(ctx),
		tk.ID, tk.QueueID, tk.Seq, tk.Urgent, ms(tk.DueAt),
		tk.Status, tk.Room, ms(tk.CalledAt), ms(tk.CompletedAt), ms(tk.ReadyAt), tk.QuotedWait, tk.Delays,
	).Scan(&tk.Seq)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlite: move ticket: %w", queue.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("sqlite: move ticket: %w", translate(err))
	}
	return nil
}

var selectTicket = prepared(`SELECT ` + ticketColumns + ` FROM tickets WHERE id = ?`)

// Ticket returns the ticket with the given id, or an error wrapping
// queue.ErrNotFound.
func (t *tx) Ticket(ctx context.Context, id string) (queue.Ticket, error) {
	tk, err := scanTicket(t.stmt(ctx, selectTicket).QueryRowContext(t.run(ctx), id))
	if errors.Is(err, sql.ErrNoRows) {
		return queue.Ticket{}, fmt.Errorf("sqlite: ticket: %w", queue.ErrNotFound)
	}
	if err != nil {
		return queue.Ticket{}, fmt.Errorf("sqlite: ticket: %w", translate(err))
	}
	return tk, nil
}

// activeColumns are ticketColumns without queue_id and status, which
// ActiveTickets knows from its arguments: two fewer strings allocated per row.
const activeColumns = `id, seq, number, day, name, phone, appointment_time,
	room, check_in_time, called_at, completed_at, quoted_wait, ready_at, urgent, due_at, language, arrived_at, delays`

// The called and the waiting tickets are read by two queries rather than one
// ordered by status: the waiting ones, nearly all of a long queue, then come
// straight off the tickets_queue_status_seq index in seq order, with no sort of
// every active row (which a single ORDER BY status <> 'called', … needed).
var (
	activeCalled = prepared(`SELECT ` + activeColumns + ` FROM tickets
	WHERE queue_id = ? AND status = 'called' ORDER BY called_at, seq`)
	activeWaiting = prepared(`SELECT ` + activeColumns + ` FROM tickets
	WHERE queue_id = ? AND status = 'waiting' ORDER BY seq`)
)

// ActiveTickets returns the called tickets by CalledAt then Seq, then the waiting
// ones by Seq. It sizes the result from CountActive (the waiting_coarse sums), so
// a queue of thousands is collected without growing and copying the slice.
func (t *tx) ActiveTickets(ctx context.Context, queueID string) ([]queue.Ticket, error) {
	waiting, called, err := t.CountActive(ctx, queueID)
	if err != nil {
		return nil, err
	}
	out := make([]queue.Ticket, 0, waiting+called)
	if out, err = t.appendActive(ctx, out, activeCalled, queueID, queue.StatusCalled); err != nil {
		return nil, err
	}
	return t.appendActive(ctx, out, activeWaiting, queueID, queue.StatusWaiting)
}

// appendActive appends the rows of s, which selects activeColumns of the queue's
// tickets in the given status, to out.
func (t *tx) appendActive(ctx context.Context, out []queue.Ticket, s *stmt, queueID string, status queue.Status) ([]queue.Ticket, error) {
	rows, err := t.stmt(ctx, s).QueryContext(t.run(ctx), queueID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: active tickets: %w", translate(err))
	}
	defer rows.Close()
	var checkIn int64
	var called, completed, ready, due, arrived sql.NullInt64
	for rows.Next() {
		tk := queue.Ticket{QueueID: queueID, Status: status}
		if err := rows.Scan(&tk.ID, &tk.Seq, &tk.Number, &tk.Day, &tk.Name, &tk.Phone, &tk.AppointmentTime,
			&tk.Room, &checkIn, &called, &completed, &tk.QuotedWait, &ready, &tk.Urgent, &due, &tk.Language, &arrived, &tk.Delays); err != nil {
			return nil, fmt.Errorf("sqlite: active tickets: %w", translate(err))
		}
		tk.CheckInTime = time.UnixMilli(checkIn).UTC()
		tk.CalledAt, tk.CompletedAt, tk.ReadyAt, tk.DueAt, tk.ArrivedAt = fromMS(called), fromMS(completed), fromMS(ready), fromMS(due), fromMS(arrived)
		out = append(out, tk)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: active tickets: %w", translate(err))
	}
	return out, nil
}

var waitingTickets = prepared(`SELECT ` + ticketColumns + ` FROM tickets
	WHERE queue_id = ? AND status = 'waiting' ORDER BY seq LIMIT ?`)

// WaitingTickets returns up to limit waiting tickets in Seq order (limit <= 0: all).
func (t *tx) WaitingTickets(ctx context.Context, queueID string, limit int) ([]queue.Ticket, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	return t.queryTickets(ctx, "waiting tickets", waitingTickets, queueID, limit)
}

// waitingShift and coarseShift give the two levels of blocks of seqs whose
// waiting tickets waiting_buckets and waiting_coarse count: the bucket of seq
// is seq >> waitingShift (2^18 keys, 262 ms of due times), its coarse block seq
// >> coarseShift (2^27 keys, 512 buckets, 134 s). Migration 00005, whose
// triggers repeat them, says why two.
const (
	waitingShift = 18
	coarseShift  = 27
)

var countWaitingBefore = prepared(`SELECT
		(SELECT COALESCE(SUM(n), 0) FROM waiting_coarse WHERE queue_id = ?1 AND bucket < ?2),
		(SELECT COALESCE(SUM(n), 0) FROM waiting_buckets WHERE queue_id = ?1 AND bucket >= ?3 AND bucket < ?4),
		(SELECT COUNT(*) FROM tickets WHERE queue_id = ?1 AND status = 'waiting' AND seq >= ?5 AND seq < ?6)`)

// CountWaitingBefore counts the queue's waiting tickets with Seq < seq: the
// coarse blocks wholly before seq, then the buckets wholly before it inside its
// coarse block (at most 512 rows), then an index range count inside its bucket
// — a few hundred rows at most whether keys are dense or sparse, not
// O(waiting). The shifts are floors, as in the triggers, for negative seqs too.
func (t *tx) CountWaitingBefore(ctx context.Context, queueID string, seq int64) (int, error) {
	coarse, bucket := seq>>coarseShift, seq>>waitingShift
	var blocks, buckets, inBucket int
	err := t.stmt(ctx, countWaitingBefore).QueryRowContext(t.run(ctx), queueID,
		coarse, coarse<<(coarseShift-waitingShift), bucket, bucket<<waitingShift, seq,
	).Scan(&blocks, &buckets, &inBucket)
	if err != nil {
		return 0, fmt.Errorf("sqlite: count waiting: %w", translate(err))
	}
	return blocks + buckets + inBucket, nil
}

var countActive = prepared(`SELECT
		(SELECT COALESCE(SUM(n), 0) FROM waiting_coarse WHERE queue_id = ?1),
		(SELECT COUNT(*) FROM tickets WHERE queue_id = ?1 AND status = 'called')`)

// CountActive counts the queue's waiting tickets (from waiting_coarse) and called
// tickets (few: an index range).
func (t *tx) CountActive(ctx context.Context, queueID string) (waiting, called int, err error) {
	if err := t.stmt(ctx, countActive).QueryRowContext(t.run(ctx), queueID).Scan(&waiting, &called); err != nil {
		return 0, 0, fmt.Errorf("sqlite: count active: %w", translate(err))
	}
	return waiting, called, nil
}

var ticketsSince = prepared(`SELECT ` + ticketColumns + ` FROM tickets
	WHERE queue_id = ? AND check_in_time >= ? ORDER BY seq`)

// TicketsSince returns the queue's tickets that checked in at or after since, in
// Seq order.
func (t *tx) TicketsSince(ctx context.Context, queueID string, since time.Time) ([]queue.Ticket, error) {
	return t.queryTickets(ctx, "tickets since", ticketsSince, queueID, since.UnixMilli())
}

// status = 'completed' is written as a literal so the partial index applies.
var recentFinished = prepared(`SELECT status, COALESCE(completed_at - called_at, 0), room, completed_at, check_in_time,
	COALESCE(due_at <= check_in_time, 1), urgent FROM tickets
	WHERE queue_id = ? AND completed_at IS NOT NULL
	ORDER BY completed_at DESC, seq DESC LIMIT ?`)

// RecentFinished returns how up to limit most recently finished tickets of the
// queue finished (queue.Finished), newest first (limit <= 0: all).
func (t *tx) RecentFinished(ctx context.Context, queueID string, limit int) ([]queue.Finished, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := t.stmt(ctx, recentFinished).QueryContext(t.run(ctx), queueID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: finished tickets: %w", translate(err))
	}
	defer rows.Close()
	var out []queue.Finished
	for rows.Next() {
		var f queue.Finished
		var ms, at, checkIn int64
		if err := rows.Scan(&f.Status, &ms, &f.Room, &at, &checkIn, &f.WalkIn, &f.Urgent); err != nil {
			return nil, fmt.Errorf("sqlite: finished tickets: %w", translate(err))
		}
		f.Held, f.At, f.CheckIn = time.Duration(ms)*time.Millisecond, time.UnixMilli(at).UTC(), time.UnixMilli(checkIn).UTC()
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: finished tickets: %w", translate(err))
	}
	return out, nil
}

var recentCheckIns = prepared(`SELECT check_in_time FROM tickets
	WHERE phone = ? AND check_in_time >= ? ORDER BY check_in_time DESC LIMIT ?`)

// RecentCheckIns returns the check-in times of up to limit tickets with the phone
// since since, newest first (the tickets_phone_check_in index). Update transactions
// begin IMMEDIATE, so SQLite already runs them one at a time: no lock to take.
func (t *tx) RecentCheckIns(ctx context.Context, phone string, since time.Time, limit int) ([]time.Time, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := t.stmt(ctx, recentCheckIns).QueryContext(t.run(ctx), phone, since.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: recent check-ins: %w", translate(err))
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var at int64
		if err := rows.Scan(&at); err != nil {
			return nil, fmt.Errorf("sqlite: recent check-ins: %w", translate(err))
		}
		out = append(out, time.UnixMilli(at).UTC())
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: recent check-ins: %w", translate(err))
	}
	return out, nil
}

package queue

import (
	"context"
	"sync"
	"time"
)

// basis is what the estimates of a queue rest on at one version: the learned fit,
// when each called ticket was called, and how many tickets wait — and the active
// tickets themselves, which call-next, complete, no-show and cancel lay out.
type basis struct {
	version  int64
	fit      Fit
	calledAt []time.Time
	waiting  int
	// active is the queue's active tickets at version, in ActiveTickets order and
	// as the store holds them (see stored): exactly what Tx.ActiveTickets would
	// return. It is shared between bases and never modified in place; an
	// arrival at the end (arrive: a check-in or a transfer) appends to it,
	// which writes only past the end of every slice already shared.
	active []Ticket
	// walkIns is the highest key among active's walk-ins (walkInKey): a new
	// walk-in's key goes above it, so that walk-ins are ordered as their
	// check-ins committed even when another instance's clock (or its wait
	// for the line's lock) put a later commit at an earlier time.
	walkIns int64
}

// basisOf is the basis of a queue whose active tickets are active.
func basisOf(active []Ticket, f Fit, version int64) basis {
	b := basis{version: version, fit: f, active: active}
	for i := range active {
		if k, ok := walkInKey(active[i]); ok && k > b.walkIns {
			b.walkIns = k
		}
		if active[i].Status == StatusCalled {
			b.calledAt = append(b.calledAt, active[i].CalledAt)
		} else {
			b.waiting++
		}
	}
	return b
}

// walkInKey is t's key when t arrived as a walk-in: not urgent, and due when
// it checked in (as stored, both to storePrecision).
func walkInKey(t Ticket) (int64, bool) {
	return t.Seq, !t.Urgent && t.DueAt.Truncate(storePrecision).Equal(t.CheckInTime.Truncate(storePrecision))
}

// storePrecision is how finely both stores keep a ticket's times.
const storePrecision = time.Millisecond

// stored is t as the store gives it back: its times to storePrecision.
func stored(t Ticket) Ticket {
	t.CheckInTime = storedTime(t.CheckInTime)
	t.CalledAt = storedTime(t.CalledAt)
	t.CompletedAt = storedTime(t.CompletedAt)
	t.ReadyAt = storedTime(t.ReadyAt)
	t.DueAt = storedTime(t.DueAt)
	return t
}

// storedTime is t to storePrecision. Most times a layout stores again are
// stored already, or zero: they skip Truncate's division, which made up most
// of a call-next's storedList with thousands waiting. (A second is a whole
// number of milliseconds, so the nanoseconds within it decide; Round(0) drops
// the monotonic reading, as Truncate does.)
func storedTime(t time.Time) time.Time {
	if t.Nanosecond()%int(storePrecision) == 0 {
		return t.Round(0)
	}
	return t.Truncate(storePrecision)
}

// storedList is the active list of a laid-out queue as the store holds it: the
// tickets of entries, in ActiveTickets order by their stored times. It writes
// them over out (len(entries) long, its old tickets no longer needed), which
// saves allocating another copy of the queue.
func storedList(out []Ticket, entries []Entry) []Ticket {
	out = out[:len(entries)]
	called := 0
	for i := range entries {
		out[i] = stored(entries[i].Ticket)
		if out[i].Status == StatusCalled {
			called++
		}
	}
	// Two calls within one millisecond tie on the stored CalledAt, where Seq decides.
	sortActive(out[:called])
	return out
}

// elapsed is how long each called ticket has been in service at now.
func (b basis) elapsed(now time.Time) []time.Duration {
	out := make([]time.Duration, len(b.calledAt))
	for i, at := range b.calledAt {
		out[i] = now.Sub(at)
	}
	return out
}

// bases remembers the latest basis of each queue, so that a check-in into a long
// queue, or a patient's status poll, reads neither every active ticket nor the
// visit history. An entry is valid for its exact queue version only: every
// committed mutation — from this Service or another instance on the same
// database — bumps the version, so a stale entry is never used, only missed.
type bases struct {
	mu sync.Mutex
	m  map[string]basis
}

func (c *bases) get(queueID string, version int64) (basis, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.m[queueID]
	return b, ok && b.version == version
}

// put remembers b unless a newer version is already known.
func (c *bases) put(queueID string, b basis) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]basis{}
	}
	if old, ok := c.m[queueID]; !ok || old.version <= b.version {
		c.m[queueID] = b
	}
}

// loadBasis returns the basis of queue q at its current version, from memory
// when this Service knows it, else from the store (and remembers it: what a
// transaction reads before it writes is the committed state at q.Version). A
// queue operation that committed the version before put its basis, so on one
// instance the active tickets are read once, not in every call-next under the
// write lock.
func (s *Service) loadBasis(ctx context.Context, tx Tx, q Queue) (basis, error) {
	if b, ok := s.cachedBasis(tx, q.ID, q.Version); ok {
		return b, nil
	}
	active, err := tx.ActiveTickets(ctx, q.ID)
	if err != nil {
		return basis{}, err
	}
	f, err := s.fit(ctx, tx, q)
	if err != nil {
		return basis{}, err
	}
	b := basisOf(active, f, q.Version)
	if gt, ok := tx.(*groupTx); ok {
		// Read inside a group commit: it may include the group's uncommitted
		// operations, so it is the group's until the commit.
		gt.bases[q.ID] = b
	} else {
		s.bases.put(q.ID, b)
	}
	return b, nil
}

// cachedBasis returns the remembered basis of the queue at version: the one
// the group commit tx belongs to has changed, else the committed one.
func (s *Service) cachedBasis(tx Tx, queueID string, version int64) (basis, bool) {
	if gt, ok := tx.(*groupTx); ok {
		if b, ok := gt.bases[queueID]; ok && b.version == version {
			return b, true
		}
	}
	return s.bases.get(queueID, version)
}

package queue

import (
	"context"
	"errors"
	"fmt"
	"runtime/trace"
	"slices"
	"sync"
	"time"
)

// Group commit. Every queue operation is one atomic unit — its writes all
// commit or none do — but operations that arrive while a commit is under way
// share the next transaction, each in its own savepoint. The pages a
// check-in touches (the queue row, the index leaves, the outbox) are then
// written to the WAL once per group instead of once per operation: that write
// was a third of a check-in's server CPU. An operation is answered only after
// the commit that holds it, so no caller sees a write that could still be
// lost, and an operation that fails (a duplicate phone, a ticket already
// called) undoes only its own savepoint.
//
// An idle server never waits to form a group: the first operation to find
// the committer idle commits at once, alone, and costs what it did before.
// When the last group held several operations the server is busy, and the
// next leader waits up to Config.CommitGather (500 µs) for as many to queue
// as the last group held — PostgreSQL's commit_delay with commit_siblings,
// adapted: on the 2-core bench machine groups grew from ~2.6 to ~10
// operations at 16 concurrent clients and a check-in's CPU fell by a sixth,
// for half a millisecond more latency under load.

// maxGroup bounds the operations of one transaction, so that one commit's
// latency stays bounded however deep the queue of callers.
const maxGroup = 128

// op is one queue operation waiting for, or in, a group commit.
type op struct {
	ctx     context.Context
	queueID string
	next    *basis
	m       mutation
	multi   bool     // the mutation may change other lines too (otherLine)
	lines   []string // a multi operation's lines, sorted: locked in this order

	ch   Change
	err  error
	done chan struct{} // closed when ch and err are final
	lead chan struct{} // receives once when this op's goroutine must run the next group
}

// committer is the group-commit queue of a Service.
type committer struct {
	mu      sync.Mutex
	waiting []*op
	busy    bool // a goroutine is running a group, or has been told to
	told    *op  // the waiting op told to run the next group
	last    int  // operations in the last group
	// arrived wakes a leader that gathers (gathering) when an operation queues.
	arrived   chan struct{}
	gathering bool
	max       int // operations per group; 0: maxGroup
}

// mutate runs m as one queue operation on the queue: in the next group
// commit, with the queue locked, its version bumped, and the Change published
// after the commit. When m fills in next (a non-zero version), that basis is
// remembered for the operations after it, in the same group or later: without
// it concurrent check-ins would read the whole queue again, O(N) each.
func (s *Service) mutate(ctx context.Context, queueID string, next *basis, m mutation) (Change, error) {
	return s.enqueue(&op{ctx: ctx, queueID: queueID, next: next, m: m})
}

// mutateMulti is mutate for an operation that may change the other lines
// given besides queueID (through otherLine): a transfer.
func (s *Service) mutateMulti(ctx context.Context, queueID string, others []string, next *basis, m mutation) (Change, error) {
	lines := append([]string{queueID}, others...)
	slices.Sort(lines)
	return s.enqueue(&op{ctx: ctx, queueID: queueID, next: next, m: m, multi: true, lines: slices.Compact(lines)})
}

// Lanes. On SQLite every operation goes through one group commit: the
// database has one writer, and one transaction for everything that arrives
// together is the cheapest. With Config.ParallelLines (PostgreSQL, which locks
// a line's row and commits lines in parallel) each line has a group commit of
// its own, and operations on several lines (transfers) one more, which runs
// them one at a time. A lane's group holds, in this process, the line's lock
// from its transaction's start until its Changes are published, and a
// transfer the locks of both its lines, taken in order: so two lines' groups
// never wait for each other, and a line's Changes are published in the order
// they committed.

// multiLane is the lane of operations on several lines.
const multiLane = "\x00multi"

// lanes holds the group commits of a Service and the locks of its lines.
type lanes struct {
	mu    sync.Mutex
	lanes map[string]*committer
	locks map[string]*sync.Mutex
}

// lane returns the group commit o goes through.
func (s *Service) lane(o *op) *committer {
	key := ""
	if s.Config.ParallelLines {
		key = o.queueID
		if o.multi {
			key = multiLane
		}
	}
	l := &s.lanes
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lanes == nil {
		l.lanes = map[string]*committer{}
	}
	c := l.lanes[key]
	if c == nil {
		c = &committer{}
		if key == multiLane {
			c.max = 1
		}
		l.lanes[key] = c
	}
	return c
}

// lockLines takes this process's locks of a group's lines (ParallelLines
// only): the line of a lane's group, or a transfer's lines in order. It
// returns the function that releases them.
func (s *Service) lockLines(group []*op) func() {
	if !s.Config.ParallelLines || len(group) == 0 {
		return func() {}
	}
	lines := group[0].lines
	if !group[0].multi {
		lines = []string{group[0].queueID}
	}
	l := &s.lanes
	var held []*sync.Mutex
	for _, id := range lines {
		l.mu.Lock()
		if l.locks == nil {
			l.locks = map[string]*sync.Mutex{}
		}
		m := l.locks[id]
		if m == nil {
			m = &sync.Mutex{}
			l.locks[id] = m
		}
		l.mu.Unlock()
		m.Lock()
		held = append(held, m)
	}
	return func() {
		for i := len(held) - 1; i >= 0; i-- {
			held[i].Unlock()
		}
	}
}

// enqueue runs o in a group commit and returns its outcome.
func (s *Service) enqueue(o *op) (Change, error) {
	ctx := o.ctx
	o.done, o.lead = make(chan struct{}), make(chan struct{}, 1)
	c := s.lane(o)
	c.mu.Lock()
	c.waiting = append(c.waiting, o)
	if c.gathering {
		select {
		case c.arrived <- struct{}{}:
		default:
		}
	}
	if !c.busy {
		c.busy, c.told = true, o
		o.lead <- struct{}{}
	}
	c.mu.Unlock()
	ctxDone := ctx.Done()
	for {
		select {
		case <-o.done:
			return o.ch, o.err
		case <-o.lead:
			s.runGroup(c)
		case <-ctxDone:
			// Still queued and not told to lead: withdraw. Otherwise the op is
			// in a group (or must run one): wait for its outcome, which the
			// group's own deadline bounds.
			c.mu.Lock()
			if c.told != o && c.remove(o) {
				c.mu.Unlock()
				return Change{}, ctx.Err()
			}
			c.mu.Unlock()
			ctxDone = nil
		}
	}
}

// remove takes o out of the waiting list and reports whether it was there.
func (c *committer) remove(o *op) bool {
	for i, w := range c.waiting {
		if w == o {
			c.waiting = append(c.waiting[:i], c.waiting[i+1:]...)
			return true
		}
	}
	return false
}

// runGroup takes the waiting operations (up to the lane's max, else maxGroup), commits them in one
// transaction, answers each, and hands the committer on: to the first
// operation still waiting, or back to idle.
func (s *Service) runGroup(c *committer) {
	s.gather(c)
	c.mu.Lock()
	limit := maxGroup
	if c.max > 0 {
		limit = c.max
	}
	n := min(len(c.waiting), limit)
	c.last = n
	group := append([]*op(nil), c.waiting[:n]...)
	c.waiting = append(c.waiting[:0], c.waiting[n:]...)
	c.told = nil
	c.mu.Unlock()

	defer func() {
		c.mu.Lock()
		if len(c.waiting) > 0 {
			c.told = c.waiting[0]
			c.told.lead <- struct{}{}
		} else {
			c.busy = false
		}
		c.mu.Unlock()
	}()
	s.commitGroup(group)
}

// gather waits, when the last group held several operations, until as many
// are queued or Config.CommitGather has passed.
func (s *Service) gather(c *committer) {
	c.mu.Lock()
	want, delay := c.last, s.Config.CommitGather
	if delay <= 0 || want < 2 || len(c.waiting) >= want {
		c.mu.Unlock()
		return
	}
	if c.arrived == nil {
		c.arrived = make(chan struct{}, 1)
	}
	c.gathering = true
	c.mu.Unlock()
	timer := time.NewTimer(delay)
	defer func() {
		timer.Stop()
		c.mu.Lock()
		c.gathering = false
		c.mu.Unlock()
	}()
	for {
		select {
		case <-timer.C:
			return
		case <-c.arrived:
		}
		c.mu.Lock()
		n := len(c.waiting)
		c.mu.Unlock()
		if n >= want {
			return
		}
	}
}

// commitGroup runs the operations of group in one Store.Update, each in a
// savepoint (a group of one needs none: the transaction is its savepoint),
// then publishes the Changes of those that succeeded, in commit order.
func (s *Service) commitGroup(group []*op) {
	live := group[:0:0]
	for _, o := range group {
		if err := o.ctx.Err(); err != nil {
			o.err = err
			close(o.done)
			continue
		}
		live = append(live, o)
	}
	if len(live) == 0 {
		return
	}
	ctx, cancel := groupContext(live)
	defer cancel()
	defer s.lockLines(live)()
	now := s.now()
	var gt *groupTx
	var err error
	// The regions show in an execution trace of the running server
	// (docs/benchmarks.md, "Reading a call-next's steps from a trace").
	region := trace.StartRegion(ctx, "queue.transaction")
	for attempt := 1; ; attempt++ {
		err = s.tryGroup(ctx, live, now, &gt)
		// Two lanes' transactions can deadlock on PostgreSQL through the
		// phone locks of their check-ins; the database aborts one, which
		// then runs again, whole.
		if !errors.Is(err, ErrRetry) || attempt == maxAttempts {
			break
		}
		for _, o := range live {
			o.ch, o.err = Change{}, nil
		}
	}
	region.End()
	defer trace.StartRegion(ctx, "queue.settle").End()
	s.settle(live, gt, err)
}

// maxAttempts bounds how often a group aborted by the database (ErrRetry)
// runs again.
const maxAttempts = 3

// tryGroup runs the group's operations in one transaction.
func (s *Service) tryGroup(ctx context.Context, live []*op, now time.Time, gtp **groupTx) error {
	var gt *groupTx
	defer func() { *gtp = gt }()
	return s.Store.Update(ctx, func(tx Tx) error {
		gt = newGroupTx(tx)
		for _, o := range live {
			run := func() error { return s.apply(ctx, gt, o, now) }
			if len(live) == 1 {
				if o.err = run(); o.err != nil {
					return o.err
				}
				break
			}
			saved, wasDirty := gt.queues[o.queueID], gt.dirty[o.queueID]
			var all groupState
			if o.multi {
				all = gt.save()
			}
			o.err = tx.Savepoint(ctx, run)
			if o.err != nil {
				if !opError(o.err) {
					return o.err // the transaction itself is in doubt: give up the group
				}
				if o.multi {
					gt.restore(all)
				} else {
					gt.undo(o.queueID, saved, wasDirty)
				}
			}
		}
		return gt.flush(ctx)
	})
}

// settle answers the operations of a group whose transaction ended with err,
// and publishes what committed.
func (s *Service) settle(live []*op, gt *groupTx, err error) {
	for _, o := range live {
		if err != nil {
			// Nothing committed: the group failed as one. (In a group of one,
			// err is the operation's own error.)
			o.err = err
		}
		if o.err != nil {
			o.ch, o.err = Change{}, storeError(o.err)
		}
	}
	if err == nil {
		for q, b := range gt.bases {
			s.bases.put(q, b)
		}
		for _, o := range live {
			if o.err == nil {
				for _, also := range o.ch.Also {
					s.publish(also)
				}
				o.ch.Also = nil
				s.publish(o.ch)
			}
		}
	}
	for _, o := range live {
		close(o.done)
	}
}

// apply is one operation inside the group's transaction: lock the queue, run
// the mutation, bump the version. A panic in the mutation (a bug) becomes the
// operation's error instead of stranding the group's other callers.
func (s *Service) apply(ctx context.Context, gt *groupTx, o *op, now time.Time) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log().Error("queue operation panicked", "panic", r, "queue", o.queueID)
			err = fmt.Errorf("queue: operation panicked: %v", r)
		}
	}()
	o.ch = Change{QueueID: o.queueID, At: now}
	gt.scope = scopeFrom(o.ctx) // the group's context holds only the first caller's values
	gt.now, gt.texts = now, 0
	q, err := gt.LockQueue(ctx, o.queueID)
	if errors.Is(err, ErrNotFound) {
		return validationError("line", "there is no line %q", o.queueID)
	}
	if err != nil {
		return fmt.Errorf("lock queue: %w", err)
	}
	if err := gt.scope.check(q); err != nil {
		return err
	}
	if err := o.m(ctx, gt, &q, now, &o.ch); err != nil {
		return err
	}
	// The events of the change go to its line's clinic's rooms.
	o.ch.ClinicSlug = q.ClinicSlug()
	o.ch.Texts = gt.texts
	// The webhook outbox row commits with the change, or neither does.
	if o.ch.Webhooks, err = s.addWebhookEvent(ctx, gt, q, o.ch, now); err != nil {
		return err
	}
	q.Version++
	o.ch.Version = q.Version
	o.ch.TypicalWait = s.TypicalWait(q, o.ch.Waiting, o.ch.Called)
	if err := gt.UpdateQueue(ctx, q); err != nil {
		return err
	}
	if o.next != nil && o.next.version != 0 {
		gt.bases[o.ch.QueueID] = *o.next
	}
	return nil
}

// opError reports whether err is an operation's own refusal (a domain error,
// or a ticket that does not exist), which its savepoint undoes cleanly, as
// opposed to a failure of the database that dooms the whole transaction. A
// savepoint that could not be undone (ErrSavepointFault) is such a failure:
// the group is given up, and every caller is answered with the fault and its
// cause (Tx.Savepoint leaves the refused operation's reason out of it).
func opError(err error) bool {
	if errors.Is(err, ErrSavepointFault) {
		return false
	}
	var de *Error
	return errors.As(err, &de) || errors.Is(err, ErrNotFound)
}

// groupContext is the context of a group's transaction: the callers' values
// and their earliest deadline, but no cancellation — one caller hanging up
// must not undo the others' operations (its own is committed all the same,
// as it was when the client hung up after its request was read).
func groupContext(group []*op) (context.Context, context.CancelFunc) {
	ctx := context.WithoutCancel(group[0].ctx)
	var earliest time.Time
	for _, o := range group {
		if d, ok := o.ctx.Deadline(); ok && (earliest.IsZero() || d.Before(earliest)) {
			earliest = d
		}
	}
	if earliest.IsZero() {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, earliest)
}

// groupTx is the transaction as the operations of a group see it. bases holds
// the basis of each queue the group has changed, at its uncommitted version:
// it reaches Service.bases only after the commit, so that no reader — nor a
// later transaction if this one fails — ever takes it for committed state.
//
// queues holds the row of each queue the group has locked, as its operations
// have changed it: the row is read and locked once per group, and written
// once, before the commit (flush), instead of by every operation.
type groupTx struct {
	Tx
	scope  *clinicScope // the clinics the running operation may change (WithClinics)
	now    time.Time    // the running operation's
	texts  int          // texts due at once the running operation wrote (Change.Texts)
	bases  map[string]basis
	queues map[string]*Queue
	dirty  map[string]bool
}

func newGroupTx(tx Tx) *groupTx {
	return &groupTx{Tx: tx, bases: map[string]basis{}, queues: map[string]*Queue{}, dirty: map[string]bool{}}
}

// LockQueue locks the queue's row on the group's first use and returns the
// group's copy after.
func (g *groupTx) LockQueue(ctx context.Context, queueID string) (Queue, error) {
	if q, ok := g.queues[queueID]; ok {
		return *q, nil
	}
	q, err := g.Tx.LockQueue(ctx, queueID)
	if err != nil {
		return Queue{}, err
	}
	g.queues[queueID] = &q
	return q, nil
}

// Queue returns the group's copy of a queue it has locked.
func (g *groupTx) Queue(ctx context.Context, queueID string) (Queue, error) {
	if q, ok := g.queues[queueID]; ok {
		return *q, nil
	}
	return g.Tx.Queue(ctx, queueID)
}

// UpdateQueue changes the group's copy of a locked queue; flush writes it.
func (g *groupTx) UpdateQueue(ctx context.Context, q Queue) error {
	if _, ok := g.queues[q.ID]; !ok {
		return g.Tx.UpdateQueue(ctx, q)
	}
	g.queues[q.ID], g.dirty[q.ID] = &q, true
	return nil
}

// AddMessage writes m and counts it in the running operation's Change.Texts
// when it is due at once (not held, not scheduled, not a duplicate dropped).
func (g *groupTx) AddMessage(ctx context.Context, m *Message) error {
	if err := g.Tx.AddMessage(ctx, m); err != nil {
		return err
	}
	if m.ID != 0 && m.Status == MessagePending && !m.DueAt.After(g.now) {
		g.texts++
	}
	return nil
}

// flush writes the queues the group changed.
func (g *groupTx) flush(ctx context.Context) error {
	for id := range g.dirty {
		if err := g.Tx.UpdateQueue(ctx, *g.queues[id]); err != nil {
			return err
		}
	}
	return nil
}

// undo restores the group's copy of the queue to what it was before an
// operation whose savepoint was rolled back: saved, or unlocked if nil.
func (g *groupTx) undo(queueID string, saved *Queue, wasDirty bool) {
	if saved == nil {
		delete(g.queues, queueID)
	} else {
		g.queues[queueID] = saved
	}
	g.dirty[queueID] = wasDirty
	if !wasDirty {
		delete(g.dirty, queueID)
	}
}

// groupState is a copy of what a group has changed of the lines, taken before an
// operation that may change several, to restore if its savepoint is undone.
type groupState struct {
	queues map[string]*Queue
	dirty  map[string]bool
	bases  map[string]basis
}

func (g *groupTx) save() groupState {
	st := groupState{queues: make(map[string]*Queue, len(g.queues)), dirty: make(map[string]bool, len(g.dirty)), bases: make(map[string]basis, len(g.bases))}
	for k, v := range g.queues {
		c := *v
		st.queues[k] = &c
	}
	for k, v := range g.dirty {
		st.dirty[k] = v
	}
	for k, v := range g.bases {
		st.bases[k] = v
	}
	return st
}

func (g *groupTx) restore(st groupState) { g.queues, g.dirty, g.bases = st.queues, st.dirty, st.bases }

// otherLine runs m on another line than the operation's own, inside the
// operation (which mutateMulti started): it locks the line, hands m the line
// and its basis, then bumps the line's version and remembers the next basis m
// returns, as apply does for the operation's own line. The Change m fills in is
// returned to go into the operation's Change.Also.
func (s *Service) otherLine(ctx context.Context, tx Tx, id string, now time.Time, m func(q *Queue, b basis, ch *Change) (basis, error)) (Change, error) {
	gt, ok := tx.(*groupTx)
	if !ok {
		return Change{}, fmt.Errorf("queue: otherLine outside a group commit")
	}
	q, err := gt.LockQueue(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Change{}, validationError("line", "there is no line %q", id)
	}
	if err != nil {
		return Change{}, fmt.Errorf("lock queue: %w", err)
	}
	if err := gt.scope.check(q); err != nil {
		return Change{}, err
	}
	b, err := s.loadBasis(ctx, gt, q)
	if err != nil {
		return Change{}, err
	}
	ch := Change{QueueID: id, ClinicSlug: q.ClinicSlug(), At: now}
	next, err := m(&q, b, &ch)
	if err != nil {
		return Change{}, err
	}
	q.Version++
	ch.Version = q.Version
	ch.TypicalWait = s.TypicalWait(q, ch.Waiting, ch.Called)
	if err := gt.UpdateQueue(ctx, q); err != nil {
		return Change{}, err
	}
	if next.version != 0 {
		next.version = q.Version
		gt.bases[id] = next
	}
	return ch, nil
}

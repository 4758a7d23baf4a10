package queue_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"smartwait/internal/queue"
)

// preparer is a queue.Preparer that records what it was asked to do.
type preparer struct {
	mu        sync.Mutex
	prepared  []int64 // versions given to Prepare
	published []int64 // versions published, prepared or not, in order
	viaPrep   []bool  // whether each published version went through Prepare
	started   chan int64
}

func (p *preparer) Publish(c queue.Change) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.published = append(p.published, c.Version)
	p.viaPrep = append(p.viaPrep, false)
}

func (p *preparer) Prepare(c queue.Change) func() {
	p.mu.Lock()
	p.prepared = append(p.prepared, c.Version)
	p.mu.Unlock()
	if p.started != nil {
		p.started <- c.Version
	}
	return func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.published = append(p.published, c.Version)
		p.viaPrep = append(p.viaPrep, true)
	}
}

// holdBeforeCommit runs each transaction's operations, then calls before
// (unless the operations failed) and commits only if it returns nil.
type holdBeforeCommit struct {
	queue.Store
	before func() error
}

func (s *holdBeforeCommit) Update(ctx context.Context, fn func(queue.Tx) error) error {
	return s.Store.Update(ctx, func(tx queue.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if s.before == nil {
			return nil
		}
		return s.before()
	})
}

// fillLine checks n patients in, each with a number of their own.
func fillLine(tb testing.TB, h *harness, n int) {
	tb.Helper()
	for i := range n {
		_, err := h.svc.CheckIn(context.Background(), queue.CheckInRequest{
			Name: fmt.Sprintf("Waiting %d", i), Phone: fmt.Sprintf("+1415%07d", 2000000+i), AppointmentTime: "10:00",
		})
		if err != nil {
			tb.Fatalf("check-in %d: %v", i, err)
		}
	}
}

// TestLargeChangeIsPreparedWhileItCommits: a call-next that moves 300
// patients is handed to the Preparer before its transaction commits (the
// store waits for Prepare to start before committing: a service that
// prepared only after the commit would never get there), and published once,
// after the commit. The check-ins before it, which move nobody, are
// published as they were.
func TestLargeChangeIsPreparedWhileItCommits(t *testing.T) {
	h := newHarness(t)
	const n = 300
	fillLine(t, h, n)
	p := &preparer{started: make(chan int64, 1)}
	h.svc.Publisher = p
	store := &holdBeforeCommit{Store: h.db}
	h.svc.Store = store
	var committedBeforePrepare bool
	store.before = func() error {
		select {
		case <-p.started:
		case <-time.After(10 * time.Second):
			committedBeforePrepare = true
		}
		return nil
	}
	if _, err := h.svc.CallNext(context.Background(), "", "1"); err != nil {
		t.Fatal(err)
	}
	if committedBeforePrepare {
		t.Fatal("the call-next's change was not prepared before its commit")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.prepared) != 1 || p.prepared[0] != n+1 {
		t.Errorf("prepared versions %v, want [%d]", p.prepared, n+1)
	}
	if len(p.published) != 1 || p.published[0] != n+1 || !p.viaPrep[0] {
		t.Errorf("published %v (prepared: %v), want version %d once, as prepared", p.published, p.viaPrep, n+1)
	}
	_, version, err := h.svc.Queue(context.Background(), "")
	if err != nil || version != n+1 {
		t.Errorf("queue at version %d (%v), want %d committed", version, err, n+1)
	}
}

// TestSmallChangesArePublishedAfterTheCommit: a change that moves fewer than
// the threshold is not prepared: Publish gets it after the commit.
func TestSmallChangesArePublishedAfterTheCommit(t *testing.T) {
	h := newHarness(t)
	fillLine(t, h, 3)
	p := &preparer{}
	h.svc.Publisher = p
	if _, err := h.svc.CallNext(context.Background(), "", "1"); err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.prepared) != 0 || len(p.published) != 1 || p.viaPrep[0] || p.published[0] != 4 {
		t.Errorf("prepared %v, published %v (prepared: %v); want version 4 published, unprepared", p.prepared, p.published, p.viaPrep)
	}
}

// TestPreparedChangeOfAFailedTransactionIsNeverPublished: when the
// transaction fails after the operation ran (the store refuses to commit),
// what was prepared is dropped, the caller gets the error, and the queue and
// the published events stay as they were. The next call publishes its own
// change, prepared, at the version the failed one would have had.
func TestPreparedChangeOfAFailedTransactionIsNeverPublished(t *testing.T) {
	h := newHarness(t)
	const n = 300
	fillLine(t, h, n)
	p := &preparer{started: make(chan int64, 2)}
	h.svc.Publisher = p
	store := &holdBeforeCommit{Store: h.db}
	h.svc.Store = store
	refused := errors.New("disk gone")
	store.before = func() error {
		select { // prepared, then refused
		case <-p.started:
		case <-time.After(10 * time.Second):
		}
		return refused
	}
	if _, err := h.svc.CallNext(context.Background(), "", "1"); !errors.Is(err, refused) {
		t.Fatalf("call-next error = %v, want the store's", err)
	}
	p.mu.Lock()
	if len(p.prepared) != 1 || len(p.published) != 0 {
		t.Errorf("prepared %v, published %v; want one prepared and nothing published", p.prepared, p.published)
	}
	p.mu.Unlock()
	entries, version, err := h.svc.Queue(context.Background(), "")
	if err != nil || version != n || len(entries) != n || entries[0].Status != queue.StatusWaiting {
		t.Fatalf("queue at version %d with %d entries (%v), want %d waiting untouched", version, len(entries), err, n)
	}

	store.before = nil
	if _, err := h.svc.CallNext(context.Background(), "", "1"); err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.published) != 1 || p.published[0] != n+1 || !p.viaPrep[0] {
		t.Errorf("published %v (prepared: %v), want version %d once, as prepared", p.published, p.viaPrep, n+1)
	}
}

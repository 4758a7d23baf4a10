// Package brokertest is the conformance suite every realtime.Broker passes: the
// in-memory broker in internal/realtime, the Redis broker in
// internal/realtime/redisbroker.
package brokertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"smartwait/internal/realtime"
)

// NewCluster makes a fresh, isolated set of connected instances for one test: each
// call of the returned function makes one more Broker on the same bus (for Redis:
// the same channel), and nothing published by another test reaches them. The
// suite starts and closes every broker it makes.
type NewCluster func(tb testing.TB) (newInstance func() realtime.Broker)

// wait is how long the suite waits for an asynchronous delivery before failing.
// It is a failure deadline, not a timing assertion.
const wait = 10 * time.Second

// RunBrokerTests runs the conformance suite against the brokers newCluster makes.
func RunBrokerTests(t *testing.T, newCluster NewCluster) {
	t.Run("DeliversOwnBatchIntact", func(t *testing.T) { testOwnBatch(t, newCluster) })
	t.Run("DeliversToEveryInstance", func(t *testing.T) { testEveryInstance(t, newCluster) })
	t.Run("KeepsPublishOrder", func(t *testing.T) { testOrder(t, newCluster) })
	t.Run("ConcurrentPublishers", func(t *testing.T) { testConcurrent(t, newCluster) })
	t.Run("LargeBatch", func(t *testing.T) { testLargeBatch(t, newCluster) })
	t.Run("CloseFlushes", func(t *testing.T) { testCloseFlushes(t, newCluster) })
	t.Run("PublishAfterClose", func(t *testing.T) { testPublishAfterClose(t, newCluster) })
	t.Run("Status", func(t *testing.T) { testStatus(t, newCluster) })
}

// Recorder is a realtime.Handler that records what it receives, for tests.
type Recorder struct {
	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every delivery
	batches []realtime.Batch
	resyncs []string
	active  int // Deliver calls in progress, to catch concurrent delivery
	overlap bool
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder { return &Recorder{changed: make(chan struct{})} }

// Deliver implements realtime.Handler.
func (r *Recorder) Deliver(b realtime.Batch) {
	r.mu.Lock()
	r.active++
	if r.active > 1 {
		r.overlap = true
	}
	r.batches = append(r.batches, b)
	r.active--
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
}

// Resync implements realtime.Handler.
func (r *Recorder) Resync(reason string) {
	r.mu.Lock()
	r.resyncs = append(r.resyncs, reason)
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
}

// Batches returns a copy of what was delivered so far.
func (r *Recorder) Batches() []realtime.Batch {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]realtime.Batch(nil), r.batches...)
}

// Resyncs returns the reasons of the Resync calls so far.
func (r *Recorder) Resyncs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.resyncs...)
}

// WaitFor waits until cond holds for the recorder's batches, failing the test if
// it does not hold within a generous deadline.
func (r *Recorder) WaitFor(tb testing.TB, what string, cond func(batches []realtime.Batch, resyncs []string) bool) {
	tb.Helper()
	deadline := time.After(wait)
	for {
		r.mu.Lock()
		ok := cond(r.batches, r.resyncs)
		ch := r.changed
		n := len(r.batches)
		r.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			tb.Fatalf("timed out waiting for %s (have %d batches)", what, n)
		}
	}
}

// WaitCount waits until the recorder holds at least n batches.
func (r *Recorder) WaitCount(tb testing.TB, n int) []realtime.Batch {
	tb.Helper()
	r.WaitFor(tb, fmt.Sprintf("%d batches", n), func(b []realtime.Batch, _ []string) bool { return len(b) >= n })
	return r.Batches()
}

func start(tb testing.TB, newInstance func() realtime.Broker) (realtime.Broker, *Recorder) {
	tb.Helper()
	b := newInstance()
	rec := NewRecorder()
	if err := b.Start(context.Background(), rec); err != nil {
		tb.Fatalf("Start: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := b.Close(ctx); err != nil {
			tb.Errorf("Close: %v", err)
		}
		rec.mu.Lock()
		defer rec.mu.Unlock()
		if rec.overlap {
			tb.Errorf("Deliver was called concurrently")
		}
	})
	return b, rec
}

func batch(stream string, version int64, events ...string) realtime.Batch {
	b := realtime.Batch{Stream: stream, Version: version}
	for i, ev := range events {
		b.Add(fmt.Sprintf("room_%d", i), ev, map[string]any{"type": ev, "version": version, "n": i})
	}
	return b
}

// Equal reports whether two batches carry the same stream, version and messages
// (payloads compared as bytes after compaction).
func Equal(a, b realtime.Batch) bool {
	if a.Stream != b.Stream || a.Version != b.Version || len(a.Messages) != len(b.Messages) {
		return false
	}
	for i := range a.Messages {
		x, y := a.Messages[i], b.Messages[i]
		if x.Room != y.Room || x.Event != y.Event || x.ID != y.ID || !jsonEqual(x.Data, y.Data) {
			return false
		}
	}
	return true
}

func jsonEqual(a, b []byte) bool {
	var x, y bytes.Buffer
	if err := json.Compact(&x, a); err != nil {
		return false
	}
	if err := json.Compact(&y, b); err != nil {
		return false
	}
	return bytes.Equal(x.Bytes(), y.Bytes())
}

func mustPublish(tb testing.TB, b realtime.Broker, batch realtime.Batch) {
	tb.Helper()
	if err := b.Publish(batch); err != nil {
		tb.Fatalf("Publish(version %d): %v", batch.Version, err)
	}
}

func testOwnBatch(t *testing.T, newCluster NewCluster) {
	b, rec := start(t, newCluster(t))
	want := batch("default", 7, "queue_update", "position_update", "new_patient")
	want.Messages[1].Data = []byte(`{"type":"position_update","name":"José García 李小明","quote":"\"<&>\""}`)
	mustPublish(t, b, want)
	got := rec.WaitCount(t, 1)
	if len(got) != 1 || !Equal(got[0], want) {
		t.Fatalf("delivered %+v, want %+v", got, want)
	}
}

func testEveryInstance(t *testing.T, newCluster NewCluster) {
	newInstance := newCluster(t)
	a, recA := start(t, newInstance)
	b, recB := start(t, newInstance)
	fromA, fromB := batch("default", 1, "a"), batch("default", 2, "b")
	mustPublish(t, a, fromA)
	recB.WaitCount(t, 1)
	mustPublish(t, b, fromB)
	for name, rec := range map[string]*Recorder{"A": recA, "B": recB} {
		got := rec.WaitCount(t, 2)
		if len(got) != 2 || !Equal(got[0], fromA) || !Equal(got[1], fromB) {
			t.Errorf("instance %s got %d batches %+v, want A's then B's", name, len(got), got)
		}
	}
}

func testOrder(t *testing.T, newCluster NewCluster) {
	newInstance := newCluster(t)
	a, recA := start(t, newInstance)
	_, recB := start(t, newInstance)
	const n = 300
	for v := int64(1); v <= n; v++ {
		mustPublish(t, a, batch("default", v, "e1", "e2"))
	}
	for name, rec := range map[string]*Recorder{"publisher": recA, "other": recB} {
		got := rec.WaitCount(t, n)
		if len(got) != n {
			t.Fatalf("%s: got %d batches, want %d", name, len(got), n)
		}
		for i, b := range got {
			if b.Version != int64(i+1) {
				t.Fatalf("%s: batch %d has version %d, want %d (out of order or duplicated)", name, i, b.Version, i+1)
			}
		}
	}
}

func testConcurrent(t *testing.T, newCluster NewCluster) {
	newInstance := newCluster(t)
	const publishers, each = 4, 50
	brokers := make([]realtime.Broker, publishers)
	recs := make([]*Recorder, publishers)
	for i := range brokers {
		brokers[i], recs[i] = start(t, newInstance)
	}
	var wg sync.WaitGroup
	for p := range publishers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := int64(1); v <= each; v++ {
				if err := brokers[p].Publish(batch(fmt.Sprintf("s%d", p), v, "x")); err != nil {
					t.Errorf("publisher %d: %v", p, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for i, rec := range recs {
		got := rec.WaitCount(t, publishers*each)
		if len(got) != publishers*each {
			t.Fatalf("instance %d: got %d batches, want %d (duplicates?)", i, len(got), publishers*each)
		}
		next := map[string]int64{}
		for _, b := range got {
			if b.Version != next[b.Stream]+1 {
				t.Fatalf("instance %d: stream %s version %d after %d", i, b.Stream, b.Version, next[b.Stream])
			}
			next[b.Stream] = b.Version
		}
	}
}

func testLargeBatch(t *testing.T, newCluster NewCluster) {
	b, rec := start(t, newCluster(t))
	big := realtime.Batch{Stream: "default", Version: 1}
	for i := range 2000 {
		big.Add("patient_"+fmt.Sprintf("%08d-0000-4000-8000-000000000000", i), "position_update",
			map[string]any{"type": "position_update", "position": i + 1, "pad": strings.Repeat("x", 100)})
	}
	mustPublish(t, b, big)
	got := rec.WaitCount(t, 1)
	if !Equal(got[0], big) {
		t.Fatalf("large batch arrived altered (%d messages, want %d)", len(got[0].Messages), len(big.Messages))
	}
}

func testCloseFlushes(t *testing.T, newCluster NewCluster) {
	newInstance := newCluster(t)
	a := newInstance()
	if err := a.Start(context.Background(), NewRecorder()); err != nil {
		t.Fatal(err)
	}
	_, recB := start(t, newInstance)
	const n = 100
	for v := int64(1); v <= n; v++ {
		mustPublish(t, a, batch("default", v, "e"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := a.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if got := recB.WaitCount(t, n); len(got) != n || got[n-1].Version != n {
		t.Fatalf("after Close the other instance got %d batches, want all %d", len(got), n)
	}
}

func testPublishAfterClose(t *testing.T, newCluster NewCluster) {
	b := newCluster(t)()
	if err := b.Start(context.Background(), NewRecorder()); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := b.Close(context.Background()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := b.Publish(batch("default", 1, "e")); err == nil {
		t.Fatal("Publish after Close succeeded, want an error")
	}
	if st := b.Status(); st.Status == realtime.StatusOK {
		t.Errorf("Status after Close = %+v, want not ok", st)
	}
}

func testStatus(t *testing.T, newCluster NewCluster) {
	b, _ := start(t, newCluster(t))
	st := b.Status()
	if st.Kind == "" || st.Status != realtime.StatusOK {
		t.Fatalf("Status after Start = %+v, want a kind and %q", st, realtime.StatusOK)
	}
}

package main

import (
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// tracker collects position_update arrival times by queue version.
type tracker struct {
	mu          sync.Mutex
	want        map[int64]int
	got         map[int64][]time.Time
	done        map[int64]chan struct{}
	disconnects atomic.Int64
}

func newTracker() *tracker {
	return &tracker{want: map[int64]int{}, got: map[int64][]time.Time{}, done: map[int64]chan struct{}{}}
}

func (t *tracker) disconnected(err error) {
	if t.disconnects.Add(1) <= 3 {
		fmt.Fprintf(os.Stderr, "client disconnected: %v\n", err)
	}
}

func (t *tracker) expect(version int64, n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.want[version] = n
	t.done[version] = make(chan struct{})
}

func (t *tracker) arrived(version int64, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.got[version] = append(t.got[version], at)
	if ch, ok := t.done[version]; ok && len(t.got[version]) == t.want[version] {
		close(ch)
	}
}

func (t *tracker) wait(version int64, timeout time.Duration) ([]time.Time, error) {
	t.mu.Lock()
	ch := t.done[version]
	t.mu.Unlock()
	select {
	case <-ch:
	case <-time.After(timeout):
		t.mu.Lock()
		defer t.mu.Unlock()
		return nil, fmt.Errorf("version %d: %d of %d position_updates arrived", version, len(t.got[version]), t.want[version])
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.got[version]), nil
}

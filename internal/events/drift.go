package events

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"time"

	"smartwait/internal/queue"
	"smartwait/internal/realtime"
)

// DriftPeriod is how often Drift compares the quoted estimates with the ones
// pushed. It is both bounds of issue 11 at once: a patient gets at most one
// drift push a minute, and REST and events never disagree for longer than a
// minute — so it is a constant, not a setting.
const DriftPeriod = time.Minute

// QueueReader reads a queue's active entries with their estimates at the
// current time; queue.Service implements it (Queue).
type QueueReader interface {
	Queue(ctx context.Context, queueID string) ([]queue.Entry, int64, error)
}

// Drift pushes the estimates that move with time alone. GET /api/position
// quotes a waiting patient's estimate at the moment of the request, so between
// two queue changes it drifts from the position_update last pushed. Once a
// period Tick reads every queue at the current time and sends a
// position_update (the same payload as a change's) to each waiting patient
// whose quoted position, estimate or range differs from the last
// position_update this instance delivered to that patient's room.
//
// Several instances: Drift is the realtime.Handler the broker delivers to (it
// passes every batch on to Next, the hub) and learns "last pushed" from what
// it passes on. Its own pushes go only to Next — never through the broker —
// with no stream and no id, so they are neither replayed nor resumed from. So
// every instance corrects its own subscribers from the same database, and no
// instance needs to know the others (docs/decisions.md).
//
// A Drift is safe for concurrent use. Start runs Tick every Period until Stop.
type Drift struct {
	Queues   QueueReader
	Next     realtime.Handler // the hub
	QueueIDs []string         // the queues to watch; nil: every line (Queues.LineIDs), else the default
	Period   time.Duration    // 0: DriftPeriod
	Now      func() time.Time // the payloads' timestamp; nil: time.Now
	Log      *slog.Logger     // nil: slog.Default()

	// mu orders the pushes with the broker's batches: a push read at version
	// v is dropped if a later batch of its queue was already passed on, so a
	// patient never gets an older estimate after a newer one.
	mu      sync.Mutex
	last    map[string]pushed // patient room → the last position_update passed on
	version map[string]int64  // stream → the newest version passed on

	cancel context.CancelFunc
	done   chan struct{}
}

// pushed is the last position_update a patient's room got, kept as the shared
// payload (decoded only when a tick compares it) and the queue it belongs to
// (to forget it once the patient no longer waits).
type pushed struct {
	queue string
	data  json.RawMessage
}

var _ realtime.Handler = (*Drift)(nil)

// Deliver implements realtime.Handler: it hands b to Next and notes the
// position_updates of b. It does not block (Next.Deliver does not). Next
// goes first: the hub's dispatcher starts routing a call-next's 2,000
// messages while this goroutine notes them (a map write each), and a tick,
// which takes mu too, still sees every delivered batch noted.
func (d *Drift) Deliver(b realtime.Batch) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.Next.Deliver(b)
	d.note(b.Stream, b)
}

// Resync implements realtime.Handler: batches may have been lost, so what was
// pushed is unknown; the next tick pushes to every waiting patient.
func (d *Drift) Resync(reason string) {
	d.mu.Lock()
	clear(d.last)
	d.mu.Unlock()
	d.Next.Resync(reason)
}

// note records the position_updates of b, a batch of queue q. Called with mu held.
func (d *Drift) note(q string, b realtime.Batch) {
	if d.last == nil {
		d.last, d.version = map[string]pushed{}, map[string]int64{}
	}
	if b.Stream != "" && b.Version > d.version[b.Stream] {
		d.version[b.Stream] = b.Version
	}
	for _, m := range b.Messages {
		if m.Event == PositionUpdate && strings.HasPrefix(m.Room, patientRoomPrefix) {
			d.last[m.Room] = pushed{queue: q, data: m.Data}
		}
	}
}

// quoted is what a drift push compares: the figures a patient reads.
type quoted struct {
	Position          int    `json:"position"`
	EstimatedWait     int    `json:"estimatedWait"`
	EstimatedWaitLow  int    `json:"estimatedWaitLow"`
	EstimatedWaitHigh int    `json:"estimatedWaitHigh"`
	Status            string `json:"status"`
}

// Tick compares every waiting patient's current estimate with the last one
// pushed and sends, per queue, one batch of position_updates to those whose
// figures moved (estimates are whole minutes, so any change is ≥ 1 minute).
// It returns how many it sent. A queue that cannot be read is skipped and its
// error returned after the others were done.
func (d *Drift) Tick(ctx context.Context) (int, error) {
	ids := d.QueueIDs
	if l, ok := d.Queues.(interface {
		LineIDs(context.Context) ([]string, error)
	}); ok && len(ids) == 0 {
		var err error
		if ids, err = l.LineIDs(ctx); err != nil {
			return 0, err
		}
	}
	if len(ids) == 0 {
		ids = []string{queue.DefaultQueueID}
	}
	sent := 0
	var firstErr error
	for _, id := range ids {
		n, err := d.tick(ctx, id)
		sent += n
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return sent, firstErr
}

func (d *Drift) tick(ctx context.Context, queueID string) (int, error) {
	entries, version, err := d.Queues.Queue(ctx, queueID)
	if err != nil {
		return 0, err
	}
	now := time.Now()
	if d.Now != nil {
		now = d.Now()
	}
	// What was last pushed to each waiting patient is copied under the lock;
	// the payloads are decoded and compared without it, so that a change's
	// batch (Deliver, on the queue operation's goroutine) never waits for
	// thousands of decodes. The version is checked again before the push.
	type waiter struct {
		e      *queue.Entry
		room   string
		pushed json.RawMessage // nil: nothing pushed yet
	}
	ws := make([]waiter, 0, len(entries))
	rooms := make(map[string]struct{}, len(entries)) // the rooms of the waiting: the others are forgotten
	for i := range entries {
		if e := &entries[i]; e.Status == queue.StatusWaiting {
			room := PatientRoom(e.ID)
			ws = append(ws, waiter{e: e, room: room})
			rooms[room] = struct{}{}
		}
	}
	waiting := len(ws)
	d.mu.Lock()
	if d.version[queueID] > version {
		d.mu.Unlock()
		return 0, nil // a newer change was passed on meanwhile; the next tick reads it
	}
	for i := range ws {
		ws[i].pushed = d.last[ws[i].room].data
	}
	d.mu.Unlock()

	b := realtime.Batch{} // no stream: never replayed, never resumed from
	for _, w := range ws {
		var was quoted
		if w.pushed != nil && json.Unmarshal(w.pushed, &was) == nil && was == (quoted{
			Position: w.e.Position, EstimatedWait: w.e.EstimatedWait, EstimatedWaitLow: w.e.EstimatedWaitLow,
			EstimatedWaitHigh: w.e.EstimatedWaitHigh, Status: string(w.e.Status),
		}) {
			continue
		}
		b.Add(w.room, PositionUpdate, positionUpdate(*w.e, waiting, now, version))
	}
	for i := range b.Messages {
		b.Messages[i].ID = "" // SSE writes no id: Last-Event-ID stays on the last replayable event
	}

	d.mu.Lock()
	defer d.mu.Unlock()
	if d.version[queueID] > version {
		return 0, nil // as above: a change was passed on while comparing
	}
	// Forget the patients of this queue who no longer wait.
	for room, p := range d.last {
		if _, ok := rooms[room]; !ok && p.queue == queueID {
			delete(d.last, room)
		}
	}
	if len(b.Messages) == 0 {
		return 0, nil
	}
	d.note(queueID, b)
	d.Next.Deliver(b)
	return len(b.Messages), nil
}

// Start runs Tick every Period on its own goroutine until Stop.
func (d *Drift) Start() {
	period := d.Period
	if period <= 0 {
		period = DriftPeriod
	}
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel, d.done = cancel, make(chan struct{})
	go func() {
		defer close(d.done)
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if n, err := d.Tick(ctx); err != nil && ctx.Err() == nil {
					d.log().Warn("realtime: estimate drift tick failed", "err", err)
				} else if n > 0 {
					d.log().Debug("realtime: pushed drifted estimates", "messages", n)
				}
			}
		}
	}()
}

// Stop ends the goroutine Start began, waiting for a running tick at most
// until ctx is done. It suits the app's stop steps.
func (d *Drift) Stop(ctx context.Context) error {
	if d.cancel == nil {
		return nil
	}
	d.cancel()
	select {
	case <-d.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (d *Drift) log() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.Default()
}

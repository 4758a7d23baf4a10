package queue_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"smartwait/internal/queue"
)

// TestRememberedQueueMatchesTheStore runs a random day of operations, with clock
// steps that are not whole milliseconds, and after each one checks that what the
// Service lays out from the active tickets it remembers is exactly what a fresh
// Service, which reads them from the store, lays out; and that each Change's
// Moved is exactly the entries whose position, estimate, range or status differ
// from the queue before it (matched by id).
func TestRememberedQueueMatchesTheStore(t *testing.T) {
	h := newHarness(t, func(c *queue.Config) { c.Estimator.Rooms = 2 })
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	layout := func(svc *queue.Service) []queue.Entry {
		t.Helper()
		entries, _, err := svc.Queue(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		return entries
	}
	fresh := func() []queue.Entry {
		return layout(&queue.Service{Store: h.db, Config: h.svc.Config, Now: h.svc.Now})
	}
	checkedIn := 0
	for step := range 300 {
		h.advance(time.Duration(rng.Int64N(int64(3 * time.Minute)))) // nanoseconds too
		before := fresh()
		var err error
		var op string
		switch r := rng.IntN(10); {
		case r < 4 || len(before) == 0:
			op = "check-in"
			_, err = h.svc.CheckIn(ctx, queue.CheckInRequest{
				Name: fmt.Sprintf("Patient %d", checkedIn), Phone: fmt.Sprintf("+1415%03d%04d", 200+checkedIn/10000, checkedIn%10000), AppointmentTime: "10:00"})
			checkedIn++
		case r < 6:
			op = "call-next"
			_, err = h.svc.CallNext(ctx, "", "1")
		default:
			e := before[rng.IntN(len(before))]
			switch r {
			case 6, 7:
				op = "complete " + e.Number
				_, err = h.svc.Complete(ctx, e.ID)
			case 8:
				op = "no-show " + e.Number
				_, err = h.svc.NoShow(ctx, e.ID)
			default:
				op = "cancel " + e.Number
				_, err = h.svc.Cancel(ctx, e.ID)
			}
		}
		var qe *queue.Error
		if err != nil && !(errors.As(err, &qe) && qe.Code == queue.CodeNoneWaiting) {
			t.Fatalf("step %d, %s: %v", step, op, err)
		}
		if got, want := layout(h.svc), fresh(); !reflect.DeepEqual(got, want) {
			t.Fatalf("step %d, after %s: remembered queue\n%+v\nstore\n%+v", step, op, got, want)
		}
		for _, c := range h.take() {
			if c.Entries == nil {
				continue
			}
			if want := movedByID(before, c.Entries); !reflect.DeepEqual(c.Moved, want) {
				t.Fatalf("step %d, %s: Moved\n%+v\nwant\n%+v", step, op, briefs(c.Moved), briefs(want))
			}
		}
	}
}

// movedByID is the definition of Change.Moved: the entries of after whose
// position, estimate (or its range) or status differ from before, plus those new
// in after.
func movedByID(before, after []queue.Entry) []queue.Entry {
	old := make(map[string]queue.Entry, len(before))
	for _, e := range before {
		old[e.ID] = e
	}
	var out []queue.Entry
	for _, e := range after {
		b, ok := old[e.ID]
		if !ok || b.Position != e.Position || b.Status != e.Status || b.EstimatedWait != e.EstimatedWait ||
			b.EstimatedWaitLow != e.EstimatedWaitLow || b.EstimatedWaitHigh != e.EstimatedWaitHigh {
			out = append(out, e)
		}
	}
	return out
}

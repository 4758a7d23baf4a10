package queue_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"smartwait/internal/queue"
)

// An operation on a ticket finds the ticket's line, then locks it; a transfer
// in between moves the ticket to another line. The operation must then act at
// the ticket's new line, not under its old line's lock: completing it there
// left the new line's remembered state listing a patient who had gone.
func TestTicketOperationFollowsAConcurrentTransfer(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.line(t, "lab", "L", queue.LinePatch{})
	checkIn := func(line string, i int) queue.Entry {
		e, err := h.svc.CheckIn(ctx, queue.CheckInRequest{QueueID: line, Name: fmt.Sprintf("Patient %d", i),
			Phone: fmt.Sprintf("+1415555%04d", 3000+i), AppointmentTime: "10:00"})
		if err != nil {
			t.Fatalf("check-in %d: %v", i, err)
		}
		return e
	}
	for i := range 40 {
		x := checkIn(queue.DefaultQueueID, 2*i)
		var wg sync.WaitGroup
		var moveErr, doneErr error
		start := make(chan struct{})
		wg.Go(func() { <-start; _, moveErr = h.svc.Transfer(ctx, x.ID, "lab", false) })
		wg.Go(func() { <-start; _, doneErr = h.svc.Complete(ctx, x.ID) })
		close(start)
		wg.Wait()
		if doneErr != nil {
			t.Fatalf("round %d: complete: %v (transfer: %v)", i, doneErr, moveErr)
		}
		st, err := h.svc.Status(ctx, x.ID)
		if err != nil || st.Status != queue.StatusCompleted {
			t.Fatalf("round %d: the patient is %+v, %v; want completed", i, st.Entry, err)
		}
		// Neither line still lists the patient, and a new arrival at the lab
		// is placed behind exactly the patients really waiting there.
		for _, line := range []string{queue.DefaultQueueID, "lab"} {
			entries, _, err := h.svc.Queue(ctx, line)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if e.ID == x.ID {
					t.Fatalf("round %d: line %s still lists the completed patient (transfer: %v)", i, line, moveErr)
				}
			}
		}
		if y := checkIn("lab", 2*i+1); y.Position != i+1 {
			t.Fatalf("round %d: a new lab patient is at position %d, want %d", i, y.Position, i+1)
		}
	}
}

package events

import (
	"context"
	"slices"
	"testing"

	"smartwait/internal/realtime"
)

// collected is a realtime.Handler that keeps the batches it is handed.
type collected struct{ batches chan realtime.Batch }

func (c collected) Deliver(b realtime.Batch) { c.batches <- b }
func (c collected) Resync(string)            {}

// TestPreparedBatchIsPublishedOnlyWhenAsked: Prepare builds a change's batch
// but hands nothing to the broker; the function it returns publishes exactly
// what Publish would have.
func TestPreparedBatchIsPublishedOnlyWhenAsked(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	broker := realtime.NewMemoryBroker()
	got := collected{batches: make(chan realtime.Batch, 4)}
	if err := broker.Start(ctx, got); err != nil {
		t.Fatal(err)
	}
	p := &Publisher{Broker: broker}
	c := goldenChanges()["call_next"]
	publish := p.Prepare(c)
	select {
	case b := <-got.batches:
		t.Fatalf("a batch (version %d) reached the broker before the prepared change was published", b.Version)
	default:
	}
	publish()
	b := <-got.batches
	want := Batch(c)
	if b.Version != want.Version || len(b.Messages) != len(want.Messages) {
		t.Fatalf("published version %d with %d messages, want %d with %d", b.Version, len(b.Messages), want.Version, len(want.Messages))
	}
	for i := range want.Messages {
		if b.Messages[i].Room != want.Messages[i].Room || !slices.Equal(b.Messages[i].Data, want.Messages[i].Data) {
			t.Errorf("message %d: %s to %s, want %s to %s", i, b.Messages[i].Data, b.Messages[i].Room, want.Messages[i].Data, want.Messages[i].Room)
		}
	}
}

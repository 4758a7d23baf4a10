package redisbroker_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/alicebob/miniredis/v2"

	"smartwait/internal/realtime"
	"smartwait/internal/realtime/brokertest"
	"smartwait/internal/realtime/redisbroker"
)

func startOne(t *testing.T) (*redisbroker.Broker, *brokertest.Recorder) {
	t.Helper()
	return startBroker(t, "redis://"+miniredis.RunT(t).Addr()+"/0", redisbroker.Options{Channel: "smartwait-test:order"})
}

// startBroker starts a broker on url recording what it delivers; it is
// closed when the test ends.
func startBroker(t *testing.T, url string, opts redisbroker.Options) (*redisbroker.Broker, *brokertest.Recorder) {
	t.Helper()
	b, err := redisbroker.New(url, opts)
	if err != nil {
		t.Fatal(err)
	}
	rec := brokertest.NewRecorder()
	if err := b.Start(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close(context.Background()) })
	return b, rec
}

func versions(bs []realtime.Batch, stream string) []int64 {
	var out []int64
	for _, b := range bs {
		if b.Stream == stream {
			out = append(out, b.Version)
		}
	}
	return out
}

// TestVersionOrder: a batch that arrives ahead of its turn (instance B's version
// 3 before instance A's 2 has come through Redis) waits for the missing one, so
// the handler sees every stream in version order.
func TestVersionOrder(t *testing.T) {
	b, rec := startOne(t)
	publish := []realtime.Batch{
		{Stream: "default", Version: 1}, {Stream: "default", Version: 3},
		{Stream: "other", Version: 1}, // another stream does not wait behind this gap
		{Stream: "default", Version: 2}, {Stream: "default", Version: 5},
		{Stream: "default", Version: 4}, {Stream: "default", Version: 6},
	}
	for _, bt := range publish {
		if err := b.Publish(bt); err != nil {
			t.Fatal(err)
		}
	}
	got := rec.WaitCount(t, len(publish))
	var order []string
	for _, bt := range got {
		order = append(order, fmt.Sprintf("%s:%d", bt.Stream, bt.Version))
	}
	want := []string{"default:1", "other:1", "default:2", "default:3", "default:4", "default:5", "default:6"}
	if !slices.Equal(order, want) {
		t.Errorf("delivered %v, want %v", order, want)
	}
}

// TestVersionGap: when the missing version never comes (its publish was lost),
// what waited is delivered anyway, in order, and later batches flow again.
func TestVersionGap(t *testing.T) {
	b, rec := startOne(t)
	for _, v := range []int64{1, 4, 3, 5} {
		if err := b.Publish(realtime.Batch{Stream: "default", Version: v}); err != nil {
			t.Fatal(err)
		}
	}
	got := rec.WaitCount(t, 4)
	if want := []int64{1, 3, 4, 5}; !slices.Equal(versions(got, "default"), want) {
		t.Fatalf("delivered versions %v, want %v", versions(got, "default"), want)
	}
	if err := b.Publish(realtime.Batch{Stream: "default", Version: 6}); err != nil {
		t.Fatal(err)
	}
	if got := rec.WaitCount(t, 5); got[4].Version != 6 {
		t.Errorf("after the gap got %v", versions(got, "default"))
	}
}

// TestFirstBatchOfStreamWaits: the first batch of a stream the broker has not
// seen yet (at start-up, or after a resync) may be ahead of its turn too — two
// instances commit versions 1 and 2 at once, and 2 is this instance's own, so it
// is here before 1 has come through Redis. It waits for 1; and a first batch
// whose predecessors never come (they were delivered before this instance
// started) is still delivered, in order with whatever arrived meanwhile.
func TestFirstBatchOfStreamWaits(t *testing.T) {
	b, rec := startOne(t)
	for _, v := range []int64{2, 1, 3} {
		if err := b.Publish(realtime.Batch{Stream: "default", Version: v}); err != nil {
			t.Fatal(err)
		}
	}
	if got := versions(rec.WaitCount(t, 3), "default"); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Fatalf("delivered versions %v, want [1 2 3]", got)
	}

	for _, v := range []int64{42, 41} { // a stream that began before this instance
		if err := b.Publish(realtime.Batch{Stream: "older", Version: v}); err != nil {
			t.Fatal(err)
		}
	}
	if got := versions(rec.WaitCount(t, 5), "older"); !slices.Equal(got, []int64{41, 42}) {
		t.Fatalf("delivered versions %v, want [41 42]", got)
	}
	if err := b.Publish(realtime.Batch{Stream: "older", Version: 43}); err != nil {
		t.Fatal(err)
	}
	if got := versions(rec.WaitCount(t, 6), "older"); !slices.Equal(got, []int64{41, 42, 43}) {
		t.Errorf("after the first batches got %v", got)
	}
}

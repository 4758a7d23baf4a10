package redisbroker

import (
	"encoding/json"
	"testing"

	"smartwait/internal/realtime"
)

// TestOwnEchoRecognisesOnlyOwnEnvelopes: the prefix check that skips decoding
// an instance's own batches must match exactly what Publish marshals for this
// instance, and nothing another instance (or a stray message) sends.
func TestOwnEchoRecognisesOnlyOwnEnvelopes(t *testing.T) {
	b := &Broker{instance: "ABCDEFGH234567"}
	other := &Broker{instance: "ABCDEFGH2345"} // a prefix of b's tag
	batch := realtime.Batch{Stream: "default", Version: 3, Shard: "main"}
	own, err := json.Marshal(envelope{Instance: b.instance, Batch: batch})
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := json.Marshal(envelope{Instance: other.instance, Batch: batch})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		payload string
		want    bool
	}{
		{string(own), true},
		{string(theirs), false},
		{`{"b":{},"i":"ABCDEFGH234567"}`, false}, // not Publish's order: decoded, then skipped
		{`{"i":"ABCDEFGH234567`, false},
		{`{"i":"ABCDEFGH2345678"}`, false},
		{``, false},
		{`not json`, false},
	}
	for _, c := range cases {
		if got := b.ownEcho(c.payload); got != c.want {
			t.Errorf("ownEcho(%q) = %v, want %v", c.payload, got, c.want)
		}
	}
	if !other.ownEcho(string(theirs)) || other.ownEcho(string(own)) {
		t.Error("the shorter tag must match its own envelope only")
	}
}

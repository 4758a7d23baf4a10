package events

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// TestAppendJSONMatchesMarshal: the hand-written encoders write exactly what
// encoding/json writes, for ordinary values and for the cases it escapes.
func TestAppendJSONMatchesMarshal(t *testing.T) {
	at := Time(time.Date(2026, 12, 5, 9, 30, 1, 234_000_000, time.FixedZone("X", 3600)))
	odd := []string{"", "A001", `quo"te`, `back\slash`, "a<b", "a>b", "a&b", "del\x7f", "tab\there", "é ü", "\u2028", "ctl\x01", "bad\xffutf8"}
	for _, s := range odd {
		later := Time(time.Time(at).Add(1500 * time.Millisecond))
		for _, ts := range []Time{at, {}, later, at} {
			pu := PositionUpdateEvent{
				Type: PositionUpdate, PatientID: s, Position: 3, EstimatedWait: -1, EstimatedWaitLow: 0,
				EstimatedWaitHigh: 1 << 40, Status: s, TicketNumber: s, QueueLength: 12, Timestamp: ts, Version: 9_007_199_254_740_993,
			}
			same(t, pu, pu.AppendJSON(nil))
			for _, ns := range []string{"", s} {
				pub := PublicUpdate{Type: s, QueueLength: 0, NowServing: ns, Timestamp: ts, Version: 1}
				same(t, pub, pub.AppendJSON([]byte("prefix"))[len("prefix"):])
			}
		}
	}
}

func same(t *testing.T, v any, got []byte) {
	t.Helper()
	want, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("AppendJSON of %+v\n got %s\nwant %s", v, got, want)
	}
}

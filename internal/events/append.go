package events

import (
	"encoding/json"
	"strconv"
	"sync/atomic"
	"time"
)

// The payloads a change sends once per waiting patient (position_update) or
// to every socket of a room (the public queue_update) encode themselves
// without reflection: with 2,000 waiting, encoding/json's reflection was a
// tenth of a call-next's server time (docs/decisions.md, "Fan-out: one write
// per socket per batch"). The output is byte for byte encoding/json's;
// TestAppendJSONMatchesMarshal checks it.

// AppendJSON appends the event's JSON, as json.Marshal writes it.
func (e PositionUpdateEvent) AppendJSON(b []byte) []byte {
	b = append(b, `{"type":`...)
	b = appendString(b, e.Type)
	b = append(b, `,"patientId":`...)
	b = appendString(b, e.PatientID)
	b = appendInt(b, `,"position":`, int64(e.Position))
	b = appendInt(b, `,"estimatedWait":`, int64(e.EstimatedWait))
	b = appendInt(b, `,"estimatedWaitLow":`, int64(e.EstimatedWaitLow))
	b = appendInt(b, `,"estimatedWaitHigh":`, int64(e.EstimatedWaitHigh))
	b = append(b, `,"status":`...)
	b = appendString(b, e.Status)
	b = append(b, `,"ticketNumber":`...)
	b = appendString(b, e.TicketNumber)
	b = appendInt(b, `,"queueLength":`, int64(e.QueueLength))
	b = append(b, `,"timestamp":`...)
	b = e.Timestamp.appendJSON(b)
	b = appendInt(b, `,"version":`, e.Version)
	b = append(b, `,"line":`...)
	b = appendString(b, e.Line)
	return append(b, '}')
}

// AppendJSON appends the event's JSON, as json.Marshal writes it.
func (e PublicUpdate) AppendJSON(b []byte) []byte {
	b = append(b, `{"type":`...)
	b = appendString(b, e.Type)
	b = appendInt(b, `,"queueLength":`, int64(e.QueueLength))
	if e.NowServing != "" {
		b = append(b, `,"nowServing":`...)
		b = appendString(b, e.NowServing)
	}
	b = append(b, `,"timestamp":`...)
	b = e.Timestamp.appendJSON(b)
	b = appendInt(b, `,"version":`, e.Version)
	b = append(b, `,"line":`...)
	b = appendString(b, e.Line)
	return append(b, '}')
}

// AppendJSON appends the event's JSON, as json.Marshal writes it.
func (e DisplayUpdate) AppendJSON(b []byte) []byte {
	b = e.PublicUpdate.AppendJSON(b)
	b = b[:len(b)-1] // the public update's closing brace
	if e.TicketNumber != "" {
		b = append(b, `,"ticketNumber":`...)
		b = appendString(b, e.TicketNumber)
	}
	if e.Room != "" {
		b = append(b, `,"room":`...)
		b = appendString(b, e.Room)
	}
	b = appendInt(b, `,"typicalWait":`, int64(e.TypicalWait))
	return append(b, '}')
}

// appendJSON appends t as MarshalJSON writes it. Every payload of a batch
// carries the same timestamp, so the last one formatted is kept.
func (t Time) appendJSON(b []byte) []byte {
	tt := time.Time(t)
	if tt.IsZero() {
		return append(b, "null"...)
	}
	sec, nsec := tt.Unix(), tt.Nanosecond()
	if c := lastStamp.Load(); c != nil && c.sec == sec && c.nsec == nsec {
		return append(b, c.json...)
	}
	c := &stamp{sec: sec, nsec: nsec, json: append(tt.UTC().AppendFormat([]byte{'"'}, TimeFormat), '"')}
	lastStamp.Store(c)
	return append(b, c.json...)
}

// stamp is a formatted timestamp (with its quotes) and the instant it formats.
type stamp struct {
	sec  int64
	nsec int
	json []byte
}

var lastStamp atomic.Pointer[stamp]

func appendInt(b []byte, key string, v int64) []byte {
	return strconv.AppendInt(append(b, key...), v, 10)
}

// appendString appends s as a JSON string, as encoding/json does: printable
// ASCII other than the characters it escapes goes as it is; anything else
// (rare in ids, statuses and ticket numbers) through json.Marshal.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

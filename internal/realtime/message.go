package realtime

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// EventResync is the event the hub sends to every subscriber after the broker
// reports an outage: events may have been lost, so clients should fetch state again.
const EventResync = "resync"

// Message is one event for one room. Data is the JSON payload, shared (never
// modified) by every subscriber that receives it.
type Message struct {
	Room  string          `json:"room"`
	Event string          `json:"event"`
	ID    string          `json:"id"` // event id; the same on every instance
	Data  json.RawMessage `json:"data"`
	// Session, when set, addresses the connections bound to that staff session
	// (Hub.BindSession) instead of a room; Room is then empty. Only
	// EndSessions sends such messages.
	Session string `json:"session,omitempty"`

	// Stream and Version are the Batch's: set by Add, or by the hub on
	// delivery for a batch decoded from the broker.
	Stream  string `json:"-"`
	Version int64  `json:"-"`

	enc *encodings // set by the hub on live delivery; see Encoded
}

// Batch is everything one committed change publishes, in order. Stream names an
// ordered source (a queue id) whose Version grows by exactly one per batch; a batch
// with an empty Stream (a test message) is delivered but never replayed. Shard
// names the part of the deployment the batch belongs to (the line today, the
// clinic once lines belong to clinics): a broker that shards (redisbroker)
// carries it only to the instances whose clients follow that shard
// (Hub.Follow). Every batch of a stream has the same shard. A batch with no
// shard (a session's end, a test message) goes to every instance.
type Batch struct {
	Shard    string    `json:"shard,omitempty"`
	Stream   string    `json:"stream,omitempty"`
	Version  int64     `json:"version,omitempty"`
	Messages []Message `json:"messages"`
}

// DefaultStream is the stream whose event ids carry no stream prefix (the default
// queue), so ids read "<version>-<n>".
const DefaultStream = "default"

// JSONAppender is a payload that encodes itself: AppendJSON appends exactly
// what json.Marshal would write, faster (for the payloads a change sends to
// thousands of sockets).
type JSONAppender interface {
	AppendJSON(dst []byte) []byte
}

// Add appends a message with data marshalled to JSON (by its AppendJSON when it
// is a JSONAppender) and an id derived from the batch's stream and version, so
// every instance gives it the same id. It panics if data cannot be marshalled
// (a programming error: payloads are plain structs).
func (b *Batch) Add(room, event string, data any) {
	var raw []byte
	if a, ok := data.(JSONAppender); ok {
		raw = a.AppendJSON(make([]byte, 0, 256))
	} else {
		var err error
		if raw, err = json.Marshal(data); err != nil {
			panic(fmt.Sprintf("realtime: marshal %s payload: %v", event, err))
		}
	}
	b.AddJSON(room, event, raw)
}

// AddJSON is Add for a payload that is JSON already (valid, and not to be
// modified afterwards).
func (b *Batch) AddJSON(room, event string, raw json.RawMessage) {
	b.Messages = append(b.Messages, Message{
		Room: room, Event: event, Data: raw,
		ID:     FormatID(b.Stream, b.Version, len(b.Messages)+1),
		Stream: b.Stream, Version: b.Version,
	})
}

// FormatID returns the event id of the n-th message (from 1) of a stream's batch:
// "<version>-<n>", prefixed by "<stream>:" for any stream but DefaultStream. n = 0
// names a snapshot taken at that version (everything up to it is included), and is
// written without the "-<n>".
func FormatID(stream string, version int64, n int) string {
	var buf [64]byte
	id := buf[:0]
	if stream != DefaultStream && stream != "" {
		id = append(append(id, stream...), ':')
	}
	id = strconv.AppendInt(id, version, 10)
	if n > 0 {
		id = strconv.AppendInt(append(id, '-'), int64(n), 10)
	}
	return string(id)
}

// Position is where a client stands in a stream, parsed from an event id.
type Position struct {
	Stream  string
	Version int64
	N       int // 0: everything of Version was seen (a snapshot id)
}

// ParseID parses an id written by FormatID. ok is false for anything else.
func ParseID(id string) (p Position, ok bool) {
	p.Stream = DefaultStream
	if i := strings.LastIndexByte(id, ':'); i >= 0 {
		p.Stream, id = id[:i], id[i+1:]
		if p.Stream == "" || p.Stream == DefaultStream {
			return Position{}, false
		}
	}
	v, n, dash := strings.Cut(id, "-")
	var err error
	if p.Version, err = strconv.ParseInt(v, 10, 64); err != nil || p.Version < 0 {
		return Position{}, false
	}
	if dash {
		if p.N, err = strconv.Atoi(n); err != nil || p.N < 1 {
			return Position{}, false
		}
	}
	return p, true
}

// after reports whether message n of batch version v comes after p.
func (p Position) after(v int64, n int) bool {
	if v != p.Version {
		return v > p.Version
	}
	return p.N != 0 && n > p.N
}

// EventSessionEnded tells a session's connections to close (logout, password
// change, account removal). Transports close the connection instead of
// forwarding it.
const EventSessionEnded = "session_ended"

// EndSessions publishes EventSessionEnded to the connections bound to the given
// sessions (Hub.BindSession), so they close on every instance. It suits
// auth.Service.OnLogout: it does not block.
//
// The message is addressed by Message.Session, not by a room: a session is not
// something a client can join or leave, so no client event can undo the binding.
func EndSessions(b Broker, sessionIDs ...string) error {
	var batch Batch
	for _, id := range sessionIDs {
		if id != "" {
			batch.Messages = append(batch.Messages, Message{Session: id, Event: EventSessionEnded, Data: json.RawMessage("{}")})
		}
	}
	if len(batch.Messages) == 0 {
		return nil
	}
	return b.Publish(batch)
}

package realtime

import "sync"

// encodings caches what transports encode one delivered message into, so that
// a fan-out to thousands of connections encodes each message once per
// transport, not once per connection. The hub gives every message it delivers
// live a fresh one, shared by the copies in every member's queue; messages in
// the replay buffer have none, so the buffer never holds encodings.
type encodings struct {
	mu   sync.Mutex
	keys []any // one per transport that encoded the message: a short list
	vals []any
}

// Encoded returns encode(m), computed at most once per delivered message and
// key and shared by every subscriber that receives the message. key names the
// encoding (a comparable value of the transport's own unexported type);
// encode must depend on m alone, and its result must not be modified. For a
// message the hub did not deliver live (a replayed one, a test's) it is simply
// encode(m).
func (m Message) Encoded(key any, encode func(Message) any) any {
	c := m.enc
	if c == nil {
		return encode(m)
	}
	// One lock for the whole computation: the members racing for a new
	// message wait for the first one's encoding instead of each making one.
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, k := range c.keys {
		if k == key {
			return c.vals[i]
		}
	}
	v := encode(m)
	c.keys = append(c.keys, key)
	c.vals = append(c.vals, v)
	return v
}

// Shared reports whether the hub delivered m live to several subscribers, so
// that an encoding of it is worth caching (Encoded does). A message for one
// subscriber (a patient's own) is better encoded straight into its write.
func (m Message) Shared() bool { return m.enc != nil }

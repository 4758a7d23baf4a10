package realtime

import "time"

// endedSessionMemory is how long the hub remembers that a session ended, so
// that a connection authenticated just before the end but bound just after it
// (its session lookup raced the logout) is refused rather than left open. A
// lookup takes milliseconds and is bounded by the transports' few-second
// timeouts; a minute is ample and keeps the record small.
const endedSessionMemory = time.Minute

// BindSession ties s to a staff session: EndSessions for that session closes s,
// whatever rooms s has joined or left. A subscriber has at most one session;
// binding again replaces it. Sessions are not rooms: no client event reaches
// this binding, so a client cannot opt out of being disconnected.
//
// BindSession reports false, and binds nothing, when the session has already
// ended (within endedSessionMemory) or s is closed: the caller must then close
// the connection.
func (h *Hub) BindSession(s *Subscriber, sessionID string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[s]; !ok {
		return false
	}
	if _, ended := h.ended[sessionID]; ended {
		return false
	}
	h.unbind(s)
	members := h.sessions[sessionID]
	if members == nil {
		members = map[*Subscriber]struct{}{}
		h.sessions[sessionID] = members
	}
	members[s] = struct{}{}
	s.session = sessionID
	return true
}

// unbind removes s from its session; h.mu is held.
func (h *Hub) unbind(s *Subscriber) {
	if s.session == "" {
		return
	}
	if members := h.sessions[s.session]; members != nil {
		delete(members, s)
		if len(members) == 0 {
			delete(h.sessions, s.session)
		}
	}
	s.session = ""
}

// endSession records that a session ended and appends its subscribers to buf.
// Recording and collecting under one lock means a concurrent BindSession is
// either collected here or refused.
func (h *Hub) endSession(sessionID string, buf []*Subscriber) []*Subscriber {
	now := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	for id, at := range h.ended {
		if now.Sub(at) > endedSessionMemory {
			delete(h.ended, id)
		}
	}
	h.ended[sessionID] = now
	for s := range h.sessions[sessionID] {
		buf = append(buf, s)
	}
	return buf
}

package socketio

import (
	"sync"

	"github.com/zishang520/socket.io/servers/engine/v3"
)

// slot is a connection-limit slot taken by a handshake request. The engine
// session the handshake creates claims it and frees it when the session
// closes, however long it lasts and over however many polling requests; a
// handshake that creates no session frees it when the request ends.
type slot struct {
	release func()
	mu      sync.Mutex
	claimed bool
	done    bool // released because the request ended unclaimed
}

type slotKey struct{}

// holdSlot ties the handshake's slot, if any, to the engine session's life.
func holdSlot(eio engine.Socket) {
	ctx := eio.Request()
	if ctx == nil || ctx.Request() == nil {
		return
	}
	sl, ok := ctx.Request().Context().Value(slotKey{}).(*slot)
	if !ok {
		return
	}
	sl.mu.Lock()
	defer sl.mu.Unlock()
	if sl.done {
		return
	}
	sl.claimed = true
	_ = eio.Once("close", func(...any) { sl.release() })
}

// unclaimed frees the slot when the handshake request ends without a session.
func (sl *slot) unclaimed() {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	if !sl.claimed {
		sl.done = true
		sl.release()
	}
}

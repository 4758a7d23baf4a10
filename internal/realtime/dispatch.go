package realtime

// inboxItem is one piece of work for the dispatcher: a batch, a resync, or a
// marker whose channel is closed once everything before it is done (Sync).
type inboxItem struct {
	batch  Batch
	resync string
	synced chan struct{}
}

// dispatch is the hub's one dispatcher goroutine; it runs until Close.
func (h *Hub) dispatch() {
	defer close(h.stopped)
	for {
		select {
		case it := <-h.inbox:
			switch {
			case it.synced != nil:
				close(it.synced)
			case it.resync != "":
				h.resync(it.resync)
			default:
				h.deliver(it.batch)
			}
			if h.overflow.Swap(false) {
				h.resync("the hub fell behind and dropped events")
			}
		case <-h.stop:
			return
		}
	}
}

// Sync waits until every batch and resync handed to the hub before the call has
// been queued for its subscribers (or the hub is closed).
func (h *Hub) Sync() {
	done := make(chan struct{})
	select {
	case h.inbox <- inboxItem{synced: done}:
	case <-h.stopped:
		return
	}
	select {
	case <-done:
	case <-h.stopped:
	}
}

func (h *Hub) enqueue(it inboxItem) {
	select {
	case <-h.stop:
		return
	default:
	}
	select {
	case h.inbox <- it:
	default:
		h.overflow.Store(true)
	}
}

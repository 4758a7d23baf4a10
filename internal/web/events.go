package web

import "smartwait/internal/events"

// Events publishes the contract's real-time events for every committed change
// (a queue.Publisher). The events themselves are built by internal/events; this
// name is kept for the wiring in cmd/smartwait and the tests.
type Events = events.Publisher

// Package events is SmartWait's real-time contract (docs/events.md): the room
// names, the event names, every payload, the builder from a committed
// queue.Change to the events each room gets, the snapshot a new subscriber
// gets, and the answers to a client's join and leave requests.
//
// It is the only place that builds an event. The transports — Socket.IO
// (internal/socketio) and Server-Sent Events (internal/web) — are encoders of
// the realtime.Messages built here: they choose framing, never payloads. The
// hub (internal/realtime) carries them without knowing any of these names.
package events

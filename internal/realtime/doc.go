// Package realtime is SmartWait's hub: rooms of subscribers, a Broker that carries
// batches of messages between instances, a bounded replay buffer for resuming
// streams, and the slow-consumer policy. It knows nothing about queues: a Batch is
// an ordered list of (room, event, JSON payload) with a stream name and a
// monotonic version, and the transports (internal/socketio, the SSE handlers in
// internal/web) turn subscribers into connections.
//
// Delivery never blocks the publisher. Each Subscriber has a bounded queue; a
// subscriber whose queue is full is disconnected (it will resync), never waited
// for. Nothing is written to a connection while the hub's lock is held.
package realtime

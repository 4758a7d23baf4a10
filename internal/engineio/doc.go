// Package engineio is an in-project Socket.IO server: the Engine.IO v4 transport
// (HTTP long-polling, websocket and the upgrade between them, heartbeats,
// maxPayload, CORS) and, on top of it, the part of the Socket.IO v5 packet
// layer SmartWait's contract uses — the default namespace, CONNECT with an auth
// payload and CONNECT_ERROR, events with JSON arguments, acknowledgements in
// both directions and DISCONNECT. Binary packets are refused: the client is
// disconnected with ReasonParseError.
//
// It exists because a general-purpose port of the JavaScript server cost ~45
// KiB and two goroutines per idle client; here an idle websocket client costs
// one goroutine (its reader, blocked in the runtime's netpoller) and a few KiB
// (docs/decisions.md has the measurements).
//
// The application sees Sockets. Config.OnConnect runs once per CONNECT, before
// the client is told it is connected, so the event handlers it registers with
// Socket.On are in place before the client can send anything. Outgoing packets
// go through a bounded per-socket queue: Send and Emit never block, and a socket
// whose queue overflows is disconnected (ReasonSlow) and counted in Stats.
//
// Protocol references: github.com/socketio/engine.io-protocol (v4) and
// github.com/socketio/socket.io-protocol (v5).
package engineio

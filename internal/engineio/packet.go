package engineio

import (
	"bytes"
	"errors"
)

// Engine.IO v4 packet types, as the first byte of a text packet.
const (
	pktOpen    = '0'
	pktClose   = '1'
	pktPing    = '2'
	pktPong    = '3'
	pktMessage = '4'
	pktUpgrade = '5'
	pktNoop    = '6'
)

// separator joins the packets of one long-polling payload (a record separator,
// which JSON text never contains unescaped).
const separator = '\x1e'

// Packets the server sends that never change, shared by every session.
var (
	rawPing  = []byte{pktPing}
	rawNoop  = []byte{pktNoop}
	rawClose = []byte{pktClose}
	rawProbe = []byte("3probe")
)

// errBinary is a binary Engine.IO packet, which this server does not accept.
var errBinary = errors.New("engineio: binary packets are not supported")

// errBadPacket is a packet that is not Engine.IO v4.
var errBadPacket = errors.New("engineio: malformed packet")

// decodePacket checks one client packet (from a websocket text frame or a
// polling payload) and returns its type and data. Clients send close, ping
// (only as the upgrade probe), pong, message, upgrade and noop.
func decodePacket(p []byte) (typ byte, data []byte, err error) {
	if len(p) == 0 {
		return 0, nil, errBadPacket
	}
	switch p[0] {
	case pktClose, pktPing, pktPong, pktMessage, pktUpgrade, pktNoop:
		return p[0], p[1:], nil
	case 'b':
		return 0, nil, errBinary
	}
	return 0, nil, errBadPacket
}

// splitPayload splits a long-polling request body into its packets. Each must
// be a valid client packet; an empty body or empty packet is malformed.
func splitPayload(body []byte) ([][]byte, error) {
	if len(body) == 0 {
		return nil, errBadPacket
	}
	parts := bytes.Split(body, []byte{separator})
	for _, p := range parts {
		if _, _, err := decodePacket(p); err != nil {
			return nil, err
		}
	}
	return parts, nil
}

// joinPayload frames packets for one long-polling response.
func joinPayload(pkts [][]byte) []byte {
	n := len(pkts)
	for _, p := range pkts {
		n += len(p)
	}
	out := make([]byte, 0, n)
	for i, p := range pkts {
		if i > 0 {
			out = append(out, separator)
		}
		out = append(out, p...)
	}
	return out
}

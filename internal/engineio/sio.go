package engineio

import (
	"encoding/json"
	"errors"
	"strconv"
)

// Socket.IO v5 packet types, as the first byte after the Engine.IO message type.
const (
	sioConnect      = '0'
	sioDisconnect   = '1'
	sioEvent        = '2'
	sioAck          = '3'
	sioConnectError = '4'
	sioBinaryEvent  = '5'
	sioBinaryAck    = '6'
)

// maxAckID bounds acknowledgement ids: JavaScript clients count them in a
// double, so anything above 2^53 is not one of theirs.
const maxAckID = 1<<53 - 1

// Errors of decodeSIO. Every one ends the connection with ReasonParseError.
var (
	errSIOBinary  = errors.New("engineio: binary Socket.IO packets are not supported")
	errSIOPacket  = errors.New("engineio: malformed Socket.IO packet")
	errSIOPayload = errors.New("engineio: invalid Socket.IO payload for its type")
)

// sioPacket is one decoded client packet.
type sioPacket struct {
	typ   byte
	nsp   string // "/" unless the packet names another namespace
	ackID int64  // -1: none
	event string // EVENT: the name
	args  []json.RawMessage
	data  json.RawMessage // CONNECT: the auth object, or nil
}

// decodeSIO parses the data of one Engine.IO message from a client:
// <type>[<namespace>,][<ack id>][<JSON payload>]. It checks the payload against
// the type: CONNECT takes an optional object, EVENT an array whose first
// element is the event name, ACK an array and an id, DISCONNECT nothing.
func decodeSIO(b []byte) (sioPacket, error) {
	p := sioPacket{nsp: "/", ackID: -1}
	if len(b) == 0 {
		return p, errSIOPacket
	}
	p.typ = b[0]
	switch p.typ {
	case sioConnect, sioDisconnect, sioEvent, sioAck:
	case sioBinaryEvent, sioBinaryAck:
		return p, errSIOBinary
	default:
		return p, errSIOPacket // CONNECT_ERROR is never sent by a client
	}
	i := 1
	if i < len(b) && b[i] == '/' {
		j := i
		for j < len(b) && b[j] != ',' {
			j++
		}
		p.nsp = string(b[i:j])
		i = j
		if i < len(b) {
			i++ // the comma
		}
	}
	j := i
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		j++
	}
	if j > i {
		id, err := strconv.ParseInt(string(b[i:j]), 10, 64)
		if err != nil || id > maxAckID {
			return p, errSIOPacket
		}
		p.ackID = id
		i = j
	}
	payload := b[i:]
	switch p.typ {
	case sioConnect:
		if len(payload) == 0 {
			return p, nil
		}
		var obj map[string]json.RawMessage
		if payload[0] != '{' || json.Unmarshal(payload, &obj) != nil {
			return p, errSIOPayload
		}
		p.data = json.RawMessage(payload)
	case sioDisconnect:
		if len(payload) != 0 {
			return p, errSIOPayload
		}
	case sioEvent, sioAck:
		if payload = trimJSONSpace(payload); len(payload) == 0 || payload[0] != '[' {
			return p, errSIOPayload
		}
		if err := json.Unmarshal(payload, &p.args); err != nil {
			return p, errSIOPayload
		}
		if p.typ == sioAck {
			if p.ackID < 0 {
				return p, errSIOPayload
			}
			return p, nil
		}
		if len(p.args) == 0 || json.Unmarshal(p.args[0], &p.event) != nil {
			return p, errSIOPayload
		}
		p.args = p.args[1:]
	}
	return p, nil
}

// trimJSONSpace drops leading JSON whitespace, which JSON.parse accepts.
func trimJSONSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\n' || b[0] == '\r') {
		b = b[1:]
	}
	return b
}

// Packet is an encoded Socket.IO EVENT, ready for any number of sockets: build
// it once with NewEvent and Send it to each, so a fan-out to thousands of
// sockets marshals nothing per socket. A Packet is immutable and safe for
// concurrent use.
type Packet struct {
	b     []byte // the Engine.IO message: 42["event",args...]
	frame []byte // the same as a websocket text frame (its header, then b)

	// event and arg make a direct packet (NewDirectEvent), encoded where it
	// is written; b and frame are then nil.
	event string
	arg   json.RawMessage
}

// NewDirectEvent is NewTrustedEvent for an event with one argument that goes
// to one socket (a patient's own position_update): nothing is encoded until
// it is written, and on an idle websocket it is encoded straight into the
// socket's write, so the fan-out of a call-next to thousands of patients
// makes no packet per patient for the collector to sweep.
func NewDirectEvent(event string, arg json.RawMessage) *Packet {
	return &Packet{event: event, arg: arg}
}

// message returns the packet's Engine.IO message, encoding a direct one.
func (p *Packet) message() []byte {
	if p.b != nil || p.event == "" {
		return p.b
	}
	return p.appendMessage(make([]byte, 0, len(p.event)+len(p.arg)+8))
}

// appendMessage appends a direct packet's Engine.IO message.
func (p *Packet) appendMessage(dst []byte) []byte {
	dst = append(dst, pktMessage, sioEvent, '[')
	dst = appendName(dst, p.event)
	dst = append(append(dst, ','), p.arg...)
	return append(dst, ']')
}

// appendFrame appends the packet as a websocket text frame.
func (p *Packet) appendFrame(dst []byte) []byte {
	switch {
	case p.frame != nil:
		return append(dst, p.frame...)
	case p.b != nil || !plainName(p.event):
		return appendFrame(dst, opText, p.message())
	}
	n := len(p.event) + len(p.arg) + 7 // 42[ "event" , arg ]: 3+2+1+1
	h := frameHeaderLen(n)
	at := len(dst)
	dst = append(dst, make([]byte, h)...)
	putFrameHeader(dst[at:], opText, n)
	return p.appendMessage(dst)
}

// NewEvent encodes an event with JSON arguments that are already marshalled.
// It fails when an argument is not valid JSON, since that would break the
// client's parser for every later packet too.
func NewEvent(event string, args ...json.RawMessage) (*Packet, error) {
	for _, a := range args {
		if !json.Valid(a) {
			return nil, errors.New("engineio: event argument is not valid JSON")
		}
	}
	return NewTrustedEvent(event, args...), nil
}

// NewTrustedEvent is NewEvent for arguments known to be valid JSON (written
// by encoding/json, or decoded by it into a json.RawMessage), which it does
// not check again: a fan-out encodes thousands of packets per change.
func NewTrustedEvent(event string, args ...json.RawMessage) *Packet {
	n := frameHeadroom + len(event) + 8
	for _, a := range args {
		n += len(a) + 1
	}
	buf := appendEvent(make([]byte, frameHeadroom, n), sioEvent, -1, event, args)
	return &Packet{b: buf[frameHeadroom:], frame: framed(buf)}
}

// Bytes returns the packet as it goes on the wire (an Engine.IO message); the
// caller must not modify it.
func (p *Packet) Bytes() []byte { return p.message() }

// appendEvent appends the Engine.IO message of an EVENT (typ sioEvent, with
// event) or ACK (typ sioAck, event ""), with an ack id when id >= 0.
func appendEvent(dst []byte, typ byte, id int64, event string, args []json.RawMessage) []byte {
	dst = append(dst, pktMessage, typ)
	if id >= 0 {
		dst = strconv.AppendInt(dst, id, 10)
	}
	dst = append(dst, '[')
	if typ == sioEvent {
		dst = appendName(dst, event)
	}
	for i, a := range args {
		if i > 0 || typ == sioEvent {
			dst = append(dst, ',')
		}
		dst = append(dst, a...)
	}
	return append(dst, ']')
}

// appendName appends an event name as a JSON string: as it is when it is
// plain printable ASCII (every name SmartWait sends), else through json.Marshal.
func appendName(dst []byte, name string) []byte {
	if !plainName(name) {
		q, _ := json.Marshal(name) // a string always marshals
		return append(dst, q...)
	}
	return append(append(append(dst, '"'), name...), '"')
}

// plainName reports whether name is its own JSON string between quotes (no
// character encoding/json would escape).
func plainName(name string) bool {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// marshalArgs marshals Emit's and Ack's arguments.
func marshalArgs(args []any) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, len(args))
	for i, a := range args {
		b, err := json.Marshal(a)
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

// connectPacket is the server's answer to a CONNECT: 40{"sid":"<id>"}.
func connectPacket(sid string) []byte {
	return append(append([]byte(`40{"sid":"`), sid...), `"}`...)
}

// connectErrorPacket refuses a CONNECT: 44[<nsp>,]{"message":...,"data":...}.
func connectErrorPacket(nsp, message string, data any) []byte {
	body := struct {
		Message string `json:"message"`
		Data    any    `json:"data,omitempty"`
	}{message, data}
	b, err := json.Marshal(body)
	if err != nil { // data that cannot be marshalled: send the message alone
		b, _ = json.Marshal(struct {
			Message string `json:"message"`
		}{message})
	}
	out := []byte{pktMessage, sioConnectError}
	if nsp != "/" {
		out = append(append(out, nsp...), ',')
	}
	return append(out, b...)
}

// rawDisconnect is the server's DISCONNECT for the default namespace.
var rawDisconnect = []byte{pktMessage, sioDisconnect}

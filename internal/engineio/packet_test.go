package engineio

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestDecodeSIO(t *testing.T) {
	tests := []struct {
		in    string
		err   error
		typ   byte
		nsp   string
		ackID int64
		event string
		args  string // the args joined by |
		data  string
	}{
		{in: `0`, typ: sioConnect, nsp: "/", ackID: -1},
		{in: `0{"token":"t"}`, typ: sioConnect, nsp: "/", ackID: -1, data: `{"token":"t"}`},
		{in: `0/admin,{"a":1}`, typ: sioConnect, nsp: "/admin", ackID: -1, data: `{"a":1}`},
		{in: `0/admin`, typ: sioConnect, nsp: "/admin", ackID: -1},
		{in: `1`, typ: sioDisconnect, nsp: "/", ackID: -1},
		{in: `2["hi"]`, typ: sioEvent, nsp: "/", ackID: -1, event: "hi"},
		{in: `212["hi",1,{"a":[2]},"x"]`, typ: sioEvent, nsp: "/", ackID: 12, event: "hi", args: `1|{"a":[2]}|"x"`},
		{in: `2/ns,7["e"]`, typ: sioEvent, nsp: "/ns", ackID: 7, event: "e"},
		{in: `2 ["spaced"]`, typ: sioEvent, nsp: "/", ackID: -1, event: "spaced"},
		{in: `35[]`, typ: sioAck, nsp: "/", ackID: 5},
		{in: `35["a",2]`, typ: sioAck, nsp: "/", ackID: 5, args: `"a"|2`},
		{in: ``, err: errSIOPacket},
		{in: `4{"message":"x"}`, err: errSIOPacket},
		{in: `9`, err: errSIOPacket},
		{in: `51-["e",{"_placeholder":true,"num":0}]`, err: errSIOBinary},
		{in: `61-0[{"_placeholder":true,"num":0}]`, err: errSIOBinary},
		{in: `0"token"`, err: errSIOPayload},
		{in: `0[1]`, err: errSIOPayload},
		{in: `0{bad`, err: errSIOPayload},
		{in: `1{}`, err: errSIOPayload},
		{in: `2`, err: errSIOPayload},
		{in: `2[]`, err: errSIOPayload},
		{in: `2[1]`, err: errSIOPayload},
		{in: `2{"a":1}`, err: errSIOPayload},
		{in: `2["a"`, err: errSIOPayload},
		{in: `3[]`, err: errSIOPayload},
		{in: `3`, err: errSIOPayload},
		{in: `299999999999999999999["e"]`, err: errSIOPacket},
		{in: `29007199254740992["e"]`, err: errSIOPacket}, // 2^53
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := decodeSIO([]byte(tt.in))
			if err != tt.err {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			var args []string
			for _, a := range p.args {
				args = append(args, string(a))
			}
			if p.typ != tt.typ || p.nsp != tt.nsp || p.ackID != tt.ackID || p.event != tt.event ||
				strings.Join(args, "|") != tt.args || string(p.data) != tt.data {
				t.Errorf("got %+v", p)
			}
		})
	}
}

func TestSplitPayload(t *testing.T) {
	got, err := splitPayload([]byte("42[\"a\"]\x1e3\x1e1"))
	if err != nil || len(got) != 3 || string(got[0]) != `42["a"]` || string(got[1]) != "3" || string(got[2]) != "1" {
		t.Errorf("split = %q, %v", got, err)
	}
	for _, bad := range []string{"", "\x1e", "42[]\x1e", "0{}", "bAQID", "7", "4\x1eb"} {
		if _, err := splitPayload([]byte(bad)); err == nil {
			t.Errorf("splitPayload(%q) accepted", bad)
		}
	}
	if got := joinPayload([][]byte{[]byte("2"), []byte(`42["x"]`)}); string(got) != "2\x1e42[\"x\"]" {
		t.Errorf("joinPayload = %q", got)
	}
}

func TestEncoders(t *testing.T) {
	p, err := NewEvent(`a "quoted" é`, json.RawMessage(`{"n":1}`), json.RawMessage(`[2]`))
	if err != nil || string(p.Bytes()) != `42["a \"quoted\" é",{"n":1},[2]]` {
		t.Errorf("NewEvent = %q, %v", p.Bytes(), err)
	}
	if _, err := NewEvent("e", json.RawMessage(`{"n":`)); err == nil {
		t.Error("NewEvent accepted invalid JSON")
	}
	if got := appendEvent(nil, sioAck, 7, "", []json.RawMessage{json.RawMessage(`"x"`), json.RawMessage(`1`)}); string(got) != `437["x",1]` {
		t.Errorf("ack = %q", got)
	}
	if got := appendEvent(nil, sioAck, 0, "", nil); string(got) != `430[]` {
		t.Errorf("empty ack = %q", got)
	}
	if got := connectErrorPacket("/", "no", map[string]string{"code": "X"}); string(got) != `44{"message":"no","data":{"code":"X"}}` {
		t.Errorf("connect error = %q", got)
	}
	if got := connectErrorPacket("/x", "no", func() {}); string(got) != `44/x,{"message":"no"}` {
		t.Errorf("connect error with unmarshallable data = %q", got)
	}
}

// FuzzDecodePacket feeds arbitrary bytes to the decoders a client reaches: a
// polling payload, each of its Engine.IO packets and each message's Socket.IO
// packet. None may panic, and every EVENT or ACK accepted must survive being
// encoded again.
func FuzzDecodePacket(f *testing.F) {
	for _, s := range []string{
		"40", `40{"token":"secret"}`, "40/admin,", "41", `42["e",1]`, `4212["e",{"a":[1,"b"]}]`, `433["x"]`,
		"2probe", "3", "5", "6", "1", "42[\"a\"]\x1e3\x1e42[\"b\"]", "bAQID", `451-["e",{"_placeholder":true,"num":0}]`,
		"42/ns,9[\"e\"]", "4", "", "\x1e",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		pkts, err := splitPayload(body)
		if err != nil {
			return
		}
		if !bytes.Equal(joinPayload(pkts), body) {
			t.Fatalf("split and join changed %q", body)
		}
		for _, pkt := range pkts {
			typ, data, err := decodePacket(pkt)
			if err != nil {
				t.Fatalf("splitPayload accepted %q that decodePacket refuses", pkt)
			}
			if typ != pktMessage {
				continue
			}
			p, err := decodeSIO(data)
			if err != nil || (p.typ != sioEvent && p.typ != sioAck) {
				continue
			}
			enc := appendEvent(nil, p.typ, p.ackID, p.event, p.args)
			q, err := decodeSIO(enc[1:])
			if err != nil || q.typ != p.typ || q.event != p.event || q.ackID != p.ackID || len(q.args) != len(p.args) {
				t.Fatalf("%q re-encoded as %q decodes to %+v, %v", data, enc, q, err)
			}
		}
	})
}

// A direct packet is encoded where it is written; what it writes must be
// exactly NewTrustedEvent's message and frame, whatever the frame header's
// length (payloads around 125 and 65,535 bytes) and whether the event's name
// needs escaping.
func TestDirectEventMatchesTrustedEvent(t *testing.T) {
	for _, name := range []string{"position_update", `odd"name<&>`, "é"} {
		for _, size := range []int{2, 100, 116, 117, 118, 125, 200, 65520, 65530, 65540, 70000} {
			arg := json.RawMessage(`"` + strings.Repeat("x", size-2) + `"`)
			want := NewTrustedEvent(name, arg)
			got := NewDirectEvent(name, arg)
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Fatalf("%q, %d bytes: message %.40q, want %.40q", name, size, got.Bytes(), want.Bytes())
			}
			prefix := []byte("before")
			frame := got.appendFrame(append([]byte(nil), prefix...))
			if !bytes.Equal(frame[:len(prefix)], prefix) || !bytes.Equal(frame[len(prefix):], want.frame) {
				t.Fatalf("%q, %d bytes: frame %.20q, want %.20q", name, size, frame[len(prefix):], want.frame)
			}
		}
	}
}

package engineio_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"smartwait/internal/engineio"
)

func TestHandshakeAnnouncesSettings(t *testing.T) {
	h := newHarness(t, engineio.Config{PingInterval: 1500 * time.Millisecond, PingTimeout: 700 * time.Millisecond, MaxPayload: 4096})
	_, o := h.openPolling(t)
	if len(o.SID) != 20 || len(o.Upgrades) != 1 || o.Upgrades[0] != "websocket" ||
		o.PingInterval != 1500 || o.PingTimeout != 700 || o.MaxPayload != 4096 {
		t.Errorf("open packet %+v", o)
	}
	if got := h.srv.Stats().Sessions; got != 1 {
		t.Errorf("Sessions = %d, want 1", got)
	}
}

func TestProtocolErrors(t *testing.T) {
	h := newHarness(t, engineio.Config{})
	p, _ := h.openPolling(t)
	tests := []struct {
		name, method, query string
		status              int
		code                string
	}{
		{"old protocol", "GET", "EIO=3&transport=polling", 400, `"code":5`},
		{"no protocol", "GET", "transport=polling", 400, `"code":5`},
		{"unknown transport", "GET", "EIO=4&transport=flash", 400, `"code":0`},
		{"unknown session", "GET", "EIO=4&transport=polling&sid=nope", 400, `"code":1`},
		{"handshake by POST", "POST", "EIO=4&transport=polling", 400, `"code":2`},
		{"websocket without upgrade", "GET", "EIO=4&transport=websocket&sid=" + p.sid, 400, `"code":3`},
		{"PUT", "PUT", "EIO=4&transport=polling&sid=" + p.sid, 400, `"code":3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := request(t, tt.method, h.ts.URL+"/socket.io/?"+tt.query, "", nil)
			if resp.StatusCode != tt.status || !strings.Contains(body, tt.code) {
				t.Errorf("%d %s, want %d with %s", resp.StatusCode, body, tt.status, tt.code)
			}
		})
	}
}

func TestPollingEventsAndAcksInOnePayload(t *testing.T) {
	h := newHarness(t, engineio.Config{})
	p, _ := h.openPolling(t)
	p.connect()
	p.mustPost("421[\"echo\",\"a\",2]\x1e422[\"echo\",{\"k\":[1,null]}]\x1e42[\"echo\",\"no ack\"]")
	var got []string
	for len(got) < 2 {
		got = append(got, p.nextMessage()...)
	}
	if want := []string{`431["a",2]`, `432[{"k":[1,null]}]`}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("acks %q, want %q", got, want)
	}
	if h.srv.Connections() != 1 {
		t.Errorf("Connections = %d, want 1", h.srv.Connections())
	}
}

func TestServerAckRequest(t *testing.T) {
	h := newHarness(t, engineio.Config{})
	ws := h.openWebsocket(t)
	writeText(t, ws, `42["ask","why"]`)
	if got := readMessage(t, ws); got != `420["question","why"]` {
		t.Fatalf("question %q", got)
	}
	writeText(t, ws, `430["because",1]`)
	if got := readMessage(t, ws); got != `42["answer","because",1]` {
		t.Errorf("answer %q", got)
	}
}

func TestConnectErrorThenRetry(t *testing.T) {
	h := newHarness(t, engineio.Config{})
	p, _ := h.openPolling(t)
	p.mustPost(`40{"token":"wrong"}`)
	if got := p.nextMessage(); len(got) != 1 || got[0] != `44{"message":"unauthorized","data":{"code":"UNAUTHORIZED"}}` {
		t.Fatalf("bad token answered %q", got)
	}
	if h.srv.Connections() != 0 {
		t.Errorf("a refused socket counts as connected")
	}
	p.connect() // the same session may try again
}

func TestOnlyTheDefaultNamespaceExists(t *testing.T) {
	h := newHarness(t, engineio.Config{})
	p, _ := h.openPolling(t)
	p.mustPost(`40/admin,{"token":"secret"}`)
	if got := p.nextMessage(); len(got) != 1 || got[0] != `44/admin,{"message":"Invalid namespace"}` {
		t.Fatalf("CONNECT /admin answered %q", got)
	}
}

func TestMalformedPacketsEndTheConnection(t *testing.T) {
	for _, pkt := range []string{`42"not an array"`, `42[]`, `42[1]`, `40"auth"`, `451-["bin",{"_placeholder":true,"num":0}]`, `4x`, `9`} {
		t.Run(pkt, func(t *testing.T) {
			h := newHarness(t, engineio.Config{})
			ws := h.openWebsocket(t)
			writeText(t, ws, pkt)
			readUntilClosed(t, ws)
			eventually(t, "the parse error", func() bool { return h.app.LastDisconnect() == engineio.ReasonParseError })
		})
	}
}

func TestBinaryIsRefused(t *testing.T) {
	h := newHarness(t, engineio.Config{})
	ws := h.openWebsocket(t)
	if err := ws.WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	readUntilClosed(t, ws)
	eventually(t, "parse error", func() bool { return h.app.LastDisconnect() == engineio.ReasonParseError })

	p, _ := h.openPolling(t)
	p.connect()
	if code, _ := p.post("bAQID"); code != http.StatusBadRequest {
		t.Errorf("polling binary packet: %d, want 400", code)
	}
}

// A client whose queue overflows is disconnected and counted, and what
// overflowed it (here its own handler) is not held up.
func TestOverflowDisconnectsAndCounts(t *testing.T) {
	h := newHarness(t, engineio.Config{QueueSize: 8})
	p, _ := h.openPolling(t)
	p.connect()
	p.mustPost(`42["flood",100]`) // 100 emits into a queue of 8 nobody polls
	if got := h.srv.Stats(); got.Overflows != 1 || got.Sockets != 0 || got.Sessions != 0 {
		t.Errorf("Stats = %+v, want one overflow and nothing open", got)
	}
	if got := h.app.LastDisconnect(); got != engineio.ReasonSlow {
		t.Errorf("disconnect reason %q, want %q", got, engineio.ReasonSlow)
	}
	if code, body := p.get(); code != http.StatusBadRequest || !strings.Contains(body, `"code":1`) {
		t.Errorf("poll after the overflow: %d %s", code, body)
	}
}

func TestPingTimeoutClosesASilentClient(t *testing.T) {
	h := newHarness(t, engineio.Config{PingInterval: 20 * time.Millisecond, PingTimeout: 20 * time.Millisecond})
	ws := h.openWebsocket(t)
	readUntilClosed(t, ws) // reads the pings, never answers
	eventually(t, "ping timeout", func() bool { return h.app.LastDisconnect() == engineio.ReasonPingTimeout })
}

func TestPongsKeepAClientConnected(t *testing.T) {
	h := newHarness(t, engineio.Config{PingInterval: 10 * time.Millisecond, PingTimeout: 200 * time.Millisecond})
	ws := h.openWebsocket(t)
	for i := 0; i < 10; i++ {
		if got := readText(t, ws); got != "2" {
			t.Fatalf("packet %q, want a ping", got)
		}
		writeText(t, ws, "3")
	}
	writeText(t, ws, `421["echo","alive"]`)
	if got := readMessage(t, ws); got != `431["alive"]` {
		t.Errorf("echo after 10 heartbeats: %q", got)
	}
	if got := h.app.LastDisconnect(); got != "" {
		t.Errorf("disconnected: %q", got)
	}
}

func TestUpgradeFromPollingToWebsocket(t *testing.T) {
	h := newHarness(t, engineio.Config{})
	p, _ := h.openPolling(t)
	p.connect()
	pending := make(chan string, 1)
	go func() {
		_, body := request(t, http.MethodGet, p.url(), "", nil)
		pending <- body
	}()
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(h.url("transport=websocket&sid="+p.sid), "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	writeText(t, ws, "2probe")
	if got := readText(t, ws); got != "3probe" {
		t.Fatalf("probe answered %q", got)
	}
	if got := <-pending; got != "6" {
		t.Errorf("the pending poll got %q, want a noop", got)
	}
	writeText(t, ws, "5")
	writeText(t, ws, `421["echo","over websocket"]`)
	if got := readMessage(t, ws); got != `431["over websocket"]` {
		t.Errorf("echo after the upgrade: %q", got)
	}
	if code, body := p.get(); code != http.StatusBadRequest || !strings.Contains(body, `"code":3`) {
		t.Errorf("poll after the upgrade: %d %s", code, body)
	}
}

func TestMaxPayload(t *testing.T) {
	big := `42["echo","` + strings.Repeat("x", 200) + `"]`
	t.Run("polling", func(t *testing.T) {
		h := newHarness(t, engineio.Config{MaxPayload: 100})
		p, _ := h.openPolling(t)
		p.connect()
		if code, _ := p.post(big); code != http.StatusRequestEntityTooLarge {
			t.Errorf("POST of %d bytes: %d, want 413", len(big), code)
		}
		eventually(t, "transport error", func() bool { return h.app.LastDisconnect() == engineio.ReasonTransportError })
	})
	t.Run("websocket", func(t *testing.T) {
		h := newHarness(t, engineio.Config{MaxPayload: 100})
		ws := h.openWebsocket(t)
		writeText(t, ws, big)
		readUntilClosed(t, ws)
		eventually(t, "transport error", func() bool { return h.app.LastDisconnect() == engineio.ReasonTransportError })
	})
}

func TestCORS(t *testing.T) {
	h := newHarness(t, engineio.Config{})
	allowed := http.Header{"Origin": {allowedOrigin}}
	resp, body := request(t, http.MethodGet, h.url("transport=polling"), "", allowed)
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != allowedOrigin ||
		resp.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("allowed origin: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	resp, _ = request(t, http.MethodOptions, h.url("transport=polling"), "", http.Header{"Origin": {allowedOrigin}, "Access-Control-Request-Headers": {"content-type"}})
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Methods") == "" || resp.Header.Get("Access-Control-Allow-Headers") != "content-type" {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	resp, body = request(t, http.MethodGet, h.url("transport=polling"), "", http.Header{"Origin": {"http://evil.example"}})
	if resp.StatusCode != 403 || !strings.Contains(body, `"code":4`) || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("foreign origin: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	d := websocket.Dialer{}
	if _, resp, err := d.Dial("ws"+strings.TrimPrefix(h.url("transport=websocket"), "http"), http.Header{"Origin": {"http://evil.example"}}); err == nil || resp == nil || resp.StatusCode != 403 {
		t.Errorf("foreign origin websocket: %v", err)
	}
}

// The DISCONNECT goes out alone and the close packet in the next poll: in
// one payload, socket.io-client would see the close first and reconnect.
func TestServerDisconnectOverPolling(t *testing.T) {
	h := newHarness(t, engineio.Config{})
	p, _ := h.openPolling(t)
	p.connect()
	p.mustPost(`42["kick"]`)
	if got := p.nextMessage(); strings.Join(got, "|") != "41" {
		t.Errorf("first poll after kick %q, want the DISCONNECT alone", got)
	}
	if got := p.mustGet(); got != "1" {
		t.Errorf("second poll %q, want the close packet", got)
	}
	if got := h.app.LastDisconnect(); got != engineio.ReasonServerDisconnect {
		t.Errorf("reason %q", got)
	}
	if got := h.srv.Stats(); got.Sessions != 0 || got.Sockets != 0 {
		t.Errorf("Stats after disconnect: %+v", got)
	}
}

func TestServerDisconnectOverWebsocket(t *testing.T) {
	h := newHarness(t, engineio.Config{})
	ws := h.openWebsocket(t)
	writeText(t, ws, `42["kick"]`)
	if got := readMessage(t, ws); got != "41" {
		t.Errorf("after kick %q, want the DISCONNECT", got)
	}
	readUntilClosed(t, ws)
	eventually(t, "no session left", func() bool { return h.srv.Stats().Sessions == 0 })
}

func TestCloseDisconnectsEveryone(t *testing.T) {
	h := newHarness(t, engineio.Config{})
	ws := h.openWebsocket(t)
	p, _ := h.openPolling(t)
	p.connect()
	pending := make(chan string, 1)
	go func() {
		_, body := request(t, http.MethodGet, p.url(), "", nil)
		pending <- body
	}()
	eventually(t, "both connected and polling", func() bool {
		st := h.srv.Stats()
		return st.Sockets == 2 && st.Polls == 1
	})
	h.srv.Close()
	readUntilClosed(t, ws)
	if got := <-pending; got != "1" {
		t.Errorf("pending poll got %q, want the close packet", got)
	}
	if got := h.app.LastDisconnect(); got != engineio.ReasonServerShutdown {
		t.Errorf("reason %q", got)
	}
	if resp, _ := request(t, http.MethodGet, h.url("transport=polling"), "", nil); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("handshake after Close: %d", resp.StatusCode)
	}
}

func TestConnectTimeoutClosesIdleSessions(t *testing.T) {
	h := newHarness(t, engineio.Config{ConnectTimeout: 20 * time.Millisecond})
	p, _ := h.openPolling(t) // and never sends CONNECT
	eventually(t, "the session closed", func() bool { return h.srv.Stats().Sessions == 0 })
	if code, _ := p.get(); code != http.StatusBadRequest {
		t.Errorf("poll after the timeout: %d, want 400", code)
	}
}

func TestRoomFanOutSendsOnePacketToEveryMember(t *testing.T) {
	h := newHarness(t, engineio.Config{})
	a, b := h.openWebsocket(t), h.openWebsocket(t)
	for _, ws := range []*websocket.Conn{a, b} {
		writeText(t, ws, `421["join","r"]`)
		if got := readMessage(t, ws); got != `431["joined","r"]` {
			t.Fatalf("join: %q", got)
		}
	}
	writeText(t, a, `42["to-room","r","news",{"n":1}]`)
	for _, ws := range []*websocket.Conn{a, b} {
		if got := readMessage(t, ws); got != `42["news",{"n":1}]` {
			t.Errorf("member got %q", got)
		}
	}
}

package engineio_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"smartwait/internal/engineio"
	"smartwait/internal/engineio/internal/echoapp"
)

// harness is an httptest server running echoapp on engineio, with raw
// protocol clients: the tests see exactly what goes over the wire. (The Node
// suite e2e/engine.test.mjs drives the same app with socket.io-client.)
type harness struct {
	srv *engineio.Server
	app *echoapp.App
	ts  *httptest.Server
}

const allowedOrigin = "http://allowed.example"

func newHarness(tb testing.TB, cfg engineio.Config) *harness {
	tb.Helper()
	h := &harness{app: echoapp.New()}
	cfg.OnConnect = h.app.OnConnect
	cfg.AllowOrigin = func(r *http.Request) bool { return r.Header.Get("Origin") == allowedOrigin }
	h.srv = engineio.New(cfg)
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", h.srv)
	h.ts = httptest.NewServer(mux)
	tb.Cleanup(func() {
		h.srv.Close()
		h.ts.Close()
	})
	return h
}

// url is the Engine.IO endpoint with the given extra query.
func (h *harness) url(query string) string {
	return h.ts.URL + "/socket.io/?EIO=4&" + query
}

// eventually polls cond until it holds, failing after a generous deadline.
func eventually(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// open is the decoded handshake packet.
type open struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int      `json:"pingInterval"`
	PingTimeout  int      `json:"pingTimeout"`
	MaxPayload   int      `json:"maxPayload"`
}

func parseOpen(tb testing.TB, pkt string) open {
	tb.Helper()
	var o open
	if !strings.HasPrefix(pkt, "0") || json.Unmarshal([]byte(pkt[1:]), &o) != nil || o.SID == "" {
		tb.Fatalf("handshake answer %q is not an open packet", pkt)
	}
	return o
}

// poller is a raw long-polling client of one session.
type poller struct {
	tb  testing.TB
	h   *harness
	sid string
}

// request sends one request and returns its status and body.
func request(tb testing.TB, method, url, body string, header http.Header) (*http.Response, string) {
	tb.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp, string(b)
}

// openPolling opens a polling session.
func (h *harness) openPolling(tb testing.TB) (*poller, open) {
	tb.Helper()
	resp, body := request(tb, http.MethodGet, h.url("transport=polling"), "", nil)
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("handshake: %d %s", resp.StatusCode, body)
	}
	o := parseOpen(tb, body)
	return &poller{tb: tb, h: h, sid: o.SID}, o
}

func (p *poller) url() string { return p.h.url("transport=polling&sid=" + p.sid) }

// get polls once and returns the status and payload.
func (p *poller) get() (int, string) {
	p.tb.Helper()
	resp, body := request(p.tb, http.MethodGet, p.url(), "", nil)
	return resp.StatusCode, body
}

// post sends a payload and returns the status and answer.
func (p *poller) post(payload string) (int, string) {
	p.tb.Helper()
	resp, body := request(p.tb, http.MethodPost, p.url(), payload, nil)
	return resp.StatusCode, body
}

// mustPost posts and requires "ok".
func (p *poller) mustPost(payload string) {
	p.tb.Helper()
	if code, body := p.post(payload); code != http.StatusOK || body != "ok" {
		p.tb.Fatalf("POST %q: %d %s", payload, code, body)
	}
}

// mustGet polls and requires 200.
func (p *poller) mustGet() string {
	p.tb.Helper()
	code, body := p.get()
	if code != http.StatusOK {
		p.tb.Fatalf("GET: %d %s", code, body)
	}
	return body
}

// nextMessage polls until a payload with something besides pings arrives,
// answering pings, and returns its packets without the pings.
func (p *poller) nextMessage() []string {
	p.tb.Helper()
	for {
		var out []string
		for _, pkt := range strings.Split(p.mustGet(), "\x1e") {
			if pkt == "2" {
				p.mustPost("3")
				continue
			}
			out = append(out, pkt)
		}
		if len(out) > 0 {
			return out
		}
	}
}

// connect sends CONNECT with the app's token and checks the answer.
func (p *poller) connect() {
	p.tb.Helper()
	p.mustPost(`40{"token":"secret"}`)
	if got := p.nextMessage(); len(got) != 1 || !strings.HasPrefix(got[0], `40{"sid":"`) {
		p.tb.Fatalf("CONNECT answered %q", got)
	}
}

// openWebsocket opens a websocket-only session and connects its socket.
func (h *harness) openWebsocket(tb testing.TB) *websocket.Conn {
	tb.Helper()
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(h.url("transport=websocket"), "http"), nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ws.Close() })
	o := parseOpen(tb, readText(tb, ws))
	if len(o.Upgrades) != 0 {
		tb.Errorf("a websocket session offers upgrades %v", o.Upgrades)
	}
	writeText(tb, ws, `40{"token":"secret"}`)
	if got := readMessage(tb, ws); !strings.HasPrefix(got, `40{"sid":"`) {
		tb.Fatalf("CONNECT answered %q", got)
	}
	return ws
}

func readText(tb testing.TB, ws *websocket.Conn) string {
	tb.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	typ, b, err := ws.ReadMessage()
	if err != nil || typ != websocket.TextMessage {
		tb.Fatalf("read: type %d, %v", typ, err)
	}
	return string(b)
}

// readMessage reads the next packet that is not a ping, answering pings.
func readMessage(tb testing.TB, ws *websocket.Conn) string {
	tb.Helper()
	for {
		if pkt := readText(tb, ws); pkt != "2" {
			return pkt
		}
		writeText(tb, ws, "3")
	}
}

func writeText(tb testing.TB, ws *websocket.Conn, s string) {
	tb.Helper()
	if err := ws.WriteMessage(websocket.TextMessage, []byte(s)); err != nil {
		tb.Fatal(err)
	}
}

// readUntilClosed reads until the server closes the connection, and fails if
// it does not within the read deadline.
func readUntilClosed(tb testing.TB, ws *websocket.Conn) {
	tb.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		if _, _, err := ws.ReadMessage(); err != nil {
			if ne, ok := err.(interface{ Timeout() bool }); ok && ne.Timeout() {
				tb.Fatal("the server did not close the connection")
			}
			return
		}
	}
}

// dialConnected opens a websocket-only session on the engine served at base
// (an httptest URL) and connects its socket with no auth; the connection is
// closed at the end of the test.
func dialConnected(tb testing.TB, base string) *websocket.Conn {
	tb.Helper()
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/socket.io/?EIO=4&transport=websocket", nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ws.Close() })
	readText(tb, ws)
	writeText(tb, ws, "40")
	readMessage(tb, ws)
	return ws
}

package loadgen

import (
	"context"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"smartwait/internal/auth"
	"smartwait/internal/events"
	"smartwait/internal/queue"
	"smartwait/internal/realtime"
	"smartwait/internal/socketio"
	"smartwait/internal/sqlite"
	"smartwait/internal/sqlite/sqlitetest"
)

// sioServer is the real Socket.IO server on the real hub, queue and auth
// services over a SQLite file: what `smartwait load` connects to.
type sioServer struct {
	url    string
	queue  *queue.Service
	broker *realtime.MemoryBroker
	sio    *socketio.Server
}

func newSIOServer(tb testing.TB) *sioServer {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), sqlitetest.Migrated(tb, "load.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	hub := realtime.NewHub(realtime.Config{})
	broker := realtime.NewMemoryBroker()
	if err := broker.Start(context.Background(), hub); err != nil {
		tb.Fatal(err)
	}
	q := &queue.Service{Store: db, Config: queue.DefaultConfig()}
	sio, err := socketio.New(socketio.Config{Hub: hub, Auth: &auth.Service{Store: db, Cost: bcrypt.MinCost}, Patients: q})
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(sio.Handler())
	tb.Cleanup(func() {
		sio.Close()
		hub.Close()
		srv.Close()
	})
	return &sioServer{url: srv.URL, queue: q, broker: broker, sio: sio}
}

// checkIn returns a patient of the run, checked in on the server.
func (s *sioServer) checkIn(tb testing.TB, phone string) *patient {
	tb.Helper()
	p, err := s.queue.CheckIn(context.Background(), queue.CheckInRequest{Name: "Load", Phone: phone, AppointmentTime: "10:00"})
	if err != nil {
		tb.Fatal(err)
	}
	return &patient{id: p.ID, position: p.Position, versions: map[int64]bool{}}
}

// publish sends patient p a position_update of version v, as a call-next does.
func (s *sioServer) publish(tb testing.TB, p *patient, v int64) {
	tb.Helper()
	b := realtime.Batch{Stream: realtime.DefaultStream, Version: v}
	b.Add(events.PatientRoom(p.id), "position_update", map[string]any{"type": "position_update", "version": v})
	if err := s.broker.Publish(b); err != nil {
		tb.Fatal(err)
	}
}

// dial connects p for the test, as a run does (runner.join: a dial the
// client library never connects is dialled again). Set a short
// ConnectTimeout in the runner's config.
func dial(tb testing.TB, r *runner, p *patient) {
	tb.Helper()
	if err := r.join(context.Background(), p); err != nil {
		tb.Fatal(err)
	}
}

// waitFor polls cond until it holds, failing after a generous deadline.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond) // polling with a deadline
	}
}

// TestSocketOutlivesConnectTimeout: the connect timeout bounds connecting,
// never a socket that is connected. A socket open for several times the
// timeout still receives its events, and the run records no close.
func TestSocketOutlivesConnectTimeout(t *testing.T) {
	srv := newSIOServer(t)
	cfg := DefaultConfig()
	cfg.URL, cfg.ConnectTimeout = srv.url, 500*time.Millisecond
	r := newRunner(cfg)
	p := srv.checkIn(t, "+14155552671")
	dial(t, r, p)
	s := p.sock
	t.Cleanup(r.closeSockets)

	// The point of the test is time passing beyond the timeout: wait it out.
	<-time.After(4 * cfg.ConnectTimeout)

	r.sent = make([]atomic.Int64, 2)
	r.sent[1].Store(time.Now().UnixNano())
	r.calls = 1
	srv.publish(t, p, 1)
	waitFor(t, "the event on a socket connected for longer than the connect timeout", func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.versions[1]
	})
	if !s.Connected() {
		t.Error("socket disconnected")
	}
	if n := srv.sio.Connections(); n != 1 {
		t.Errorf("server has %d connections, want 1", n)
	}
}

// TestLibraryConnectTimerCannotFireDuringRun: the Socket.IO client library's
// own connect timer can escape being cleared when the connection opens fast
// (see libraryTimeout) and then closes a connected socket when it fires. It is
// set beyond any run, so it never fires while the run counts on the socket;
// the run's connect timeout is dial's own.
func TestLibraryConnectTimerCannotFireDuringRun(t *testing.T) {
	srv := newSIOServer(t)
	cfg := DefaultConfig()
	cfg.URL, cfg.ConnectTimeout = srv.url, 300*time.Millisecond
	r := newRunner(cfg)
	p := srv.checkIn(t, "+14155552671")
	dial(t, r, p)
	t.Cleanup(r.closeSockets)
	if got := p.sock.Io().Timeout(); got == nil || *got <= MaxDuration+time.Minute {
		t.Fatalf("library connect timeout = %v, want beyond the longest run (%s) and its cleanup", got, MaxDuration)
	}
}

// TestReportTellsClosedSocketsFromUnsentEvents: of two patients who both miss
// an event, one whose socket the client gave up on during the run and one
// whose socket stayed open, the report puts the first under "socket closed"
// with who closed it, and only the second under "server never sent".
func TestReportTellsClosedSocketsFromUnsentEvents(t *testing.T) {
	srv := newSIOServer(t)
	cfg := DefaultConfig()
	cfg.URL, cfg.ConnectTimeout = srv.url, 2*time.Second
	r := newRunner(cfg)
	gone, open := srv.checkIn(t, "+14155552671"), srv.checkIn(t, "+14155552672")
	for _, p := range []*patient{gone, open} {
		dial(t, r, p)
		r.patients = append(r.patients, p)
	}
	t.Cleanup(r.closeSockets)

	// The client library gives up on it mid-run, as its escaped connect timer
	// does (Manager.Open's timeout: emit "error", close the engine).
	gone.sock.Io().Emit("error", errors.New("timeout"))
	gone.sock.Io().Engine().Close()
	waitFor(t, "the close to be recorded", func() bool {
		gone.mu.Lock()
		defer gone.mu.Unlock()
		return gone.closedBy != ""
	})
	r.v0, r.calls = 0, 1
	r.sent = make([]atomic.Int64, 2)
	r.sent[1].Store(time.Now().UnixNano())
	// The server sends nothing for call 1.
	var rep Report
	r.tally(&rep)
	if rep.Events.Expected != 2 || rep.Events.Missing != 2 || rep.Events.NotSent != 1 || rep.Events.SocketClosed != 1 {
		t.Errorf("events = %+v, want 2 expected, 2 missing: 1 not sent, 1 on a closed socket", rep.Events)
	}
	want := map[string]int{"client gave up: timeout": 1}
	if len(rep.SocketsClosed) != 1 || rep.SocketsClosed["client gave up: timeout"] != 1 {
		t.Errorf("sockets closed = %v, want %v", rep.SocketsClosed, want)
	}
	var out strings.Builder
	if err := rep.Write(&out); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"missing on sockets open to the end (server never sent): 1",
		"missing on sockets that closed during the run: 1",
		"sockets closed during the run, client gave up: timeout: 1",
	} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("report lacks %q:\n%s", line, out.String())
		}
	}

	// Closing the sockets at the end of the run is not news.
	r.closeSockets()
	open.mu.Lock()
	defer open.mu.Unlock()
	if open.closedBy != "" {
		t.Errorf("closing at the end recorded %q", open.closedBy)
	}
}

func TestCloseCause(t *testing.T) {
	for reason, want := range map[string]string{
		"io server disconnect": "server closed: io server disconnect",
		"io client disconnect": "client gave up: io client disconnect",
		"ping timeout":         "client gave up: ping timeout",
		"transport close":      "connection lost: transport close",
	} {
		if got := closeCause(reason); got != want {
			t.Errorf("closeCause(%q) = %q, want %q", reason, got, want)
		}
	}
}

// TestConnectRedialsASocketThatNeverConnects: a dial whose socket never
// connects (what the client library does when it misses its own open; here
// the server swallows the first connection) is dialled again: the patient
// joins, the phase counts no failure, and the report says a socket was
// dialled again. A server that never lets a socket connect still fails it,
// after dialAttempts dials, saying which step never came. (The server here
// upgrades the connection and never sends the Engine.IO open, which is what
// the client sees when its library misses the open.)
func TestConnectRedialsASocketThatNeverConnects(t *testing.T) {
	for _, tc := range []struct {
		swallow      int64 // connections the server swallows
		failed       int
		redials      int64
		errorContain string
	}{
		{swallow: 1, failed: 0, redials: 1},
		{swallow: 100, failed: 1, redials: dialAttempts - 1, errorContain: "no Socket.IO connect within"},
	} {
		t.Run(fmt.Sprintf("swallow %d", tc.swallow), func(t *testing.T) {
			srv := newSIOServer(t)
			var left atomic.Int64
			left.Store(tc.swallow)
			var mu sync.Mutex
			var held []net.Conn
			front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if left.Add(-1) >= 0 { // upgrade to a websocket that never says a word
					c, _, err := http.NewResponseController(w).Hijack()
					if err != nil {
						return
					}
					sum := sha1.Sum([]byte(r.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
					fmt.Fprintf(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
						base64.StdEncoding.EncodeToString(sum[:]))
					mu.Lock()
					held = append(held, c)
					mu.Unlock()
					return
				}
				srv.sio.Handler().ServeHTTP(w, r)
			}))
			t.Cleanup(func() {
				mu.Lock()
				for _, c := range held {
					c.Close()
				}
				mu.Unlock()
				front.Close()
			})
			cfg := DefaultConfig()
			cfg.URL, cfg.ConnectTimeout = front.URL, 300*time.Millisecond
			r := newRunner(cfg)
			p := srv.checkIn(t, "+14155552671")
			r.patients = []*patient{p}
			t.Cleanup(r.closeSockets)
			var ph Phase
			r.connect(context.Background(), &ph)
			if ph.Failed != tc.failed || r.redials.Load() != tc.redials {
				t.Fatalf("failed %d (%v), dialled again %d; want %d failed, %d dialled again", ph.Failed, ph.Errors, r.redials.Load(), tc.failed, tc.redials)
			}
			if tc.failed == 0 && p.sock == nil {
				t.Fatal("the patient has no socket after the second dial")
			}
			if tc.errorContain != "" && (len(ph.Errors) == 0 || !strings.Contains(ph.Errors[0], tc.errorContain)) {
				t.Fatalf("errors %v, want one saying %q", ph.Errors, tc.errorContain)
			}
		})
	}
}

package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// stopBound is how long a test lets a shutdown take before calling it hung: far
// above the few seconds a clean one takes, and far below the 20 s a stalled
// client used to hold it. A guard, not a speed assertion.
const stopBound = 10 * time.Second

// openStallingClients opens, against a running server at base (http://host:port),
// the connections that used to hold a graceful shutdown: a request whose body a
// client trickles (it is in the handler, reading: the server has asked for the
// body with "100 Continue"), an idle keep-alive connection, an open Server-Sent
// Event stream and an open Socket.IO WebSocket. It returns them for closing.
func openStallingClients(tb testing.TB, base string) []io.Closer {
	tb.Helper()
	host := strings.TrimPrefix(base, "http://")
	var open []io.Closer
	dial := func() net.Conn {
		c, err := net.Dial("tcp", host)
		if err != nil {
			tb.Fatal(err)
		}
		open = append(open, c)
		return c
	}

	trickle := dial()
	io.WriteString(trickle, "POST /api/checkin HTTP/1.1\r\nHost: "+host+"\r\nContent-Type: application/json\r\n"+
		"Content-Length: 4000\r\nExpect: 100-continue\r\n\r\n")
	br := bufio.NewReader(trickle)
	if line, err := br.ReadString('\n'); err != nil || !strings.Contains(line, "100 Continue") {
		tb.Fatalf("trickling client: got %q, %v; want 100 Continue", line, err)
	}
	io.WriteString(trickle, `{"name":"Slow`)
	go func() { // one byte now and then, until the server hangs up
		for {
			time.Sleep(200 * time.Millisecond)
			if _, err := trickle.Write([]byte(" ")); err != nil {
				return
			}
		}
	}()

	idle := dial()
	io.WriteString(idle, "GET /health HTTP/1.1\r\nHost: "+host+"\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(idle), nil)
	if err != nil {
		tb.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	sse, err := http.Get(base + "/api/events/display")
	if err != nil {
		tb.Fatal(err)
	}
	open = append(open, sse.Body)
	if line, err := bufio.NewReader(sse.Body).ReadString('\n'); err != nil || line == "" {
		tb.Fatalf("event stream: %q, %v", line, err)
	}

	ws, _, err := websocket.DefaultDialer.Dial("ws://"+host+"/socket.io/?EIO=4&transport=websocket", nil)
	if err != nil {
		tb.Fatal(err)
	}
	open = append(open, ws.NetConn())
	if _, msg, err := ws.ReadMessage(); err != nil || !strings.HasPrefix(string(msg), "0{") {
		tb.Fatalf("socket: first message %q, %v; want the Engine.IO open packet", msg, err)
	}
	tb.Cleanup(func() {
		for _, c := range open {
			c.Close()
		}
	})
	return open
}

// TestServeShutdownDoesNotWaitForStalledClients: a client trickling a request
// body, an idle keep-alive connection, an event stream and a socket do not hold
// the graceful shutdown. run returns nil, and the SMS dispatcher stops before the
// database closes (it used to be abandoned when a stalled request had used up
// the deadline, and drained into a closed database).
func TestServeShutdownDoesNotWaitForStalledClients(t *testing.T) {
	srv := startServer(t, map[string]string{
		"DATABASE_URL": filepath.Join(t.TempDir(), "stop.db"), "SMARTWAIT_LOG_LEVEL": "debug",
	})
	c := &client{tb: t, base: srv.URL}
	c.must(http.StatusCreated, "POST", "/api/checkin", map[string]string{"name": "Ann Lee", "phone": "+14155552671", "appointmentTime": "09:30"}, nil)
	openStallingClients(t, srv.URL)

	stopped := make(chan error, 1)
	go func() { stopped <- srv.stop() }()
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("shutdown: %v\nlog:\n%s", err, srv.Log.String())
		}
	case <-time.After(stopBound):
		t.Fatalf("shutdown still running after %v\nlog:\n%s", stopBound, srv.Log.String())
	}

	log := srv.Log.String()
	if strings.Contains(log, "database is closed") {
		t.Errorf("a part used the database after it closed:\n%s", log)
	}
	disp, db := strings.Index(log, `msg=stopped step="sms dispatcher"`), strings.Index(log, "msg=stopped step=database")
	if disp < 0 || db < 0 || disp > db {
		t.Errorf("want the sms dispatcher stopped, then the database; log:\n%s", log)
	}
	if !strings.Contains(log, "cut requests whose body was still arriving") {
		t.Errorf("the trickled request was not cut; log:\n%s", log)
	}
}

// TestMainExitsZeroOnSIGTERM runs the real main in a child process (this test
// binary, re-executed), holds a trickled request and the other long-lived
// connections open, sends SIGTERM, and expects exit status 0.
func TestMainExitsZeroOnSIGTERM(t *testing.T) {
	if os.Getenv("SMARTWAIT_TEST_MAIN") == "1" {
		os.Args = []string{"smartwait", "serve", "--addr", "127.0.0.1:0"}
		main()
		return // main returning is exit status 0, as for the real binary
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestMainExitsZeroOnSIGTERM$")
	cmd.Env = append(os.Environ(), "SMARTWAIT_TEST_MAIN=1", "SMARTWAIT_BCRYPT_COST=4",
		"DATABASE_URL="+filepath.Join(t.TempDir(), "main.db"))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listeningRE.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
	}()
	var base string
	select {
	case base = <-urls:
	case <-time.After(startTimeout):
		t.Fatalf("the child printed no address\nstderr:\n%s", stderr.String())
	}
	openStallingClients(t, base)

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("after SIGTERM: %v, want exit status 0\nstderr:\n%s", err, stderr.String())
		}
	case <-time.After(stopBound):
		t.Fatalf("still running %v after SIGTERM\nstderr:\n%s", stopBound, stderr.String())
	}
	if !strings.Contains(stderr.String(), "msg=stopped") {
		t.Errorf("no clean stop in the log:\n%s", stderr.String())
	}
}

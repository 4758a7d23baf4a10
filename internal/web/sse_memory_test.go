package web

import (
	"bufio"
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"
)

// openRawStream opens a display stream over a plain TCP connection and reads
// up to its snapshot, so the client side holds nothing but the connection.
func openRawStream(tb testing.TB, addr string) net.Conn {
	tb.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "GET /api/events/display HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
	br := bufio.NewReaderSize(c, 64)
	status, err := br.ReadString('\n')
	if err != nil || !strings.Contains(status, " 200 ") {
		tb.Fatalf("stream answered %q: %v", status, err)
	}
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			tb.Fatalf("no snapshot: %v", err)
		}
		if strings.HasPrefix(line, "event: queue_update") {
			break
		}
	}
	_ = c.SetDeadline(time.Time{})
	return c
}

// An open event stream must cost the server little: a page keeps one open per
// patient. Served on net/http's handler goroutine, a stream kept that
// goroutine's grown stack and net/http's read, write and chunk buffers plus
// an 8 KiB buffer of its own (~46 KiB of RSS each). 100 idle streams on the
// real handler stack must hold less than 16 KiB of heap and stack each, and
// every one must be let go when its client leaves.
func TestIdleSSEStreamsAreSmall(t *testing.T) {
	rh, srv := newSSEServer(t, time.Hour)
	addr := strings.TrimPrefix(srv.URL, "http://")
	openRawStream(t, addr).Close() // the first request's one-time allocations
	waitSSE(t, rh, 0)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	const streams = 100
	conns := make([]net.Conn, streams)
	for i := range conns {
		conns[i] = openRawStream(t, addr)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	used := int64(after.HeapAlloc+after.StackInuse) - int64(before.HeapAlloc+before.StackInuse)
	perStream := float64(used) / streams / 1024
	t.Logf("heap and stack per idle stream: %.1f KiB", perStream)
	if perStream >= 16 {
		t.Errorf("each idle stream holds %.1f KiB of heap and stack, want < 16 KiB", perStream)
	}
	if n := rh.hub.Stats().Connections["sse"]; n != streams {
		t.Fatalf("hub counts %d streams, want %d", n, streams)
	}
	for _, c := range conns {
		c.Close()
	}
	waitSSE(t, rh, 0)
}

// waitSSE polls, with a deadline, until the hub counts n open streams.
func waitSSE(tb testing.TB, rh *realtimeHarness, n int) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for rh.hub.Stats().Connections["sse"] != n {
		if time.Now().After(deadline) {
			tb.Fatalf("hub counts %d streams, want %d", rh.hub.Stats().Connections["sse"], n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

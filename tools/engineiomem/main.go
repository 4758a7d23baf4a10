// Command engineiomem measures what an idle Socket.IO client costs the
// in-project engine (internal/engineio): RSS, Go heap and stack, and
// goroutines per connected websocket client. It runs as two processes so the
// clients' memory is not counted: the server (default) and the clients
// (-clients), which connect -n websocket clients, each completing the
// Engine.IO handshake and the Socket.IO CONNECT, then ask the server for its
// numbers. Run: go run ./tools/engineiomem -n 5000 (it starts the clients
// itself). The figures are recorded in docs/decisions.md.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"smartwait/internal/engineio"
)

func main() {
	n := flag.Int("n", 5000, "clients")
	clients := flag.String("clients", "", "run as the clients of the server at this address")
	flag.Parse()
	if *clients != "" {
		runClients(*clients, *n)
		return
	}
	srv := engineio.New(engineio.Config{OnConnect: func(s *engineio.Socket, _ engineio.Handshake) error {
		// What an application registers per socket, roughly.
		for _, e := range []string{"join-patient-room", "join-patients-room", "join-staff-room", "leave-room"} {
			s.On(e, func([]json.RawMessage, engineio.Ack) {})
		}
		s.OnDisconnect(func(string) {})
		return nil
	}})
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv)
	base := measure(false)
	mux.HandleFunc("/stats", func(w http.ResponseWriter, _ *http.Request) {
		k := int64(srv.Connections())
		for _, free := range []bool{false, true} {
			m := measure(free)
			fmt.Fprintf(w, "clients %d (FreeOSMemory %v): RSS %.1f KiB, heap %.1f KiB, stacks %.1f KiB, goroutines %.2f per client\n",
				k, free, float64(m.rss-base.rss)/1024/float64(k), float64(m.heap-base.heap)/1024/float64(k),
				float64(m.stack-base.stack)/1024/float64(k), float64(m.goroutines-base.goroutines)/float64(k))
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go func() { log.Fatal(http.Serve(ln, mux)) }()
	cmd := exec.Command(os.Args[0], "-clients", ln.Addr().String(), "-n", fmt.Sprint(*n))
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		log.Fatal(err)
	}
}

type sample struct{ rss, heap, stack, goroutines int64 }

func measure(free bool) sample {
	runtime.GC()
	if free {
		debug.FreeOSMemory()
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return sample{rss(), int64(m.HeapInuse), int64(m.StackInuse), int64(runtime.NumGoroutine())}
}

// rss is the process's resident set size in bytes, from /proc.
func rss() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(v), "%d", &kb)
			return kb << 10
		}
	}
	return 0
}

func runClients(addr string, n int) {
	conns := make([]*websocket.Conn, 0, n)
	d := websocket.Dialer{ReadBufferSize: 256, WriteBufferSize: 256}
	for i := 0; i < n; i++ {
		ws, _, err := d.Dial("ws://"+addr+"/socket.io/?EIO=4&transport=websocket", nil)
		if err != nil {
			log.Fatalf("client %d: %v", i, err)
		}
		if _, _, err := ws.ReadMessage(); err != nil { // the open packet
			log.Fatal(err)
		}
		if err := ws.WriteMessage(websocket.TextMessage, []byte("40")); err != nil {
			log.Fatal(err)
		}
		if _, b, err := ws.ReadMessage(); err != nil || !strings.HasPrefix(string(b), "40") {
			log.Fatalf("client %d: CONNECT answered %q, %v", i, b, err)
		}
		conns = append(conns, ws)
	}
	time.Sleep(2 * time.Second) // let the server settle (no timing is asserted)
	resp, err := http.Get("http://" + addr + "/stats")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(os.Stdout, resp.Body)
	for _, ws := range conns {
		_ = ws.Close()
	}
}

// Command echoserver serves echoapp on engineio for the Node suite
// (e2e/engine.test.mjs): it listens on -addr and prints
// "listening on http://<addr>" once it accepts connections.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"smartwait/internal/engineio"
	"smartwait/internal/engineio/internal/echoapp"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	pingInterval := flag.Duration("ping-interval", 300*time.Millisecond, "Engine.IO ping interval")
	pingTimeout := flag.Duration("ping-timeout", 300*time.Millisecond, "Engine.IO ping timeout")
	queue := flag.Int("queue", 64, "per-socket queue size")
	origin := flag.String("origin", "http://allowed.example", "the one browser origin allowed")
	flag.Parse()
	app := echoapp.New()
	srv := engineio.New(engineio.Config{
		OnConnect:    app.OnConnect,
		AllowOrigin:  func(r *http.Request) bool { return r.Header.Get("Origin") == *origin },
		PingInterval: *pingInterval,
		PingTimeout:  *pingTimeout,
		QueueSize:    *queue,
	})
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening on http://%s\n", ln.Addr())
	go func() {
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
		<-stop
		srv.Close()
		os.Exit(0)
	}()
	log.Fatal(http.Serve(ln, mux))
}

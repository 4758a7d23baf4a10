// Command fanoutfloor is the fastest server the bench kit's fanout client can
// be pointed at: no database, no events package, no hub. It keeps check-ins
// in memory and, on call-next, writes each connected patient a
// position_update shaped as SmartWait's (or, with -node-payload, as the Node
// reference's) and the patients room's queue_update, in one write per socket,
// before it answers the request.
//
// Its each_p50 is the floor any server reaches on the machine with that
// client: the client's own reads and the kernel's writes, sharing the cores.
// docs/benchmarks.md, "The floor of the fanout row", compares SmartWait and
// Node with it:
//
//	go build -o floor ./tools/fanoutfloor && ./floor -addr 127.0.0.1:3955 &
//	$GOBENCH_BIN fanout -url http://127.0.0.1:3955 -n 2000 -calls 50 -password x
//
// It also serves smartwait load (the kit's load row), whose patients join
// only their own room: on call-next the first of them is called and the
// others get their new positions, so that the load row has a floor too:
//
//	SMARTWAIT_ADMIN_PASSWORD=x smartwait load --url http://127.0.0.1:3955 --patients 1000 --calls 100 --call-rate 10
//
// It speaks only what those clients use: POST /api/staff/login,
// POST /api/checkin, GET /api/position/{id} (the version),
// POST /api/staff/call-next, the queue read and clean-up of smartwait load,
// and Engine.IO v4 / Socket.IO v5 over a websocket with the join-patient-room
// and join-patients-room acknowledgements (or room-joined). It is a
// measuring stick, not a server: it checks no password, and keeps no order
// but the load patients' check-in order.
package main

import (
	"flag"
	"log"
	"net/http"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:3955", "loopback address to listen on")
	writers := flag.Int("writers", 1, "goroutines writing one call-next, each to its share of the sockets")
	node := flag.Bool("node-payload", false, "position_update as the Node reference sends it (no estimate range, no line)")
	flag.Parse()
	srv := &http.Server{Addr: *addr, Handler: newFloor(*writers, *node), ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}

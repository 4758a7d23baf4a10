#!/bin/bash
# Where each call-next's time goes before its first write, from an execution
# trace of the binary over HTTP (docs/benchmarks.md, "Reading a call-next's
# steps from a trace"): starts SMARTWAIT_BIN on 127.0.0.1 with a fresh SQLite
# file, the abuse limits off and its profiler on, drives it with the bench
# kit's gobench `fanout` (GOBENCH_BIN), traces a few seconds of the calls and
# prints, per call-next, the length of the queue's transaction, of building its
# events and of the hub's routing, and when the writes began (ms from the
# transaction's start), from the runtime/trace regions the code marks.
#
#   SMARTWAIT_BIN=… GOBENCH_BIN=… scripts/callnext-trace.sh [waiting] [calls] [trace seconds]
#
# Every process it starts is stopped by its PID; everything is under one temp dir.
set -euo pipefail
: "${SMARTWAIT_BIN:?set SMARTWAIT_BIN to the smartwait binary}" "${GOBENCH_BIN:?set GOBENCH_BIN to bench/gobench built}"
N=${1:-2000} CALLS=${2:-30} SECS=${3:-3}
dir=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
pport=$((port + 1))
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
env SMARTWAIT_ADMIN_PASSWORD=bench-password SMARTWAIT_BCRYPT_COST=4 SMARTWAIT_CHECKIN_RATE_LIMIT=0 \
  SMARTWAIT_LOGIN_RATE_LIMIT=0 SMARTWAIT_FOLLOW_UP_AFTER=0 SMARTWAIT_LOG_LEVEL=warn \
  SMARTWAIT_MAX_CONNECTIONS_PER_IP=0 SMARTWAIT_PPROF_ADDR="127.0.0.1:$pport" \
  DATABASE_URL="sqlite://$dir/trace.db" "$SMARTWAIT_BIN" serve --addr "127.0.0.1:$port" >"$dir/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
"$GOBENCH_BIN" fanout -url "http://127.0.0.1:$port" -n "$N" -calls "$CALLS" -password bench-password >"$dir/fanout.txt" 2>&1 &
fanout=$!
pids+=($fanout)
# The calls start once every client is connected.
for _ in $(seq 600); do
  c=$(curl -s "http://127.0.0.1:$port/health" | grep -o '"connectedClients":[0-9]*' | head -1 | cut -d: -f2)
  [ "${c:-0}" -ge "$N" ] && break
  sleep 0.1
done
sleep 0.5
curl -s -o "$dir/trace.out" "http://127.0.0.1:$pport/debug/pprof/trace?seconds=$SECS"
wait "$fanout" || true
cat "$dir/fanout.txt"
go tool trace -d=parsed "$dir/trace.out" | awk '
/RegionBegin|RegionEnd/ {
  match($0, /Time=[0-9]+/); t = substr($0, RSTART + 5, RLENGTH - 5) / 1e6
  match($0, /Type="[^"]+"/); r = substr($0, RSTART + 6, RLENGTH - 7)
  if ($0 ~ /RegionBegin/) {
    begin[r] = t
    if (r == "queue.transaction") t0 = t
    if (r == "realtime.send" && t0) first = t - t0
  } else if (r in begin) {
    d[r] = t - begin[r]
    if (r == "realtime.send" && t0) {
      printf "transaction %.2f ms  build %.2f ms  route %.2f ms  writes begin at %.2f ms  writing %.1f ms\n",
        d["queue.transaction"], d["events.build"], d["realtime.route"], first, d[r]
      t0 = 0
    }
  }
}'

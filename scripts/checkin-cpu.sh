#!/bin/bash
# Server CPU per check-in of the binary over HTTP (docs/benchmarks.md, "Check-in
# CPU"): starts SMARTWAIT_BIN on 127.0.0.1 with a fresh SQLite file and the abuse
# limits off, drives it with the bench kit's gobench `checkin` (GOBENCH_BIN), and prints the
# rate, the latency and the server's utime+stime per check-in from /proc.
#
#   SMARTWAIT_BIN=… GOBENCH_BIN=… scripts/checkin-cpu.sh [check-ins] [workers] [log level]
#
# Every process it starts is stopped by its PID; everything is under one temp dir.
set -euo pipefail
: "${SMARTWAIT_BIN:?set SMARTWAIT_BIN to the smartwait binary}" "${GOBENCH_BIN:?set GOBENCH_BIN to bench/gobench built}"
N=${1:-5000} C=${2:-16} LVL=${3:-info}
WARMUP=300 # gobench's default warm-up check-ins, counted in the CPU figure
dir=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
( cd "$dir" && exec env SMARTWAIT_ADMIN_PASSWORD=benchbench123 SMARTWAIT_BCRYPT_COST=4 \
	SMARTWAIT_CHECKIN_RATE_LIMIT=0 SMARTWAIT_LOGIN_RATE_LIMIT=0 SMARTWAIT_FOLLOW_UP_AFTER=0 \
	SMARTWAIT_CHECKINS_PER_PHONE=0 SMARTWAIT_SMS_CONFIRMATIONS_PER_MINUTE=0 \
	SMARTWAIT_MAX_CONNECTIONS_PER_IP=0 SMARTWAIT_LOG_LEVEL="$LVL" DATABASE_URL="sqlite://$dir/b.db" \
	"$SMARTWAIT_BIN" serve --addr "127.0.0.1:$port" >"$dir/out.log" 2>&1 ) &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 200); do curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.05; done
cpu() { awk '{print $14+$15}' "/proc/$pid/stat"; }
c0=$(cpu)
out=$("$GOBENCH_BIN" checkin -url "http://127.0.0.1:$port" -n "$N" -c "$C" -warmup "$WARMUP" 2>&1)
c1=$(cpu)
echo "$out"
echo "cpu_ms_per_checkin=$(echo "scale=3; ($c1 - $c0) * 1000 / $(getconf CLK_TCK) / ($N + $WARMUP)" | bc) load=$(cut -d' ' -f1-3 /proc/loadavg)"

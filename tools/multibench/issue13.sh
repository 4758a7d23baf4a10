#!/usr/bin/env bash
# tools/multibench/issue13.sh — issue 13's table: check-ins/s and call-next
# fan-out of a single queue on one instance, 50 clinics × 2 lines on one
# instance and on two, each instance pinned to one core (GOMAXPROCS=1, taskset).
#
#   tools/multibench/issue13.sh [ROUNDS [CHECKINS]]      (defaults: 3, 10000)
#
# The setups run alternated, round after round (A B C A B C …), so that a
# change in the shared machine's load hits them alike; the table is the median
# of the rounds. Without PG / REDIS in the environment it starts a throwaway
# PostgreSQL (fsync off, as scripts/test.sh) and Redis on free ports and stops
# them by PID on exit. Other knobs: CLINICS (50), PER_CLINIC (2), CALLS (200),
# CONCURRENCY (32), OUT (the results file, JSON lines), PROFILE (a directory:
# pprof CPU profiles of the instances), LINES_INSTEAD=1 (no clinic API yet:
# CLINICS × PER_CLINIC plain lines instead of clinics).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-3}
CHECKINS=${2:-10000}
CLINICS=${CLINICS:-50}
PER_CLINIC=${PER_CLINIC:-2}
CALLS=${CALLS:-200}
CONCURRENCY=${CONCURRENCY:-32}
WORK=$(mktemp -d /tmp/issue13.XXXXXX)
chmod 755 "$WORK"
OUT=${OUT:-$WORK/results.jsonl}
PG_PID="" REDIS_PID=""

cleanup() {
	if [ -n "$REDIS_PID" ]; then kill "$REDIS_PID" 2>/dev/null || true; fi
	if [ -n "$PG_PID" ]; then su postgres -c "$PGBIN/pg_ctl -D $WORK/pg -m immediate -w stop" >/dev/null 2>&1 || true; fi
	rm -rf "$WORK/pg" "$WORK/bin"
}
trap cleanup EXIT

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
	local p=$1
	while port_busy "$p"; do p=$((p + 1)); done
	echo "$p"
}

if [ -z "${PG:-}" ]; then
	PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
	mkdir -p "$WORK/pg" && chown postgres "$WORK/pg" && chmod 700 "$WORK/pg"
	su postgres -c "$PGBIN/initdb -D $WORK/pg -U postgres -A trust --no-sync -E UTF8" >/dev/null
	port=$(free_port 57432)
	su postgres -c "$PGBIN/pg_ctl -D $WORK/pg -l $WORK/pg/log -o '-p $port -k $WORK/pg -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200' -w start" >/dev/null
	PG_PID=$(head -1 "$WORK/pg/postmaster.pid")
	PG="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
fi
if [ -z "${REDIS:-}" ]; then
	port=$(free_port 58379)
	redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
		--daemonize yes --pidfile "$WORK/redis.pid" --logfile "$WORK/redis.log" --dir "$WORK"
	for _ in $(seq 50); do [ -s "$WORK/redis.pid" ] && break; sleep 0.1; done
	REDIS_PID=$(cat "$WORK/redis.pid")
	REDIS="redis://127.0.0.1:$port/0"
fi

mkdir -p "$WORK/bin"
go build -o "$WORK/bin/smartwait" ./cmd/smartwait
go build -o "$WORK/bin/multibench" ./tools/multibench
echo "commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . || echo ' (with uncommitted changes)'), $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"

spread="-clinics $CLINICS -lines-per-clinic $PER_CLINIC"
many="$CLINICS clinics × $PER_CLINIC lines"
if [ -n "${LINES_INSTEAD:-}" ]; then
	spread="-lines $((CLINICS * PER_CLINIC))"
	many="$((CLINICS * PER_CLINIC)) lines, no clinics"
fi
profile=()
if [ -n "${PROFILE:-}" ]; then mkdir -p "$PROFILE" && profile=(-profile "$PROFILE"); fi

bench() { # LABEL INSTANCES CPUS ARGS...
	local label=$1 n=$2 cpus=$3
	shift 3
	echo "== $label"
	"$WORK/bin/multibench" -bin "$WORK/bin/smartwait" -pg "$PG" -redis "$REDIS" -instances "$n" -cpus "$cpus" \
		-checkins "$CHECKINS" -concurrency "$CONCURRENCY" -calls "$CALLS" -label "$label" -json "$OUT" "${profile[@]}" "$@" |
		grep -v '^RESULT '
}

for r in $(seq "$ROUNDS"); do
	echo "=== round $r of $ROUNDS"
	bench "1 instance, single queue" 1 0 -lines 1
	# shellcheck disable=SC2086
	bench "1 instance, $many" 1 0 $spread
	# shellcheck disable=SC2086
	bench "2 instances, $many" 2 0,1 $spread
done
echo
echo "results: $OUT"
"$WORK/bin/multibench" -summarize "$OUT"

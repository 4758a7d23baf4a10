#!/usr/bin/env bash
# scripts/test.sh — every check SmartWait has, in one command (`make test`).
#
# Runs on a fresh Debian machine as root: it installs what is missing (PostgreSQL,
# Redis, Chromium, npm packages) and starts throwaway servers on free ports, which
# it stops on exit, even on failure or Ctrl-C. Every section runs even when an
# earlier one failed; the summary at the end lists each, and the exit status is
# non-zero if any failed.
#
# Sections that later parts of the project fill are already here, and skip
# themselves (reported as "skipped") while their directories do not exist:
#   integration  internal/postgres, internal/realtime/redisbroker → PostgreSQL, Redis
#                and a six-node Redis Cluster
#   e2e          e2e/*.test.{js,mjs,cjs} → Node suite against the built binary (its
#                several-instance part also needs PostgreSQL and redis-server)
#
# Knobs (environment): FUZZTIME (default 10s per fuzz target), SKIP_FUZZ=1,
# PG_PORT (default 55432), REDIS_PORT (default 56379), REDIS_CLUSTER_PORT (default
# 47379: the first of the six nodes of the throwaway Redis Cluster; a node's bus
# port is its port + 10000, so it stays at or below 55535), SECTIONS (default all:
# "gofmt vet staticcheck integration test fuzz e2e"; e.g. SECTIONS="integration e2e"),
# E2E_TESTS (node --test files in e2e/, default all; e.g. E2E_TESTS=lb.test.mjs).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	export PATH="/usr/local/go/bin:$PATH"
fi

FUZZTIME=${FUZZTIME:-10s}
SECTIONS=${SECTIONS:-gofmt vet staticcheck integration test fuzz e2e}
PG_PORT=${PG_PORT:-55432}
REDIS_PORT=${REDIS_PORT:-56379}
REDIS_CLUSTER_PORT=${REDIS_CLUSTER_PORT:-47379}
WORK=$(mktemp -d /tmp/smartwait-test.XXXXXX)
chmod 755 "$WORK"

declare -a SUMMARY=()
PASSED=0 FAILED=0 SKIPPED=0
PG_STARTED="" REDIS_STARTED=""
INTEGRATION_PKGS="" # set once the integration section passed: "go test" leaves them out
SECTION_SKIPPED=""

log() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

# skip marks the running section as skipped (a no-op until its directories exist).
skip() {
	echo "skipped: $*"
	SECTION_SKIPPED="$*"
}

# section NAME FUNCTION [KEY]: runs FUNCTION, times it and records the outcome;
# KEY (default NAME) is the word that selects it in SECTIONS.
section() {
	local name=$1 fn=$2 key=${3:-$1} start rc
	case " $SECTIONS " in
	*" $key "*) ;;
	*) return 0 ;;
	esac
	log "$name"
	start=$(date +%s)
	SECTION_SKIPPED=""
	"$fn"
	rc=$?
	local took=$(($(date +%s) - start))
	if [ $rc -ne 0 ]; then
		SUMMARY+=("$(printf 'FAIL  %-12s %4ss' "$name" "$took")")
		FAILED=$((FAILED + 1))
	elif [ -n "$SECTION_SKIPPED" ]; then
		SUMMARY+=("$(printf 'skip  %-12s %4ss  (%s)' "$name" "$took" "$SECTION_SKIPPED")")
		SKIPPED=$((SKIPPED + 1))
	else
		SUMMARY+=("$(printf 'ok    %-12s %4ss' "$name" "$took")")
		PASSED=$((PASSED + 1))
	fi
	return 0
}

# ---------------------------------------------------------------- cleanup
cleanup() {
	local rc=$?
	if [ -n "$REDIS_STARTED" ]; then
		if [ -f "$WORK/redis.pid" ]; then
			kill "$(cat "$WORK/redis.pid")" 2>/dev/null || true
		fi
	fi
	stop_redis_cluster
	if [ -n "$PG_STARTED" ]; then
		su postgres -c "$PGBIN/pg_ctl -D $WORK/pg/data -m immediate -w stop" >/dev/null 2>&1 || true
	fi
	rm -rf "$WORK"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- helpers
APT_UPDATED=""
# apt_install PKG...: installs Debian packages, running apt-get update first (once).
apt_install() {
	if [ "$(id -u)" != 0 ]; then
		echo "need root to install: $* (install them, or run as root)" >&2
		return 1
	fi
	if [ -z "$APT_UPDATED" ]; then
		DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
		APT_UPDATED=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >"$WORK/apt.log" 2>&1 || {
		tail -20 "$WORK/apt.log"
		return 1
	}
}

# port_busy PORT: true when something listens on 127.0.0.1:PORT.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port PORT: PORT, or the next port up that nothing listens on (another
# engineer's run may hold the default on a shared machine).
free_port() {
	local p=$1
	while port_busy "$p"; do p=$((p + 1)); done
	echo "$p"
}

# lock_servers / unlock_servers: free_port only says a port was free when it
# looked; two runs starting at once would both pick it, and one server would fail
# to bind (or, for Redis, the run would go on against the other run's server and
# lose it when that run ends). Every run picks ports and starts its servers under
# one machine-wide lock, held until the server listens, so the next run sees the
# port taken. A server that still fails to bind (something else took the port) is
# retried on the next port. The servers start with the lock's descriptor closed:
# a daemon inheriting it would hold the lock for as long as it runs.
SERVER_LOCK=/tmp/smartwait-test-servers.lock
lock_servers() {
	exec 9>>"$SERVER_LOCK" || return 1
	flock -w 300 9 || {
		echo "could not take $SERVER_LOCK within 300s"
		return 1
	}
}
unlock_servers() { exec 9>&-; }

# ---------------------------------------------------------------- sections
check_gofmt() {
	local files
	files=$(find . -name '*.go' -not -path './e2e/node_modules/*' -not -path './.git/*' -print0 | xargs -0 gofmt -l)
	if [ -n "$files" ]; then
		echo "these files are not gofmt-ed (run: gofmt -w <file>):"
		echo "$files"
		return 1
	fi
	echo "all Go files are formatted"
}

go_vet() { go vet ./...; }

# staticcheck is pinned in go.mod (the `tool` directive), so every machine runs
# the same version: `go tool staticcheck` builds it from the module cache.
go_staticcheck() { go tool staticcheck ./...; }

# The race detector changes allocation counts (sync.Pool drops items at random
# under -race), so the allocation bounds (files tagged !race) run once without it.
# The simulator's clinic days (internal/sim) run without it too: each day is one
# goroutine on its own SQLite file, and under -race they took four and a half
# of the run's minutes; the one thing the package runs in parallel, RunSeeds,
# runs under -race in TestRunSeedsMatchesRun.
go_test() {
	local pkgs
	pkgs=$(go list ./... | grep -v '/internal/sim$')
	# The packages the integration section ran (race, servers up) are not run
	# again without their servers: cmd/smartwait alone is most of a minute.
	if [ -n "$INTEGRATION_PKGS" ]; then
		pkgs=$(echo "$pkgs" | grep -vxF -f <(cd "$ROOT" && go list $INTEGRATION_PKGS))
	fi
	# shellcheck disable=SC2086 # one argument per package
	go test -race $pkgs &&
		go test -race -count=1 -run 'TestRunSeedsMatchesRun' ./internal/sim/ &&
		go test -count=1 ./internal/sim/ &&
		go test -count=1 -run 'Allocs' ./internal/web/ ./internal/queue/
}

# deadline_flake LOG: true when a failed fuzz run is only Go 1.26's race at the
# -fuzztime deadline (go.dev/issue/75804): "context deadline exceeded" as the
# sole failure, with no failing input written, no panic and no test error. Under
# CPU contention (2 shared cores) it happens often enough to matter. A real
# finding always writes its input, so this cannot hide one.
deadline_flake() {
	grep -q 'context deadline exceeded' "$1" &&
		! grep -qE 'Failing input written|panic:|_test\.go:[0-9]+:|fuzz: minimizing' "$1"
}

# fuzz: every `func FuzzX(f *testing.F)` in a _test.go file, each for FUZZTIME.
fuzz() {
	if [ -n "${SKIP_FUZZ:-}" ]; then
		skip "SKIP_FUZZ set"
		return 0
	fi
	local targets file name dir rc=0 n=0
	targets=$(grep -rlE --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*\(' . 2>/dev/null | grep -v node_modules | sort)
	if [ -z "$targets" ]; then
		skip "no fuzz targets"
		return 0
	fi
	for file in $targets; do
		dir=$(dirname "$file")
		for name in $(sed -nE 's/^func (Fuzz[A-Za-z0-9_]*)\(.*/\1/p' "$file"); do
			echo "--- fuzz $dir $name ($FUZZTIME)"
			n=$((n + 1))
			if go test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "$dir" >"$WORK/fuzz.log" 2>&1; then
				tail -2 "$WORK/fuzz.log"
			elif deadline_flake "$WORK/fuzz.log"; then
				tail -4 "$WORK/fuzz.log"
				echo "(not a failure: Go's fuzz coordinator reported its own -fuzztime deadline with no failing input — go.dev/issue/75804, fixed in Go 1.27)"
			else
				cat "$WORK/fuzz.log" # the failing input is saved under $dir/testdata/fuzz
				rc=1
			fi
		done
	done
	echo "fuzzed $n targets"
	return $rc
}

# start_postgres: a throwaway cluster in $WORK, trust auth, fsync off.
start_postgres() {
	if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
		echo "installing PostgreSQL"
		apt_install postgresql || return 1
	fi
	PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
	mkdir -p "$WORK/pg" && chown postgres "$WORK/pg" || return 1
	su postgres -c "$PGBIN/initdb -D $WORK/pg/data -U postgres -A trust --no-sync -E UTF8" >"$WORK/pg/initdb.log" 2>&1 || {
		cat "$WORK/pg/initdb.log"
		return 1
	}
	lock_servers || return 1
	local attempt
	for attempt in 1 2 3 4 5; do
		PG_PORT=$(free_port "$PG_PORT")
		rm -f "$WORK/pg/log"
		if su postgres -c "$PGBIN/pg_ctl -D $WORK/pg/data -l $WORK/pg/log -o '-p $PG_PORT -k $WORK/pg -c listen_addresses=127.0.0.1 -c fsync=off' -w start" >/dev/null 9>&-; then
			PG_STARTED=1
			break
		fi
		if ! grep -q 'could not bind' "$WORK/pg/log" 2>/dev/null; then
			cat "$WORK/pg/log"
			unlock_servers
			return 1
		fi
		echo "port $PG_PORT was taken before PostgreSQL could bind it; trying the next"
		PG_PORT=$((PG_PORT + 1))
	done
	unlock_servers
	if [ -z "$PG_STARTED" ]; then
		cat "$WORK/pg/log"
		return 1
	fi
	export DATABASE_URL_TEST="postgres://postgres@127.0.0.1:$PG_PORT/postgres?sslmode=disable"
	echo "PostgreSQL on port $PG_PORT"
}

start_redis() {
	if ! command -v redis-server >/dev/null 2>&1; then
		echo "installing Redis"
		apt_install redis-server || return 1
	fi
	lock_servers || return 1
	local attempt i up=""
	for attempt in 1 2 3 4 5; do
		REDIS_PORT=$(free_port "$REDIS_PORT")
		rm -f "$WORK/redis.pid" "$WORK/redis.log"
		redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
			--daemonize yes --pidfile "$WORK/redis.pid" --logfile "$WORK/redis.log" --dir "$WORK" 9>&- || break
		# Up means our own server listens: its pid file exists (written once it
		# has bound) and the process lives. A busy port alone could be another's.
		for i in $(seq 100); do
			if [ -s "$WORK/redis.pid" ] && kill -0 "$(cat "$WORK/redis.pid")" 2>/dev/null && port_busy "$REDIS_PORT"; then
				up=1
				break
			fi
			grep -q 'Failed listening' "$WORK/redis.log" 2>/dev/null && break
			sleep 0.1
		done
		[ -n "$up" ] && break
		if [ -s "$WORK/redis.pid" ]; then kill "$(cat "$WORK/redis.pid")" 2>/dev/null; fi
		grep -q 'Failed listening' "$WORK/redis.log" 2>/dev/null || break
		echo "port $REDIS_PORT was taken before Redis could bind it; trying the next"
		REDIS_PORT=$((REDIS_PORT + 1))
	done
	unlock_servers
	if [ -z "$up" ]; then
		cat "$WORK/redis.log"
		return 1
	fi
	REDIS_STARTED=1
	export REDIS_URL_TEST="redis://127.0.0.1:$REDIS_PORT/0"
	echo "Redis on port $REDIS_PORT"
}

# cluster_port_free PORT: true when PORT and its cluster bus port (PORT+10000)
# are both free.
cluster_port_free() { ! port_busy "$1" && ! port_busy $(($1 + 10000)); }

# stop_redis_cluster: kills the nodes start_redis_cluster started (cleanup
# does too).
stop_redis_cluster() {
	local pidfile pids=() pid i
	for pidfile in "$WORK"/redis-cluster/*/redis.pid; do
		[ -s "$pidfile" ] || continue
		pid=$(cat "$pidfile")
		kill "$pid" 2>/dev/null && pids+=("$pid")
	done
	# A node writes its nodes.conf as it exits: wait for it before removing.
	for pid in "${pids[@]}"; do
		for i in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
	done
	rm -rf "$WORK/redis-cluster"
}

# start_redis_cluster: a throwaway Redis Cluster of six nodes (three masters,
# one replica each) on free ports, for the broker's cluster tests. Exports
# REDIS_CLUSTER_URL_TEST in go-redis's cluster URL form (three seed nodes).
# A node unheard of for 2 s (cluster-node-timeout) counts as failed and its
# replica takes over: TestClusterMasterKilled kills a master and waits for
# that, and restarts the node (same port, config file and directory, as it
# reads them from the node) when it is done.
start_redis_cluster() {
	lock_servers || return 1
	local attempt p i n dir ports up
	for attempt in 1 2 3 4 5; do
		stop_redis_cluster
		ports=() up=1
		p=$REDIS_CLUSTER_PORT
		for n in 1 2 3 4 5 6; do
			while ! cluster_port_free "$p"; do p=$((p + 1)); done
			ports+=("$p")
			p=$((p + 1))
		done
		for p in "${ports[@]}"; do
			dir="$WORK/redis-cluster/$p"
			mkdir -p "$dir"
			redis-server --port "$p" --bind 127.0.0.1 --cluster-enabled yes \
				--cluster-config-file "$dir/nodes.conf" --cluster-node-timeout 2000 \
				--save '' --appendonly no --daemonize yes --pidfile "$dir/redis.pid" \
				--logfile "$dir/redis.log" --dir "$dir" 9>&- || up=""
		done
		# Up as for start_redis: every node's pid file, process and port.
		for p in "${ports[@]}"; do
			dir="$WORK/redis-cluster/$p"
			for i in $(seq 100); do
				if [ -s "$dir/redis.pid" ] && kill -0 "$(cat "$dir/redis.pid")" 2>/dev/null && port_busy "$p"; then
					break
				fi
				sleep 0.1
			done
			if ! { [ -s "$dir/redis.pid" ] && kill -0 "$(cat "$dir/redis.pid")" 2>/dev/null; }; then
				up=""
			fi
		done
		[ -n "$up" ] && break
		echo "a cluster node could not bind its port; trying the next ports"
		REDIS_CLUSTER_PORT=$((p + 1))
	done
	unlock_servers
	if [ -z "$up" ]; then
		cat "$WORK"/redis-cluster/*/redis.log
		return 1
	fi
	local nodes=()
	for p in "${ports[@]}"; do nodes+=("127.0.0.1:$p"); done
	if ! redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >"$WORK/redis-cluster/create.log" 2>&1; then
		cat "$WORK/redis-cluster/create.log"
		return 1
	fi
	# Every node must agree the cluster is whole before a client asks any of
	# them who owns which slot.
	for p in "${ports[@]}"; do
		for i in $(seq 300); do
			redis-cli -p "$p" cluster info 2>/dev/null | grep -q '^cluster_state:ok' && break
			sleep 0.1
		done
		if ! redis-cli -p "$p" cluster info | grep -q '^cluster_state:ok'; then
			echo "Redis Cluster node $p never reported cluster_state:ok"
			redis-cli -p "$p" cluster info
			return 1
		fi
	done
	export REDIS_CLUSTER_URL_TEST="redis://127.0.0.1:${ports[0]}?addr=127.0.0.1:${ports[1]}&addr=127.0.0.1:${ports[2]}"
	echo "Redis Cluster on ports ${ports[*]}"
}

# integration: the Go tests that need real PostgreSQL and Redis (those that read
# SMARTWAIT_REQUIRE_INTEGRATION, DATABASE_URL_TEST or REDIS_URL_TEST), against
# throwaway servers. With SMARTWAIT_REQUIRE_INTEGRATION=1 they fail instead of
# skipping when a server is missing.
integration() {
	local need_pg="" need_redis=""
	[ -d internal/postgres ] && need_pg=1
	[ -d internal/realtime/redisbroker ] && need_redis=1
	if [ -z "$need_pg$need_redis" ]; then
		skip "no internal/postgres or internal/realtime/redisbroker yet"
		return 0
	fi
	if [ -n "$need_pg" ]; then start_postgres || return 1; fi
	if [ -n "$need_redis" ]; then start_redis && start_redis_cluster || return 1; fi
	local pkgs
	pkgs=$(grep -rlE --include='*_test.go' 'SMARTWAIT_REQUIRE_INTEGRATION|DATABASE_URL_TEST|REDIS_URL_TEST|REDIS_CLUSTER_URL_TEST' . 2>/dev/null |
		grep -v node_modules | xargs -r -n1 dirname | sort -u)
	if [ -z "$pkgs" ]; then
		echo "servers started, but no Go test reads DATABASE_URL_TEST / REDIS_URL_TEST yet"
		return 0
	fi
	echo "packages: $pkgs"
	# shellcheck disable=SC2086 # one argument per package
	SMARTWAIT_REQUIRE_INTEGRATION=1 go test -race -count=1 $pkgs || return 1
	INTEGRATION_PKGS=$pkgs
}

# e2e: the Node suite in e2e/ (node --test: *.test.js, *.test.mjs, …) against the
# real binary (SMARTWAIT_BIN). Runs as soon as e2e/ holds a test file; installs
# the npm packages (npm ci) when there is a package.json and no node_modules,
# and Debian chromium when the suite uses Playwright.
e2e() {
	local tests
	tests=$(find e2e -path e2e/node_modules -prune -o -type f \( -name '*.test.js' -o -name '*.test.mjs' -o -name '*.test.cjs' \) -print 2>/dev/null)
	if [ -z "$tests" ]; then
		skip "no e2e/*.test.{js,mjs,cjs} yet"
		return 0
	fi
	mkdir -p bin
	go build -ldflags "-X main.version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)" \
		-o bin/smartwait ./cmd/smartwait || return 1
	export SMARTWAIT_BIN="$ROOT/bin/smartwait"
	if [ -f e2e/package.json ] && grep -q playwright e2e/package.json; then
		if ! command -v chromium >/dev/null 2>&1; then
			echo "installing chromium"
			apt_install chromium || return 1
		fi
		export CHROMIUM_PATH=${CHROMIUM_PATH:-$(command -v chromium)}
	fi
	# The several-instance suite (e2e/multi.test.mjs) runs two binaries on a fresh
	# schema of the test PostgreSQL and a redis-server of its own, which it kills and
	# restarts; with SMARTWAIT_REQUIRE_INTEGRATION=1 it fails rather than skips when
	# PostgreSQL is missing.
	if [ -d internal/postgres ]; then
		if [ -z "${DATABASE_URL_TEST:-}" ]; then start_postgres || return 1; fi
		if ! command -v redis-server >/dev/null 2>&1; then apt_install redis-server || return 1; fi
		# The load-balancer suite (e2e/lb.test.mjs) runs deploy/nginx/smartwait.conf
		# in Debian's nginx, in the foreground on a port of its own.
		if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
			echo "installing nginx"
			apt_install nginx-light || apt_install nginx || return 1
		fi
		export SMARTWAIT_REQUIRE_INTEGRATION=1
	fi
	(
		cd e2e || exit 1
		# Install again when package-lock.json changed since the last install.
		if [ -f package.json ] && { [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
			npm ci --no-audit --no-fund || exit 1
		fi
		# E2E_TESTS narrows the run to some files, e.g. E2E_TESTS="lb.test.mjs".
		# shellcheck disable=SC2086
		node --test ${E2E_TESTS:-}
	)
}

# ---------------------------------------------------------------- run
START=$(date +%s)
echo "SmartWait test run: $(go version), $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC')"
section gofmt check_gofmt
section vet go_vet
section staticcheck go_staticcheck
# integration runs before "go test" so that its packages, which it runs with
# their servers, are not run a second time without them.
section integration integration
section "go test" go_test test
section fuzz fuzz
section e2e e2e

echo
echo "================ summary ($(($(date +%s) - START))s) ================"
printf '%s\n' "${SUMMARY[@]}"
echo "sections: $PASSED passed, $FAILED failed, $SKIPPED skipped"
if [ $((PASSED + FAILED + SKIPPED)) = 0 ]; then
	echo "no section matched SECTIONS=\"$SECTIONS\""
	exit 1
fi
[ "$FAILED" = 0 ]

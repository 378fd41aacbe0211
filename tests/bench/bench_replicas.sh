#!/usr/bin/env bash
# Daemons over a primary and a streaming replica: cached and uncached
# throughput of /v1/interventions?theme=knife-crime&limit=50 with one daemon
# and with two (each loaded by its own wrk, half the connections each), reads
# served from the replica. Figures only. On a 2-core machine two daemons, two
# PostgreSQL servers and wrk share the same cores: the figures show the cost of
# the topology, not the capacity of two machines. WHATWORKS_BENCH_SECONDS
# (default 10) per run, WHATWORKS_BENCH_CONNECTIONS (default 64) in all.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${WHATWORKS_BIN:?}
secs=${WHATWORKS_BENCH_SECONDS:-10}
conns=${WHATWORKS_BENCH_CONNECTIONS:-64}
work=$(mktemp -d /tmp/ww-bench-rep.XXXXXX)
chmod 0755 "$work" # the replica belongs to the postgres user when run as root
pids=()
cleanup() {
	for p in "${pids[@]+"${pids[@]}"}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	"$root/tests/pgreplica.sh" stop "$work/replica" || true; cat "$work/replica/basebackup.log" 2>/dev/null | tail -3
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
. "$here/common.sh"

bench_database bench_replicas 10000
psql "$WHATWORKS_DATABASE_URL" -qc "VACUUM ANALYZE"
rep=$("$root/tests/pgreplica.sh" start "$work/replica" "$WHATWORKS_TEST_PGDIR")
export WHATWORKS_READ_DATABASE_URL="${rep/dbname=postgres/dbname=bench_replicas}"

q="/v1/interventions?theme=knife-crime&limit=50"
base=""
start() { # CACHE_MB: a daemon reading from the replica; its URL in $base
	local p
	p=$(free_port)
	WHATWORKS_RESPONSE_CACHE_MB=$1 "$bin" serve --listen "127.0.0.1:$p" >/dev/null 2>>"$work/serve.log" &
	pids+=($!)
	wait_http "http://127.0.0.1:$p/readyz"
	for _ in $(seq 100); do
		curl -fsS "http://127.0.0.1:$p/readyz" | grep -q '"reads":"replica"' && break
		sleep 0.1
	done
	base="http://127.0.0.1:$p"
}
load() { # URL... : one wrk per URL at once, connections split; prints total req/s
	local n=$# c=$((conns / $#)) i=0 total=0
	for u in "$@"; do
		wrk -t1 -c"$c" -d"${secs}s" "$u$q" >"$work/wrk.$i" 2>&1 &
		i=$((i + 1))
	done
	wait
	for ((i = 0; i < n; i++)); do
		total=$(echo "$total + $(awk '/Requests\/sec/ {print $2}' "$work/wrk.$i")" | bc -l)
	done
	printf '%.0f' "$total"
}
start 16; c1=$base; start 16; c2=$base; start 0; u1=$base; start 0; u2=$base
echo "replica: streaming, reads on it: $(curl -fsS "$c1/readyz" | sed 's/.*"database"://;s/}$//')"
echo "wrk: $conns connections in all, ${secs} s per run, $q"
printf '  %-34s %10s req/s\n' "cached, one daemon" "$(load "$c1")"
printf '  %-34s %10s req/s\n' "cached, two daemons" "$(load "$c1" "$c2")"
printf '  %-34s %10s req/s\n' "uncached, one daemon" "$(load "$u1")"
printf '  %-34s %10s req/s\n' "uncached, two daemons" "$(load "$u1" "$u2")"

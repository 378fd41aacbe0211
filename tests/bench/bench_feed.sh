#!/usr/bin/env bash
# bench_feed.sh - a feed of N evaluations between two real instances
#
# Run through 'make bench' or: WHATWORKS_BIN=build/whatworks tests/with-postgres.sh
# tests/bench/bench_feed.sh [N]. Prints figures; asserts nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
bin=${WHATWORKS_BIN:?WHATWORKS_BIN is not set}
n=${1:-10000}
pg=${WHATWORKS_TEST_PG:?run under tests/with-postgres.sh}
db=${BENCH_FEED_DB:-bench_feed} # databases ${db}_a (the origin) and ${db}_b (the feed)
tmp=$(mktemp -d /tmp/ww-bench-feed.XXXXXX)
port=$((20000 + RANDOM % 20000))
pid=
created=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	wait 2>/dev/null
	[ -n "$created" ] && psql "$pg" -qc "DROP DATABASE IF EXISTS ${db}_a" \
		-qc "DROP DATABASE IF EXISTS ${db}_b" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
base=$(echo "$pg" | sed 's/dbname=[^ ]*//')
psql "$pg" -qc "CREATE DATABASE ${db}_a" -c "CREATE DATABASE ${db}_b" >/dev/null
created=1
python3 "$here/tests/bench/genrepo.py" "$tmp/repo" $((n / 10)) "$n" >/dev/null
export WHATWORKS_DATA_DIR=$tmp
WHATWORKS_DATABASE_URL="$base dbname=${db}_a" "$bin" import git --repo "$tmp/repo" --name origin >/dev/null 2>&1
WHATWORKS_DATABASE_URL="$base dbname=${db}_a" "$bin" serve --listen 127.0.0.1:$port \
	>"$tmp/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
docs=$(psql "$base dbname=${db}_a" -Atc "SELECT (SELECT count(*) FROM evaluations) + (SELECT count(*) FROM interventions)")
export WHATWORKS_DATABASE_URL="$base dbname=${db}_b"
t0=$(date +%s.%N)
out=$("$bin" import feed --url "http://127.0.0.1:$port" 2>"$tmp/feed.err")
t1=$(date +%s.%N)
out2=$("$bin" import feed --url "http://127.0.0.1:$port" 2>/dev/null)
t2=$(date +%s.%N)
echo "feed of $docs documents ($n evaluations requested):"
echo "  first import:     $(echo "$t1 - $t0" | bc) s, $(echo "$out" | grep -o 'requests: [0-9]*')"
grep -h "import timing\|scored\|feed fetched" "$tmp/feed.err" | sed "s/^.*msg=/      /" || true
echo "  unchanged import: $(echo "$t2 - $t1" | bc) s, $(echo "$out2" | grep -o 'requests: [0-9]*'), mode $(echo "$out2" | grep -o '(unchanged)')"

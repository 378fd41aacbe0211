#!/usr/bin/env bash
# whatworks serve under wrk: the shipped evidence plus 10,000 generated
# evaluations, 64 connections on loopback, 30 s per run (WHATWORKS_BENCH_SECONDS
# shortens it, WHATWORKS_BENCH_CONNECTIONS changes the 64). For each of
#   /v1/interventions?theme=knife-crime&sort=name&limit=50
#   /v1/interventions/{id}  (a shipped intervention and a generated one with
#                            100 evaluations)
# it prints requests/s, p50 and p99 latency and the status counts, without and
# with If-None-Match (the ETag fetched first); then the same list body served
# by nginx as a static file in the same run, the ratio, and the daemon's peak
# resident memory (VmHWM). Figures only: nothing is asserted. Runs under
# tests/with-postgres.sh (WHATWORKS_TEST_PG) with WHATWORKS_BIN set; the
# daemon takes its settings from the environment (WHATWORKS_THREADS, ...).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${WHATWORKS_BIN:?}
secs=${WHATWORKS_BENCH_SECONDS:-30}
conns=${WHATWORKS_BENCH_CONNECTIONS:-64}
work=$(mktemp -d /tmp/ww-bench-http.XXXXXX)
serve_pid="" nginx_pid=""

cleanup() {
	[ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
	[ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_http() { # url: up to 15 s for a 200
	for _ in $(seq 150); do
		curl -fso /dev/null "$1" && return 0
		sleep 0.1
	done
	echo "no answer from $1" >&2
	return 1
}

# ---- the database: shipped evidence plus generated evaluations ----
db=bench_http
psql "$WHATWORKS_TEST_PG" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
export WHATWORKS_DATABASE_URL="${WHATWORKS_TEST_PG/dbname=postgres/dbname=$db}"
export WHATWORKS_DATA_DIR=$work/data
python3 "$here/genrepo.py" "$work/gen" 100 10000
# the shipped evidence brings the unit costs and deflators: a second set from
# another source would make scoring reject the import (a year given twice)
git -C "$work/gen" rm -rq reference
git -C "$work/gen" -c user.name=Bench -c user.email=bench@example.org commit -qm "no reference data"
"$bin" migrate >/dev/null
"$bin" import git --name evidence --repo "$root" --path evidence >/dev/null 2>"$work/import.log" ||
	{ cat "$work/import.log" >&2; exit 1; }
"$bin" import git --name generated --repo "$work/gen" >/dev/null 2>>"$work/import.log" ||
	{ cat "$work/import.log" >&2; exit 1; }
rm -rf "$work/gen"
echo "evidence: $(psql "$WHATWORKS_DATABASE_URL" -Atc "SELECT (SELECT count(*) FROM interventions
	WHERE valid_to IS NULL) || ' interventions, ' || (SELECT count(*) FROM evaluations
	WHERE valid_to IS NULL) || ' evaluations'")"

# ---- the daemon ----
port=$(free_port)
base=http://127.0.0.1:$port
"$bin" serve --listen "127.0.0.1:$port" 2>"$work/serve.log" &
serve_pid=$!
wait_http "$base/readyz"
grep -m1 'msg="serving"' "$work/serve.log" | sed 's/^.*msg="serving" /daemon: /'

list="/v1/interventions?theme=knife-crime&sort=name&limit=50"
curl -fsS "$base$list" -o "$work/list.json"
read -r shipped generated < <(python3 - "$work/list.json" <<'EOF'
import json, sys
ids = [d["id"] for d in json.load(open(sys.argv[1]))["data"]]
print(next(i for i in ids if not i.startswith("iv-")), next(i for i in ids if i.startswith("iv-")))
EOF
)

cat >"$work/status.lua" <<'EOF'
-- Counts response statuses per thread; args[1], when given, is sent as
-- If-None-Match. done() prints one machine-readable line.
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
	statuses = {}
	if args[1] ~= nil and args[1] ~= "" then wrk.headers["If-None-Match"] = args[1] end
end
function response(status, headers, body)
	statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
	local all = {}
	for _, t in ipairs(threads) do
		for s, n in pairs(t:get("statuses")) do all[s] = (all[s] or 0) + n end
	end
	local st = {}
	for s, n in pairs(all) do st[#st + 1] = s .. ":" .. n end
	table.sort(st)
	local e = summary.errors
	io.write(string.format("RESULT rps=%.0f p50=%.3f p99=%.3f max=%.3f requests=%d bytes=%d" ..
		" socket_errors=%d statuses=%s\n",
		summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
		latency:percentile(99) / 1000, latency.max / 1000, summary.requests, summary.bytes,
		e.connect + e.read + e.write + e.timeout, table.concat(st, ",")))
end
EOF

# run LABEL URL [ETAG]: one wrk run; prints a line and remembers its req/s in
# $rps. With $cpu_pid set, adds that process's CPU time per request.
rps=0 cpu_pid=""
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
run() {
	local label=$1 url=$2 etag=${3:-} t0=0 cpu=""
	[ -n "$cpu_pid" ] && t0=$(cpu_ticks "$cpu_pid")
	wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$work/status.lua" "$url" -- "$etag" \
		>"$work/wrk.out" 2>&1 || { cat "$work/wrk.out" >&2; return 1; }
	local line
	line=$(grep '^RESULT ' "$work/wrk.out") || { cat "$work/wrk.out" >&2; return 1; }
	eval "$(echo "${line#RESULT }" | tr ' ' '\n' | sed 's/^/local r_/')"
	rps=$r_rps
	[ -n "$cpu_pid" ] && cpu=$(printf '  cpu %.0f us/req' \
		"$(echo "($(cpu_ticks "$cpu_pid") - $t0) * 1000000 / $(getconf CLK_TCK) / $r_requests" | bc -l)")
	printf '  %-40s %8s req/s  p50 %7.2f ms  p99 %7.2f ms  max %7.1f ms  %6.0f B/resp  errors %s  statuses %s%s\n' \
		"$label" "$r_rps" "$r_p50" "$r_p99" "$r_max" "$((r_bytes / (r_requests > 0 ? r_requests : 1)))" \
		"$r_socket_errors" "$r_statuses" "$cpu"
}

etag_of() { curl -fsS -o /dev/null -D - "$1" | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: //p'; }

echo "wrk: 2 threads, $conns connections, ${secs} s per run, loopback"
cpu_pid=$serve_pid
echo "list $list ($(wc -c <"$work/list.json") bytes):"
run "whatworks" "$base$list"
ww_list=$rps
run "whatworks, If-None-Match (304)" "$base$list" "$(etag_of "$base$list")"
for id in "$shipped" "$generated"; do
	curl -fsS "$base/v1/interventions/$id" -o "$work/item.json"
	echo "item /v1/interventions/$id ($(wc -c <"$work/item.json") bytes):"
	run "whatworks" "$base/v1/interventions/$id"
	run "whatworks, If-None-Match (304)" "$base/v1/interventions/$id" \
		"$(etag_of "$base/v1/interventions/$id")"
done
grep VmHWM "/proc/$serve_pid/status" | awk '{printf "daemon peak resident memory (VmHWM): %.1f MiB\n", $2 / 1024}'
grep VmRSS "/proc/$serve_pid/status" | awk '{printf "daemon resident memory now (VmRSS): %.1f MiB\n", $2 / 1024}'
echo "daemon threads: $(ls "/proc/$serve_pid/task" | wc -l)"

# ---- nginx serving the same list body as a static file ----
cpu_pid="" # nginx runs a master and workers
mkdir -p "$work/nginx/www" "$work/nginx/tmp"
cp "$work/list.json" "$work/nginx/www/list.json"
nport=$(free_port)
{
	[ "$(id -u)" = 0 ] && echo "user root;"
	cat <<EOF
daemon off;
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
	access_log $work/nginx/access.log;
	client_body_temp_path $work/nginx/tmp;
	proxy_temp_path $work/nginx/tmp;
	fastcgi_temp_path $work/nginx/tmp;
	uwsgi_temp_path $work/nginx/tmp;
	scgi_temp_path $work/nginx/tmp;
	default_type application/json;
	sendfile on;
	keepalive_requests 1000000;
	server {
		listen 127.0.0.1:$nport;
		root $work/nginx/www;
	}
}
EOF
} >"$work/nginx/nginx.conf"
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
nginx_pid=$!
wait_http "http://127.0.0.1:$nport/list.json"
echo "nginx (static file, same body, access log and sendfile on, worker_processes auto):"
run "nginx" "http://127.0.0.1:$nport/list.json"
ng_list=$rps
run "nginx, If-None-Match (304)" "http://127.0.0.1:$nport/list.json" \
	"$(etag_of "http://127.0.0.1:$nport/list.json")"
echo "whatworks / nginx, list: $(echo "scale=2; $ww_list / $ng_list" | bc -l)"
echo "request log lines written: $(grep -c 'msg="request"' "$work/serve.log")"

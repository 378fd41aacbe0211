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
# resident memory (VmHWM). Then the tail (issue 15): WHATWORKS_BENCH_TAIL_RUNS
# (default 5) rounds of WHATWORKS_BENCH_TAIL_SECONDS (default 15) at 64 and at
# 256 connections, whatworks and nginx interleaved on the same list bytes, with
# and without If-None-Match: p50, p99, max and wrk timeouts per run and a
# summary against the goal (p99 at most twice nginx's in the same round, max
# under 100 ms, no timeouts); and the uncached list (a second daemon with
# WHATWORKS_RESPONSE_CACHE_MB=0). Figures only: nothing is asserted. Runs under
# tests/with-postgres.sh (WHATWORKS_TEST_PG) with WHATWORKS_BIN set; the
# daemon takes its settings from the environment (WHATWORKS_THREADS, ...).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${WHATWORKS_BIN:?}
secs=${WHATWORKS_BENCH_SECONDS:-30}
conns=${WHATWORKS_BENCH_CONNECTIONS:-64}
work=$(mktemp -d /tmp/ww-bench-http.XXXXXX)
serve_pid="" nginx_pid="" nocache_pid=""

cleanup() {
	[ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
	[ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
	[ -n "$nocache_pid" ] && kill "$nocache_pid" 2>/dev/null && wait "$nocache_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

. "$here/common.sh"

# ---- the database: shipped evidence plus generated evaluations ----
bench_database bench_http 10000
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
		" socket_errors=%d timeouts=%d statuses=%s\n",
		summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
		latency:percentile(99) / 1000, latency.max / 1000, summary.requests, summary.bytes,
		e.connect + e.read + e.write + e.timeout, e.timeout, table.concat(st, ",")))
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

# ---- the tail (issue 15): whatworks and nginx interleaved, same bytes ----
# One line per run: TAIL conns round target rps p50 p99 max timeouts errors.
tail_runs=${WHATWORKS_BENCH_TAIL_RUNS:-5}
tail_secs=${WHATWORKS_BENCH_TAIL_SECONDS:-15}
tail_run() { # conns round label url [etag]
	wrk -t2 -c"$1" -d"${tail_secs}s" --latency -s "$work/status.lua" "$4" -- "${5:-}" \
		>"$work/wrk.out" 2>&1 || { cat "$work/wrk.out" >&2; return 1; }
	local line
	line=$(grep '^RESULT ' "$work/wrk.out") || { cat "$work/wrk.out" >&2; return 1; }
	eval "$(echo "${line#RESULT }" | tr ' ' '\n' | sed 's/^/local r_/')"
	echo "TAIL $1 $2 $3 $r_rps $r_p50 $r_p99 $r_max $r_timeouts $r_socket_errors $r_statuses" |
		tee -a "$work/tail.txt"
}
ww_etag=$(etag_of "$base$list")
ng_etag=$(etag_of "http://127.0.0.1:$nport/list.json")
echo "tail: $tail_runs rounds of ${tail_secs} s at 64 and 256 connections, targets interleaved"
echo "     conns round target rps p50_ms p99_ms max_ms timeouts socket_errors statuses"
: >"$work/tail.txt"
for c in 64 256; do
	for r in $(seq "$tail_runs"); do
		tail_run "$c" "$r" whatworks "$base$list"
		tail_run "$c" "$r" nginx "http://127.0.0.1:$nport/list.json"
		tail_run "$c" "$r" whatworks-inm "$base$list" "$ww_etag"
		tail_run "$c" "$r" nginx-inm "http://127.0.0.1:$nport/list.json" "$ng_etag"
	done
done
python3 - "$work/tail.txt" <<'EOF'
import collections, statistics as st, sys
runs = collections.defaultdict(dict)  # (conns, round) -> target -> figures
for line in open(sys.argv[1]):
    _, c, r, t, rps, p50, p99, mx, to, se, *_ = line.split()
    runs[(int(c), int(r))][t] = dict(rps=float(rps), p50=float(p50), p99=float(p99),
                                      max=float(mx), timeouts=int(to), errors=int(se))
print("tail summary (medians over rounds; worst p99, max and timeouts over all rounds):")
for c in sorted({k[0] for k in runs}):
    rounds = [runs[k] for k in sorted(runs) if k[0] == c]
    for t in ("whatworks", "nginx", "whatworks-inm", "nginx-inm"):
        f = [x[t] for x in rounds if t in x]
        if not f:
            continue
        print("  %4d conns  %-14s %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms (worst %6.2f)"
              "  max %7.1f ms  timeouts %d  errors %d" % (
                  c, t, st.median(x["rps"] for x in f), st.median(x["p50"] for x in f),
                  st.median(x["p99"] for x in f), max(x["p99"] for x in f),
                  max(x["max"] for x in f), sum(x["timeouts"] for x in f),
                  sum(x["errors"] for x in f)))
    for ww, ng in (("whatworks", "nginx"), ("whatworks-inm", "nginx-inm")):
        pairs = [(x[ww], x[ng]) for x in rounds if ww in x and ng in x]
        n = len(pairs)
        print("  %4d conns  %s vs %s: p99 <= 2x nginx in %d/%d rounds, max < 100 ms in %d/%d,"
              " no timeouts or errors in %d/%d, req/s >= nginx in %d/%d" % (
                  c, ww, ng, sum(a["p99"] <= 2 * b["p99"] for a, b in pairs), n,
                  sum(a["max"] < 100 for a, _ in pairs), n,
                  sum(a["timeouts"] == 0 and a["errors"] == 0 for a, _ in pairs), n,
                  sum(a["rps"] >= b["rps"] for a, b in pairs), n))
EOF

# ---- the uncached list: every request a miss, read from PostgreSQL ----
nc_port=$(free_port)
WHATWORKS_RESPONSE_CACHE_MB=0 "$bin" serve --listen "127.0.0.1:$nc_port" 2>/dev/null &
nocache_pid=$!
wait_http "http://127.0.0.1:$nc_port/readyz"
cmp -s "$work/list.json" <(curl -fsS "http://127.0.0.1:$nc_port$list") ||
	echo "the uncached daemon's list differs from the cached one" >&2
echo "uncached (WHATWORKS_RESPONSE_CACHE_MB=0), $conns connections:"
cpu_pid=$nocache_pid
run "whatworks, no response cache" "http://127.0.0.1:$nc_port$list"
run "whatworks, no response cache, by theme" \
	"http://127.0.0.1:$nc_port/v1/interventions?theme=knife-crime&limit=50"

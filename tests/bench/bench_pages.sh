#!/usr/bin/env bash
# The pages of whatworks serve under wrk, on the shipped evidence: an
# intervention page and the filtered list, cached (64 connections; plain and
# gzip), 304 with If-None-Match, and uncached (as_of bypasses the response
# cache; one connection, so the latency is one page's render); then each
# page's weight (the stylesheet is in the page), plain and gzip. Figures
# only: nothing is asserted. Runs under tests/with-postgres.sh with WHATWORKS_BIN set;
# WHATWORKS_BENCH_SECONDS (default 10) and WHATWORKS_BENCH_CONNECTIONS (64).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${WHATWORKS_BIN:?}
secs=${WHATWORKS_BENCH_SECONDS:-10}
conns=${WHATWORKS_BENCH_CONNECTIONS:-64}
work=$(mktemp -d /tmp/ww-bench-pages.XXXXXX)
serve_pid=""
cleanup() {
	[ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

. "$here/common.sh"

bench_database bench_pages
port=$(free_port)
base=http://127.0.0.1:$port
"$bin" serve --listen "127.0.0.1:$port" 2>"$work/serve.log" &
serve_pid=$!
wait_http "$base/readyz"
commit=$(curl -fsS "$base/v1/themes" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["meta"]["evidence_version"]["commit"])')
page=/interventions/mentoring
list="/interventions?theme=knife-crime&sort=-band,-bcr"

cat >"$work/hdr.lua" <<'EOF'
-- args: header lines "Name: value" to send
function init(args)
	for _, h in ipairs(args) do
		local k, v = h:match("^([^:]+):%s*(.*)$")
		if k then wrk.headers[k] = v end
	end
end
function done(summary, latency, requests)
	io.write(string.format("RESULT %.0f %.2f %.2f %d %d\n",
		summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
		latency:percentile(99) / 1000, summary.errors.status,
		summary.bytes / math.max(summary.requests, 1)))
end
EOF
run() { # label connections url [header...]
	local label=$1 c=$2 url=$3
	shift 3
	wrk -t"$((c < 2 ? 1 : 2))" -c"$c" -d"${secs}s" --latency -s "$work/hdr.lua" "$url" -- "$@" >"$work/wrk.out" 2>&1 ||
		{ cat "$work/wrk.out" >&2; return 1; }
	read -r rps p50 p99 bad bytes < <(sed -n 's/^RESULT //p' "$work/wrk.out")
	printf '  %-34s %3d conns %8s req/s  p50 %6s ms  p99 %6s ms  %6s B/resp  non-2xx/3xx %s\n' \
		"$label" "$c" "$rps" "$p50" "$p99" "$bytes" "$bad"
}
etag() { curl -fsS -o /dev/null -D - "$1" | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: //p'; }

echo "wrk: 2 threads, ${secs} s per run, loopback; $(nproc) CPUs"
for u in "$page" "$list"; do
	echo "$u:"
	run "cached" "$conns" "$base$u"
	run "cached, gzip" "$conns" "$base$u" "Accept-Encoding: gzip"
	run "If-None-Match (304)" "$conns" "$base$u" "If-None-Match: $(etag "$base$u")"
	sep='?'
	case $u in *\?*) sep='&' ;; esac
	run "uncached (as_of), one at a time" 1 "$base$u${sep}as_of=$commit"
done
echo "page weight (one request: the stylesheet is in the page):"
for u in / /interventions "$list" "$page" "$page/projection?area=merseyside&units=100" \
	"/compare?a=mentoring&b=hot-spots-policing&c=street-lighting"; do
	plain=$(curl -sS "$base$u" | wc -c)
	gz=$(curl -sS -H 'Accept-Encoding: gzip' "$base$u" | wc -c)
	printf '  %-62s %5.1f KB   gzip %5.1f KB\n' "$u" "$(echo "$plain / 1024" | bc -l)" \
		"$(echo "$gz / 1024" | bc -l)"
done

#!/usr/bin/env bash
# bench_policeuk.sh - the police-uk import against a local stub at 15 requests/s
#
#   WHATWORKS_BIN=build/whatworks tests/with-postgres.sh tests/bench/bench_policeuk.sh
#
# A Python stub serves data.police.uk's formats: 43 forces, the 15 categories,
# and one street-level archive per month with ROWS rows per force (default
# 1000, about a tenth of the real volume). Prints requests per month of data,
# wall time and throughput for MONTHS months (default 12). Asserts nothing.
set -euo pipefail
: "${WHATWORKS_BIN:?set WHATWORKS_BIN}" "${WHATWORKS_TEST_PG:?run under tests/with-postgres.sh}"
MONTHS=${MONTHS:-12}
ROWS=${ROWS:-1000}
tmp=$(mktemp -d /tmp/ww-bench-pu.XXXXXX)
stub_pid=
cleanup() {
	[ -n "$stub_pid" ] && kill "$stub_pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

python3 - "$tmp" "$MONTHS" "$ROWS" <<'PY'
import json, os, random, sys, zipfile
out, months, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
cats = [("anti-social-behaviour", "Anti-social behaviour"), ("bicycle-theft", "Bicycle theft"),
        ("burglary", "Burglary"), ("criminal-damage-arson", "Criminal damage and arson"),
        ("drugs", "Drugs"), ("other-theft", "Other theft"),
        ("possession-of-weapons", "Possession of weapons"), ("public-order", "Public order"),
        ("robbery", "Robbery"), ("shoplifting", "Shoplifting"),
        ("theft-from-the-person", "Theft from the person"), ("vehicle-crime", "Vehicle crime"),
        ("violent-crime", "Violence and sexual offences"), ("other-crime", "Other crime")]
forces = ["force-%02d" % i for i in range(43)]
os.makedirs(out + "/api", exist_ok=True)
os.makedirs(out + "/data/archive", exist_ok=True)
json.dump([{"id": f, "name": f.title()} for f in forces], open(out + "/api/forces", "w"))
json.dump([{"url": "all-crime", "name": "All crime"}] + [{"url": i, "name": n} for i, n in cats],
          open(out + "/api/crime-categories", "w"))
json.dump({"date": "2024-12-01"}, open(out + "/api/crime-last-updated", "w"))
rnd = random.Random(1)
header = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
          "LSOA name,Crime type,Last outcome category,Context\r\n")
for m in range(months):
    y, mo = 2024, 12 - m
    while mo < 1:
        mo += 12; y -= 1
    month = "%04d-%02d" % (y, mo)
    with zipfile.ZipFile("%s/data/archive/%s.zip" % (out, month), "w", zipfile.ZIP_DEFLATED) as z:
        for f in forces:
            lines = [header]
            for k in range(rows):
                label = cats[rnd.randrange(len(cats))][1]
                lines.append("%064x,%s,%s,%s,-2.98,53.40,On or near Bold Street,E01006%03d,"
                             "Somewhere %03dA,%s,Investigation complete; no suspect identified,\r\n"
                             % (rnd.getrandbits(256), month, f.title(), f.title(), k % 1000,
                                k % 1000, label))
            z.writestr("%s/%s-%s-street.csv" % (month, month, f), "".join(lines))
PY

cat >"$tmp/stub.py" <<'PY'
import http.server, os, sys, threading
root, log = sys.argv[1], open(sys.argv[2], "a", buffering=1)
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        log.write(self.path + "\n")
        path = self.path.split("?")[0]
        try:
            data = open(root + path, "rb").read()
        except OSError:
            self.send_response(404); self.end_headers(); return
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
python3 "$tmp/stub.py" "$tmp" "$tmp/requests.log" >"$tmp/port" &
stub_pid=$!
for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
port=$(cat "$tmp/port")

PGOPTIONS="-c client_min_messages=warning" psql "$WHATWORKS_TEST_PG" -qc "DROP DATABASE IF EXISTS bench_policeuk" -c "CREATE DATABASE bench_policeuk"
export WHATWORKS_DATABASE_URL="$WHATWORKS_TEST_PG dbname=bench_policeuk"
export WHATWORKS_POLICE_UK_URL="http://127.0.0.1:$port/api"
export WHATWORKS_POLICE_UK_RATE=15 WHATWORKS_POLICE_UK_BURST=30 WHATWORKS_LOG_LEVEL=warn
"$WHATWORKS_BIN" migrate >/dev/null
archive_bytes=$(cat "$tmp"/data/archive/*.zip | wc -c)
t0=$(date +%s.%N)
"$WHATWORKS_BIN" import police-uk --months "$MONTHS"
t1=$(date +%s.%N)
first=$(wc -l <"$tmp/requests.log")
t2=$(date +%s.%N)
"$WHATWORKS_BIN" import police-uk --months "$MONTHS" >/dev/null
t3=$(date +%s.%N)
requests=$(wc -l <"$tmp/requests.log")
python3 - "$first" "$requests" "$MONTHS" "$t0" "$t1" "$t2" "$t3" "$ROWS" "$archive_bytes" <<'PY'
import sys
first, req, months, t0, t1, t2, t3, rows, size = sys.argv[1:]
first, req, months, rows, size = int(first), int(req), int(months), int(rows), int(size)
wall = float(t1) - float(t0)
print("police-uk import, %d months x 43 forces x %d rows (%.1f MB of archives), stub at 15 req/s:"
      % (months, rows, size / 1e6))
print("  first run:  %.2f s wall, %.0f rows/s" % (wall, months * 43 * rows / wall))
print("  rerun (unchanged): %.2f s wall" % (float(t3) - float(t2)))
print("  requests: first run %d (%.2f per month of data), rerun %d"
      % (first, first / months, req - first))
PY

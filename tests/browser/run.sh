#!/usr/bin/env bash
# run.sh - the browser suite against a throwaway daemon serving the shipped
# evidence. Run under tests/with-postgres.sh (WHATWORKS_TEST_PG is the
# cluster), with WHATWORKS_BIN the binary; `make browser` does both.
#
# Makes a database, migrates it, imports evidence/ from this repository with
# the git importer (as `make run` does), adds twelve months of recorded crime
# for one force (the projection page draws it), serves on a free port and
# runs run.js in chromium. Screenshots go to $SCREENSHOTS (build/screenshots).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${WHATWORKS_BIN:?set WHATWORKS_BIN}
: "${WHATWORKS_TEST_PG:?run under tests/with-postgres.sh}"
export SCREENSHOTS=${SCREENSHOTS:-$root/build/screenshots}
work=$(mktemp -d /tmp/whatworks-browser.XXXXXX)
pid=
cleanup() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

psql "$WHATWORKS_TEST_PG" -qc "CREATE DATABASE browser" >/dev/null
export WHATWORKS_DATABASE_URL="${WHATWORKS_TEST_PG/dbname=postgres/dbname=browser}"
export WHATWORKS_DATA_DIR=$work
"$bin" migrate >/dev/null
"$bin" import git --name evidence --repo "$root" --path evidence >"$work/import.log" 2>&1 ||
	{ cat "$work/import.log"; exit 1; }
psql "$WHATWORKS_DATABASE_URL" -qv ON_ERROR_STOP=1 >/dev/null <<'SQL'
INSERT INTO police_forces (id, name, run_id) VALUES ('merseyside', 'Merseyside Police', 1);
INSERT INTO crime_units (force, month, published, run_id, rows)
    SELECT 'merseyside', m, '2025-12', 1, 2 FROM generate_series('2025-01-01'::date, '2025-12-01', '1 month') m;
INSERT INTO crime_counts (force, month, category, count, run_id)
    SELECT 'merseyside', m, c, 900 + (extract(month FROM m)::int * 37) % 200 + length(c) * 10, 1
    FROM generate_series('2025-01-01'::date, '2025-12-01', '1 month') m,
         unnest(ARRAY['violent-crime', 'possession-of-weapons']) c;
SQL

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" serve --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
	curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
	sleep 0.1
done
EXPECT_TREND=1 WHATWORKS_URL="http://127.0.0.1:$port" node "$here/run.js" ||
	{ echo "daemon log: $work/serve.log (tail)"; tail -20 "$work/serve.log"; exit 1; }

#!/usr/bin/env bash
# Scoring through the database: 1,000 interventions x 3 crime types x 10,000
# Monte Carlo draws (every score costed: the generated repository ships unit
# costs and deflators), as part of the first import and again with
# `whatworks score --rescore`; then an import that touches one evaluation.
# The "scored" log line splits reading, scoring (the C model) and writing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${WHATWORKS_BIN:?}
work=$(mktemp -d /tmp/ww-bench-score.XXXXXX)
trap 'rm -rf "$work"' EXIT

python3 "$here/genrepo.py" "$work/repo" 1000 9000
psql "$WHATWORKS_TEST_PG" -qc "CREATE DATABASE bench_score"
export WHATWORKS_DATABASE_URL="${WHATWORKS_TEST_PG/dbname=postgres/dbname=bench_score}"
export WHATWORKS_DATA_DIR=$work/data
"$bin" migrate >/dev/null

scored() { grep -h 'msg="scored"' "$1" | sed 's/^.*msg="scored" /    /' || true; }

echo "first import (1,000 interventions, 9,000 evaluations, 3 crime types):"
"$bin" import git --repo "$work/repo" >"$work/out" 2>"$work/err"
sed 's/^/    /' "$work/out"
scored "$work/err"
echo "rescore everything (whatworks score --rescore):"
/usr/bin/time -f "    %e s wall, %U s user, %M KiB peak" "$bin" score --rescore >"$work/out" 2>"$work/err"
scored "$work/err"
grep -h "wall" "$work/err" || true
psql "$WHATWORKS_DATABASE_URL" -Atc "SELECT '    ' || count(*) || ' score rows, ' || count(*) FILTER (WHERE band <> 'insufficient') || ' costed' FROM scores"
f=$work/repo/evaluations/000/ev-000000.yaml
sed -i 's/^title: Generated/title: Changed/' "$f"
git -C "$work/repo" -c user.name=b -c user.email=b@example.org commit -qam "one evaluation"
echo "an import that touches one evaluation:"
"$bin" import git --repo "$work/repo" >"$work/out" 2>"$work/err"
sed 's/^/    /' "$work/out"
scored "$work/err"

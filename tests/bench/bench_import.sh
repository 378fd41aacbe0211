#!/usr/bin/env bash
# Import and validate over generated repositories: a full import of 1,000
# interventions and 10,000 evaluations into an empty database, an import after
# a one-file change at 1,000 / 10,000 / 50,000 files, and validate over the
# 11,000 files; wall time and peak memory (GNU time) of each. The full import
# runs BENCH_IMPORT_REPEAT times (default 5; once at 55,000 files), each into
# a new database, and the median is printed with the range: on a shared
# 2-core machine consecutive runs differ by a quarter.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${WHATWORKS_BIN:?}
work=$(mktemp -d /tmp/ww-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

measure() { # label, command...
	local label=$1; shift
	/usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/out" 2>"$work/err" || {
		cat "$work/out" "$work/err" >&2; return 1; }
	read -r secs kib <"$work/time"
	echo "$secs" >>"$work/times"
	printf '  %-44s %7.0f ms  %7.1f MiB peak\n' "$label" "$(echo "$secs * 1000" | bc -l)" \
		"$(echo "$kib / 1024" | bc -l)"
	grep -h "import timing" "$work/err" | sed 's/^.*msg="import timing" /      /' || true
}

fresh_db() { # name: a new empty, migrated database and data directory
	psql "$WHATWORKS_TEST_PG" -qc "DROP DATABASE IF EXISTS $1" -qc "CREATE DATABASE $1"
	export WHATWORKS_DATABASE_URL="${WHATWORKS_TEST_PG/dbname=postgres/dbname=$1}"
	rm -rf "$WHATWORKS_DATA_DIR"
	"$bin" migrate >/dev/null
}

# BENCH_IMPORT_SIZES="100:1000 1000:10000" for a shorter run
for spec in ${BENCH_IMPORT_SIZES:-100:1000 1000:10000 5000:50000}; do
	ivs=${spec%%:*}; evs=${spec##*:}; files=$((ivs + evs))
	repo=$work/repo-$files
	python3 "$here/genrepo.py" "$repo" "$ivs" "$evs"
	sync # the generator's writes are flushed before anything is measured
	export WHATWORKS_DATA_DIR=$work/data-$files
	echo "$files files ($ivs interventions, $evs evaluations):"
	repeat=${BENCH_IMPORT_REPEAT:-5}
	[ "$files" -gt 20000 ] && repeat=1
	rm -f "$work/times"
	for k in $(seq "$repeat"); do
		fresh_db "bench_$files"
		measure "full import into an empty database ($k)" "$bin" import git --repo "$repo"
	done
	sort -n "$work/times" | awk '{t[NR] = $1 * 1000} END {
		printf "  %-44s %7.0f ms  (%.0f to %.0f ms, %d runs)\n",
		"full import, median", t[int((NR + 1) / 2)], t[1], t[NR], NR }'
	measure "the same commit again" "$bin" import git --repo "$repo"
	f=$repo/evaluations/000/ev-000000.yaml
	sed -i 's/^title: Generated/title: Changed/' "$f"
	git -C "$repo" -c user.name=b -c user.email=b@example.org commit -qam "one file"
	measure "import after a one-file change" "$bin" import git --repo "$repo"
	measure "validate every file" "$bin" validate "$repo"
	rm -rf "$repo" "$WHATWORKS_DATA_DIR"
done

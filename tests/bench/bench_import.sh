#!/usr/bin/env bash
# Import and validate over generated repositories: a full import of 1,000
# interventions and 10,000 evaluations into an empty database, an import after
# a one-file change at 1,000 / 10,000 / 50,000 files, and validate over the
# 11,000 files; wall time and peak memory (GNU time) of each.
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
	printf '  %-44s %7.0f ms  %7.1f MiB peak\n' "$label" "$(echo "$secs * 1000" | bc -l)" \
		"$(echo "$kib / 1024" | bc -l)"
	grep -h "import timing" "$work/err" | sed 's/^.*msg="import timing" /      /' || true
}

# BENCH_IMPORT_SIZES="100:1000 1000:10000" for a shorter run
for spec in ${BENCH_IMPORT_SIZES:-100:1000 1000:10000 5000:50000}; do
	ivs=${spec%%:*}; evs=${spec##*:}; files=$((ivs + evs))
	repo=$work/repo-$files
	python3 "$here/genrepo.py" "$repo" "$ivs" "$evs"
	sync # the generator's writes are flushed before anything is measured
	db=bench_$files
	psql "$WHATWORKS_TEST_PG" -qc "CREATE DATABASE $db"
	export WHATWORKS_DATABASE_URL="${WHATWORKS_TEST_PG/dbname=postgres/dbname=$db}"
	export WHATWORKS_DATA_DIR=$work/data-$files
	"$bin" migrate >/dev/null
	echo "$files files ($ivs interventions, $evs evaluations):"
	measure "full import into an empty database" "$bin" import git --repo "$repo"
	measure "the same commit again" "$bin" import git --repo "$repo"
	f=$repo/evaluations/000/ev-000000.yaml
	sed -i 's/^title: Generated/title: Changed/' "$f"
	git -C "$repo" -c user.name=b -c user.email=b@example.org commit -qam "one file"
	measure "import after a one-file change" "$bin" import git --repo "$repo"
	measure "validate every file" "$bin" validate "$repo"
	rm -rf "$repo" "$WHATWORKS_DATA_DIR"
done

# common.sh - sourced by the HTTP benchmarks (bench_http, bench_pages,
# bench_replicas): a free port, waiting for a daemon, and the benchmark
# database. Needs $bin (the whatworks binary), $root (the checkout), $work (a
# scratch folder) and WHATWORKS_TEST_PG (tests/with-postgres.sh).

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

# bench_database NAME [GENERATED]: a new database NAME holding the shipped
# evidence and, when GENERATED is given, that many generated evaluations (over
# 100 interventions); exports WHATWORKS_DATABASE_URL and WHATWORKS_DATA_DIR.
bench_database() {
	local db=$1 generated=${2:-0}
	psql "$WHATWORKS_TEST_PG" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" 2>/dev/null
	export WHATWORKS_DATABASE_URL="${WHATWORKS_TEST_PG/dbname=postgres/dbname=$db}"
	export WHATWORKS_DATA_DIR=$work/data
	"$bin" migrate >/dev/null
	"$bin" import git --name evidence --repo "$root" --path evidence >/dev/null 2>"$work/import.log" ||
		{ cat "$work/import.log" >&2; return 1; }
	[ "$generated" -gt 0 ] || return 0
	python3 "$root/tests/bench/genrepo.py" "$work/gen" 100 "$generated" >/dev/null
	# the shipped evidence brings the unit costs and deflators: a second set from
	# another source would make scoring reject the import (a year given twice)
	git -C "$work/gen" rm -rq reference
	git -C "$work/gen" -c user.name=Bench -c user.email=bench@example.org commit -qm "no reference data"
	"$bin" import git --name generated --repo "$work/gen" >/dev/null 2>>"$work/import.log" ||
		{ cat "$work/import.log" >&2; return 1; }
	rm -rf "$work/gen"
}

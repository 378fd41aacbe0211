#!/usr/bin/env bash
# with-postgres.sh COMMAND [ARGS...]
#
# Starts a throwaway PostgreSQL cluster in a fresh temporary directory, runs
# COMMAND with WHATWORKS_TEST_PG (the cluster's conninfo) and
# WHATWORKS_TEST_PGDIR set, then stops and removes the cluster. Tests create
# their own databases in it. Exits with COMMAND's status.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/whatworks-pg.XXXXXX)
cleanup() {
	"$here/service/pgcluster.sh" stop "$tmp" || true
	rm -rf "$tmp"
}
trap cleanup EXIT
conninfo=$("$here/service/pgcluster.sh" start "$tmp")
export WHATWORKS_TEST_PG="$conninfo"
export WHATWORKS_TEST_PGDIR="$tmp"
set +e
"$@"
rc=$?
set -e
exit $rc

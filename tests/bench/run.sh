#!/usr/bin/env bash
# make bench: every benchmark, figures printed, nothing asserted. Runs under
# tests/with-postgres.sh (a throwaway cluster) with WHATWORKS_BIN and
# WHATWORKS_BENCH_DIR (the compiled C benchmarks) set by the Makefile.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
status=0
for b in "$WHATWORKS_BENCH_DIR"/*; do
	[ -x "$b" ] || continue
	echo "== $(basename "$b")"
	"$b" || status=1
done
for s in "$here"/bench_*.sh; do
	[ -x "$s" ] || continue
	echo "== $(basename "$s" .sh)"
	"$s" || status=1
done
exit $status

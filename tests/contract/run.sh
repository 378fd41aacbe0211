#!/usr/bin/env bash
# tests/contract/run.sh - the API contract as its clients hold it
#
# Run under tests/with-postgres.sh with WHATWORKS_BIN set (make contract does
# both, after npm ci here). Imports the shipped evidence plus the contract
# fixtures (tests/contract/evidence: scores with every figure filled in) into
# a new database, adds recorded crime and a rejected run (fixture.sql),
# serves it, and then:
#   1. Redocly lints service/openapi.json with its recommended rules (no errors);
#   2. openapi-typescript turns it into types and tsc --strict compiles
#      client.ts, which then runs against the daemon;
#   3. validate.mjs checks every response of its requests against the
#      declared status, Content-Type and schema with Ajv (JSON Schema 2020-12).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${WHATWORKS_BIN:?WHATWORKS_BIN is not set: run through make contract}
: "${WHATWORKS_TEST_PG:?WHATWORKS_TEST_PG is not set: run under tests/with-postgres.sh}"
spec=$root/service/openapi.json
token=contract-token-$$
work=$(mktemp -d /tmp/whatworks-contract.XXXXXX)
pid=
cleanup() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT
cd "$here"

echo "== redocly lint"
npx --no-install redocly lint --format=stylish "$spec"

echo "== openapi-typescript + tsc --strict"
mkdir -p build
npx --no-install openapi-typescript "$spec" -o build/api.d.ts
npx --no-install tsc -p tsconfig.json

echo "== a daemon with evidence that fills every field"
mkdir -p "$work/repo" "$work/data"
cp -r "$root/evidence" "$work/repo/evidence"
cp -r "$here/evidence/." "$work/repo/evidence/"
git -C "$work/repo" init -q -b main
git -C "$work/repo" add -A
git -C "$work/repo" -c user.name='Contract Test' -c user.email=contract@example.org \
	-c commit.gpgsign=false commit -q -m evidence
db=contract_$$
psql "$WHATWORKS_TEST_PG" -qc "CREATE DATABASE $db" >/dev/null
export WHATWORKS_DATABASE_URL="${WHATWORKS_TEST_PG/dbname=postgres/dbname=$db}"
export WHATWORKS_DATA_DIR=$work/data
"$bin" migrate >/dev/null
"$bin" import git --name evidence --repo "$work/repo" --path evidence >/dev/null 2>&1
psql "$WHATWORKS_DATABASE_URL" -q -v ON_ERROR_STOP=1 -f "$here/fixture.sql" >/dev/null
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" serve --listen "127.0.0.1:$port" --import-token "$token" >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
	curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
	sleep 0.1
done
base=http://127.0.0.1:$port

echo "== the typed client against it"
node build/client.js "$base"

echo "== every response against its declared schema"
if ! CONTRACT_TOKEN=$token node validate.mjs "$base" "$spec"; then
	echo "daemon log:"; tail -20 "$work/serve.log"
	exit 1
fi

# the daemon stops cleanly (under the sanitizers: no leak, no error)
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=
if [ "$status" -ne 0 ]; then
	echo "whatworks serve exited with status $status:"; tail -40 "$work/serve.log"
	exit 1
fi

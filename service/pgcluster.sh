#!/usr/bin/env bash
# pgcluster.sh start|stop|status DIR
#
# A local PostgreSQL 15 cluster in DIR/pg, its socket in DIR, listening on no
# TCP port. PostgreSQL refuses to run as root, so as root the cluster belongs to
# the "postgres" system user (created by Debian's package); as any other user
# it belongs to that user. Prints the conninfo for `start` on stdout.
#
# As root, when "postgres" cannot reach DIR (a clone in /root, mode 0700), the
# cluster lives in $WHATWORKS_PG_HOME/<number from DIR's path> instead
# (default /var/lib/whatworks), DIR/pgcluster.home names that folder and
# DIR/.s.PGSQL.5432 links to its socket, so "host=DIR" still connects. What it
# did is said on stderr.
set -euo pipefail
cmd=${1:?usage: pgcluster.sh start|stop|status DIR}
dir=${2:?usage: pgcluster.sh start|stop|status DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
bindir=$(pg_config --bindir 2>/dev/null || true)
[ -x "$bindir/initdb" ] || bindir=/usr/lib/postgresql/15/bin
if [ ! -x "$bindir/initdb" ]; then
	echo "pgcluster: initdb not found; install postgresql-15 (make deps)" >&2
	exit 1
fi
as_owner() {
	# from / : the postgres user may not enter the caller's folder (a clone in /root)
	if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}
pgdata=$dir/pg
sock=$dir
user=$( [ "$(id -u)" = 0 ] && echo postgres || id -un )

# Where the cluster of DIR lives when it cannot live in DIR (see above).
home=""
if [ -s "$dir/pgcluster.home" ]; then
	home=$(cat "$dir/pgcluster.home")
elif [ "$cmd" = start ] && [ "$(id -u)" = 0 ] &&
	! runuser -u postgres -- test -x "$(dirname "$dir")" 2>/dev/null; then
	base=${WHATWORKS_PG_HOME:-/var/lib/whatworks}
	home=$base/$(printf '%s' "$dir" | cksum | cut -d' ' -f1)
fi
if [ -n "$home" ]; then
	pgdata=$home/pg
	sock=$home
fi

case "$cmd" in
start)
	if [ -n "$home" ]; then
		mkdir -p "$home"
		chmod 0755 "$(dirname "$home")"
		chown postgres "$home"
		chmod 0755 "$home"
		printf '%s\n' "$home" >"$dir/pgcluster.home"
		ln -sfn "$home/.s.PGSQL.5432" "$dir/.s.PGSQL.5432"
		echo "pgcluster: the postgres user cannot reach $dir (a parent folder is private)," \
			"so the cluster is in $home as postgres; $dir/.s.PGSQL.5432 links to its socket" >&2
	elif [ "$(id -u)" = 0 ]; then
		chown postgres "$dir"
		# the socket directory must be reachable by the server user
		chmod 0755 "$dir"
	fi
	if [ ! -s "$pgdata/PG_VERSION" ]; then
		as_owner "$bindir/initdb" -D "$pgdata" -U "$user" -A trust -E UTF8 --locale=C.UTF-8 >"$sock/initdb.log" 2>&1 ||
			{ echo "pgcluster: initdb failed, see $sock/initdb.log" >&2; exit 1; }
	fi
	if ! as_owner "$bindir/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
		as_owner "$bindir/pg_ctl" -D "$pgdata" -l "$sock/postgres.log" -w -t 60 \
			-o "-k $sock -c listen_addresses='' -c fsync=off -c full_page_writes=off -c max_connections=200" \
			start >/dev/null ||
			{ echo "pgcluster: could not start PostgreSQL, see $sock/postgres.log" >&2; exit 1; }
	fi
	if ! as_owner "$bindir/psql" -h "$sock" -U "$user" -d postgres -Atqc "SELECT 1 FROM pg_database WHERE datname = 'whatworks'" | grep -q 1; then
		as_owner "$bindir/createdb" -h "$sock" -U "$user" whatworks
	fi
	echo "host=$sock user=$user dbname=postgres"
	;;
stop)
	if [ -s "$pgdata/PG_VERSION" ]; then
		as_owner "$bindir/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null 2>&1 || true
	fi
	;;
status)
	as_owner "$bindir/pg_ctl" -D "$pgdata" status
	;;
*)
	echo "usage: pgcluster.sh start|stop|status DIR" >&2
	exit 2
	;;
esac

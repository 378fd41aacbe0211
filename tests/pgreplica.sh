#!/usr/bin/env bash
# pgreplica.sh start|stop|promote DIR PRIMARY_DIR
#
# A PostgreSQL streaming replica of the throwaway cluster in PRIMARY_DIR (made
# by service/pgcluster.sh): pg_basebackup -R over the primary's Unix socket
# into DIR/pg, its own socket in DIR, no TCP port. As root the cluster belongs
# to the "postgres" user, as the primary does. Prints the replica's conninfo
# for `start`.
set -euo pipefail
cmd=${1:?usage: pgreplica.sh start|stop DIR PRIMARY_DIR}
dir=${2:?usage: pgreplica.sh start|stop DIR PRIMARY_DIR}
primary=${3:-}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
bindir=$(pg_config --bindir 2>/dev/null || true)
[ -x "$bindir/pg_basebackup" ] || bindir=/usr/lib/postgresql/15/bin
as_owner() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
user=$( [ "$(id -u)" = 0 ] && echo postgres || id -un )
pgdata=$dir/pg
case "$cmd" in
start)
	[ -n "$primary" ] || { echo "pgreplica: name the primary's folder" >&2; exit 2; }
	primary=$(cd "$primary" && pwd)
	if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; chmod 0755 "$dir"; fi
	if [ ! -s "$pgdata/PG_VERSION" ]; then
		as_owner "$bindir/pg_basebackup" -h "$primary" -U "$user" -D "$pgdata" -R -X stream \
			-c fast >"$dir/basebackup.log" 2>&1 ||
			{ echo "pgreplica: pg_basebackup failed, see $dir/basebackup.log" >&2; exit 1; }
	fi
	if ! as_owner "$bindir/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
		as_owner "$bindir/pg_ctl" -D "$pgdata" -l "$dir/postgres.log" -w -t 60 \
			-o "-k $dir -c listen_addresses='' -c hot_standby=on -c fsync=off -c max_connections=200" start >/dev/null ||
			{ echo "pgreplica: could not start the replica, see $dir/postgres.log" >&2; exit 1; }
	fi
	echo "host=$dir user=$user dbname=postgres"
	;;
stop)
	if [ -s "$pgdata/PG_VERSION" ]; then
		as_owner "$bindir/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null 2>&1 || true
	fi
	;;
*)
	echo "usage: pgreplica.sh start|stop DIR PRIMARY_DIR" >&2
	exit 2
	;;
esac

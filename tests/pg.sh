#!/bin/sh
# pg.sh - a private PostgreSQL cluster under the build tree, on a Unix socket.
#
#   tests/pg.sh start   initdb when needed, start, create database "mailsift"
#   tests/pg.sh stop
#   tests/pg.sh env     print PGHOST/PGPORT/PGDATABASE lines to eval
#
# initdb refuses to run as root, so as root the cluster belongs to the
# "postgres" user (created by Debian's postgresql package) and every server
# command runs through runuser.  The socket lives in the cluster directory,
# which that user owns.  No TCP listener: nothing outside can reach it.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${MAILSIFT_PGDIR:-$top/build/pg}
port=${MAILSIFT_PGPORT:-54329}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bindir/initdb" ] || { echo "pg.sh: PostgreSQL server not installed (make deps)" >&2; exit 78; }

as_owner() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-start}" in
start)
	mkdir -p "$dir"
	if [ "$(id -u)" = 0 ]; then
		chown postgres "$dir"
	fi
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust \
		    -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
		    { cat "$dir/initdb.log" >&2; exit 1; }
	fi
	if ! as_owner "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
		as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
		    -o "-k $dir -p $port -c listen_addresses= -c max_connections=100 -c fsync=${MAILSIFT_PG_FSYNC:-on}" \
		    start >/dev/null || { tail -n 20 "$dir/server.log" >&2; exit 1; }
	fi
	as_owner "$bindir/psql" -h "$dir" -p "$port" -U postgres -d postgres -qtAc \
	    "SELECT 1 FROM pg_database WHERE datname = 'mailsift'" | grep -q 1 ||
	    as_owner "$bindir/createdb" -h "$dir" -p "$port" -U postgres mailsift
	;;
stop)
	[ -f "$dir/data/PG_VERSION" ] || exit 0
	as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
	;;
env)
	echo "PGHOST=$dir; export PGHOST"
	echo "PGPORT=$port; export PGPORT"
	echo "PGUSER=postgres; export PGUSER"
	echo "PGDATABASE=mailsift; export PGDATABASE"
	;;
*)
	echo "usage: pg.sh start|stop|env" >&2; exit 64 ;;
esac

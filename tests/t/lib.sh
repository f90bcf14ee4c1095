# lib.sh - helpers for the integration tests (sourced by tests/t/*.sh).
#
#   ok COND-EXIT-STATUS "description"   e.g.  [ "$x" = 3 ]; ok $? "three"
#   is GOT WANT "description"
#   fresh_db NAME     create database NAME, migrate it, export MAILSIFT_DB
#   q SQL             one value from the test database
# Every test gets its own database, dropped on exit.
T_DBS=
T_TMP=$(mktemp -d)
trap 't_cleanup' EXIT
t_cleanup() {
	for d in $T_DBS; do dropdb --if-exists "$d" 2>/dev/null; done
	rm -rf "$T_TMP"
}
ok() {
	if [ "$1" = 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fi
}
is() {
	if [ "$1" = "$2" ]; then
		echo "ok - $3"
	else
		echo "not ok - $3"
		echo "#   got:  $1" | head -c 2000; echo
		echo "#   want: $2" | head -c 2000; echo
	fi
}
fresh_db() {
	dropdb --if-exists "$1" 2>/dev/null
	createdb "$1" || return 1
	T_DBS="$T_DBS $1"
	MAILSIFT_DB="dbname=$1"; export MAILSIFT_DB
	T_DB=$1
	"$MAILSIFT" db migrate >/dev/null
}
q() {
	psql -X -qAt -v ON_ERROR_STOP=1 -d "$T_DB" -c "$1"
}

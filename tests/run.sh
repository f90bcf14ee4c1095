#!/bin/sh
# run.sh - run every test and print "N passed, N failed" last.
#
# Unit tests are the binaries build/tests/*; integration tests are the
# scripts tests/t/*.sh.  Both print TAP lines ("ok - ...", "not ok - ...");
# a test that exits non-zero without printing "not ok" counts as one failure.
# Integration tests get a private PostgreSQL (tests/pg.sh) and these
# variables: MAILSIFT (the binary), TOP, CORPUS (may not exist), PG* for psql.
# MAILSIFT_TESTS="faults ingest_test" runs only the tests of those names.
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
B=${MAILSIFT_BUILD:-build}
# Under the sanitizers memory and time bounds mean little: tests relax them.
case $B in *asan*) export MAILSIFT_ASAN=1 ;; esac
[ "${MAILSIFT_VALGRIND:-0}" = 1 ] && export MAILSIFT_ASAN=1
export TOP="$top" MAILSIFT="$top/$B/mailsift" CORPUS="$top/../shared/corpus"
export MAILSIFT_GEN="$top/$B/mailsift-gen"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! tests/pg.sh start; then
	echo "not ok - private PostgreSQL did not start"
	echo "0 passed, 1 failed"
	exit 1
fi
eval "$(tests/pg.sh env)"

pass=0 fail=0
wanted() {	# name
	[ -z "$MAILSIFT_TESTS" ] && return 0
	for w in $MAILSIFT_TESTS; do
		[ "$w" = "$1" ] && return 0
	done
	return 1
}
run_one() {	# name, command...
	name=$1; shift
	wanted "${name%.sh}" || return 0
	echo "# $name"
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	cat "$tmp/out"
	p=$(grep -c '^ok' "$tmp/out")
	f=$(grep -c '^not ok' "$tmp/out")
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "not ok - $name exited $rc"
		sed 's/^/#   /' "$tmp/err" | tail -n 20
		f=1
	elif [ "$f" != 0 ]; then
		sed 's/^/#   /' "$tmp/err" | tail -n 20
	fi
	pass=$((pass + p)); fail=$((fail + f))
}

for t in "$B"/tests/*; do
	[ -x "$t" ] && run_one "$(basename "$t")" "$t"
done
for t in tests/t/*.sh; do
	case $t in */lib.sh) continue ;; esac	# sourced by the others
	[ -f "$t" ] && run_one "$(basename "$t")" sh "$t"
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]

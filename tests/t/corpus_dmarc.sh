#!/bin/sh
# corpus_dmarc.sh - DMARC corpus conformance, whenever ../shared/corpus exists.
#
# Every file in $CORPUS/dmarc (except expected/) is ingested into a fresh
# database, and the database is compared with the oracle's expected JSON:
# every "ok" file exact, every "error" file rejected with a reason or
# recovered as its lenient_reports, no crash, and a second ingest of the
# whole corpus stores nothing new.  The work is in tests/corpus_dmarc.py.
#
# Run by tests/run.sh (MAILSIFT, TOP, CORPUS and PG* set), or by hand:
#   tests/pg.sh start && eval "$(tests/pg.sh env)" && sh tests/t/corpus_dmarc.sh
# CORPUS_DMARC_KEEP_DB=1 keeps the database for a look afterwards;
# CORPUS_DMARC_ONLY=text ingests only the files whose path contains text.
top=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
corpus=${CORPUS:-$top/../shared/corpus}
mailsift=${MAILSIFT:-$top/build/mailsift}

if [ ! -d "$corpus/dmarc" ]; then
	echo "ok - skip: corpus_dmarc: ../shared/corpus absent"
	exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "not ok - corpus_dmarc: python3 not found"
	exit 1
fi
if [ ! -x "$mailsift" ]; then
	echo "not ok - corpus_dmarc: no mailsift binary at $mailsift"
	exit 1
fi

db=corpus_dmarc_$$
tmp=$(mktemp -d) || exit 1
cleanup() {
	if [ -n "$CORPUS_DMARC_KEEP_DB" ]; then
		echo "# corpus_dmarc: kept database $db"
	else
		psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

if ! psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $db" \
    >"$tmp/err" 2>&1; then
	echo "not ok - corpus_dmarc: cannot create database $db"
	sed 's/^/#   /' "$tmp/err"
	exit 1
fi

"$mailsift" --db "dbname=$db" db migrate >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" != 0 ]; then
	echo "not ok - corpus_dmarc: mailsift db migrate exited $rc"
	sed 's/^/#   /' "$tmp/err" | tail -n 20
	exit 1
fi
echo "ok - corpus_dmarc: mailsift db migrate into a fresh database"

if [ -n "$CORPUS_DMARC_ONLY" ]; then
	set -- --only "$CORPUS_DMARC_ONLY"
fi
python3 "$top/tests/corpus_dmarc.py" --mailsift "$mailsift" \
    --corpus "$corpus" --db "$db" "$@"

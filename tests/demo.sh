#!/bin/sh
# demo.sh - `make demo`: a month of generated reports and bounces into a
# private PostgreSQL, then the trend that shows the story: one sending IP
# starts failing DKIM alignment half way through the month, the DMARC
# reports say so, and Gmail starts refusing its mail (5.7.26), which the
# bounces say, on the same row of `mailsift trend`.  Then `mailsift
# explain` says what each of example.com's sources is and what to fix,
# with names for them (tests/demo_sources.sql, as `mailsift enrich` would
# find them): the failing server, an ESP sending with its own DKIM and
# Return-Path, a new server of ours missing from SPF, forwarders, spoofers.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
B=${MAILSIFT_BUILD:-build}
tests/pg.sh start
eval "$(tests/pg.sh env)"
demo=$B/demo
rm -rf "$demo"
mkdir -p "$demo"
# The month ends yesterday, so `--since 30d` shows all of it.
start=$(( $(date -u -d 'today 00:00' +%s) - 30 * 86400 ))
"$B/mailsift-gen" maildir "$demo/Maildir" --demo --seed 1 --start "$start"
# A fresh database each time, so the numbers are the month's and nothing else.
dropdb --if-exists mailsift
createdb mailsift
"$B/mailsift" db migrate
echo
echo "== mailsift ingest --maildir $demo/Maildir"
"$B/mailsift" -v ingest --maildir "$demo/Maildir" 2>&1 | tail -n 1
psql -X -q -v ON_ERROR_STOP=1 -f tests/demo_sources.sql
echo
echo "== mailsift sources --since 30d (top 12)"
"$B/mailsift" sources --since 30d | head -n 13
echo
echo "== mailsift trend --by ip --since 30d --ip 198.51.100.25"
echo "   (the DMARC reports' counts, then the bounces of its mail: all, and"
echo "   those refused for authentication)"
"$B/mailsift" trend --by ip --since 30d --ip 198.51.100.25
echo
echo "== mailsift bounces --since 30d --by reason"
"$B/mailsift" bounces --since 30d --by reason
echo
echo "== mailsift explain --domain example.com --since 30d"
"$B/mailsift" explain --domain example.com --since 30d
echo
echo "The database keeps running: eval \"\$(tests/pg.sh env)\" and try"
echo "  $B/mailsift trend --by day --since 30d"
echo "  $B/mailsift bounces --since 7d --reason authfailure"
echo "  $B/mailsift explain --domain example.org --format json"
echo "  psql -c 'SELECT * FROM dmarc_daily_v LIMIT 10'"
echo "  psql -c 'SELECT category, source_ip, action FROM source_diagnosis_v'"
echo "Stop it with: make pg-stop"

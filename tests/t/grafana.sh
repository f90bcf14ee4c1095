#!/bin/sh
# grafana.sh - the dashboard in contrib/grafana cannot drift from the views.
#
# Grafana is not in Debian, so its part is played by tests/grafana_sql.py:
# every panel's SQL and the domain variable's query are taken out of the
# JSON with Grafana's macros ($__timeFilter, $__timeGroupAlias,
# $__timeFrom, $domain ...) expanded for the last 30 days; each runs as a
# login member of mailsift_reader against a generated month (DMARC
# reports, bounces, TLS and failure reports) and must succeed and return
# rows.  mailsift report runs as that role too.
. "$TOP/tests/t/lib.sh"
D=$TOP/contrib/grafana/mailsift.json
G=$TOP/tests/gen_reports.py

fresh_db mailsift_t_grafana
"$MAILSIFT" db roles >/dev/null
ok $? "db roles"
rd_user=ms_t_grafana_$$
psql -X -q -d "$T_DB" -c "CREATE ROLE $rd_user LOGIN IN ROLE mailsift_reader"
trap 'psql -X -q -d postgres -c "DROP ROLE IF EXISTS $rd_user" 2>/dev/null;
    t_cleanup' EXIT
start=$(( $(date -u -d 'today 00:00' +%s) - 30 * 86400 ))
"$MAILSIFT_GEN" maildir "$T_TMP/month" --demo --seed 2 --start "$start" \
    >/dev/null &&
python3 "$G" tls "$T_TMP/tls" --messages 20 --seed 3 --days 10 \
    --start $((start + 86400)) >/dev/null &&
python3 "$G" arf "$T_TMP/arf" --messages 20 --seed 3 --days 10 \
    --start $((start + 86400)) >/dev/null &&
for m in month tls arf; do
	"$MAILSIFT" ingest --maildir "$T_TMP/$m" >/dev/null 2>&1 || exit 1
done
ok $? "a month stored: DMARC reports, bounces, TLS and failure reports"

python3 -c "import json, sys; json.load(open(sys.argv[1]))" "$D"
ok $? "contrib/grafana/mailsift.json is JSON"
mkdir "$T_TMP/sql"
python3 "$TOP/tests/grafana_sql.py" "$D" "$T_TMP/sql" \
    "$(date -u -d "@$start" +%FT%TZ)" "$(date -u +%FT%TZ)" \
    domain=example.com,example.net,example.org 2>"$T_TMP/err"
ok $? "every panel's SQL taken out, every macro and variable known"
sed 's/^/#   /' "$T_TMP/err"
n=$(ls "$T_TMP/sql" | wc -l)
is "$n" "$(python3 -c "import json, sys; d = json.load(open(sys.argv[1]))
print(sum(len(p['targets']) for p in d['panels']) + 1)" "$D")" \
    "one query per panel target, and the variable's"
[ "$n" -ge 9 ]
ok $? "$n queries"
for view in dmarc_daily_v source_diagnosis bounce_daily_v \
    dmarc_bounce_daily_v tls_daily_v dmarc_failure_v dmarc_report_v; do
	grep -q "$view" "$T_TMP"/sql/*.sql
	ok $? "a panel reads $view"
done

for f in "$T_TMP"/sql/*.sql; do
	title=$(head -n 1 "$f" | sed 's/^-- //')
	psql -X -qAt -v ON_ERROR_STOP=1 -d "$T_DB" -U "$rd_user" -f "$f" \
	    >"$T_TMP/out" 2>"$T_TMP/err"
	rc=$?
	rows=$(wc -l <"$T_TMP/out")
	[ "$rc" = 0 ] && [ ! -s "$T_TMP/err" ] && [ "$rows" -gt 0 ]
	ok $? "as mailsift_reader, '$title': $rows rows"
	sed 's/^/#   /' "$T_TMP/err"
done

# The variable's values are what the dashboard is tested with.
is "$(psql -X -qAt -d "$T_DB" -U "$rd_user" -f "$T_TMP/sql/01.sql" |
    tr '\n' ,)" "example.com,example.net,example.org," \
    "the domain variable lists the month's policy domains"

"$MAILSIFT" --db "dbname=$T_DB user=$rd_user" report --since 30d \
    >"$T_TMP/r.html" 2>"$T_TMP/err"
ok $? "mailsift report needs only mailsift_reader"
sed 's/^/#   /' "$T_TMP/err"
grep -q 'id="sources"' "$T_TMP/r.html"
ok $? "and its page lists the sources"

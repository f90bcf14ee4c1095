# query.sh - the reading commands (trend, sources, reports): their
# arguments are checked before the database is asked, each bad one a usage
# error (64) saying what is expected and never SQL; --limit and --top
# bound the rows; the rows stream out in batches (more than one batch here)
# and equal the whole result.
. "$TOP/tests/t/lib.sh"

fresh_db mailsift_t_query
ok $? "db migrate"
"$MAILSIFT_GEN" maildir "$T_TMP/m" --messages 900 --seed 7 --days 30 \
    --start "$(( $(date -u -d 'today 00:00' +%s) - 32 * 86400 ))" >/dev/null
"$MAILSIFT" ingest --maildir "$T_TMP/m" 2>/dev/null
ok $? "thirty days ingested"

usage() {	# want-in-stderr description command...
	want=$1 desc=$2
	shift 2
	"$@" >"$T_TMP/out" 2>"$T_TMP/err"
	rc=$?
	is "$rc" 64 "$desc: usage error"
	grep -qF -- "$want" "$T_TMP/err"
	ok $? "$desc: says '$want'"
	! grep -qiE 'sql|syntax|invalid input|select' "$T_TMP/err"
	ok $? "$desc: no SQL in the message"
	is "$(wc -c <"$T_TMP/out")" 0 "$desc: nothing on standard output"
}
usage "an IPv4 or IPv6 address, or a CIDR block" "trend --ip banana" \
    "$MAILSIFT" trend --ip banana
usage "an IPv4 or IPv6 address, or a CIDR block" "sources --ip 300.1.1.1" \
    "$MAILSIFT" sources --ip 300.1.1.1
usage "(ip or day)" "trend --by week" "$MAILSIFT" trend --by week
usage "(ip or day)" "trend --by ''" "$MAILSIFT" trend --by ''
usage "30d, 12h, 2w" "trend --since 30x" "$MAILSIFT" trend --since 30x
usage "1 or more" "trend --limit 0" "$MAILSIFT" trend --limit 0
usage "1 or more" "trend --limit -5" "$MAILSIFT" trend --limit=-5
usage "1 or more" "trend --limit ten" "$MAILSIFT" trend --limit ten
usage "1 or more" "sources --top 0" "$MAILSIFT" sources --top 0
usage "1 or more" "reports --limit 0" "$MAILSIFT" reports --limit 0
usage "Unknown option --by" "sources --by day" "$MAILSIFT" sources --by day
"$MAILSIFT" sources --help >"$T_TMP/help"
! grep -q -- "--by" "$T_TMP/help"
ok $? "sources --help does not offer --by"
grep -q -- "--top" "$T_TMP/help"
ok $? "sources --help offers --top"
"$MAILSIFT" trend --help | grep -q -- "--by=ip|day"
ok $? "trend --help offers --by ip|day"
"$MAILSIFT" trend --help | grep -q "a bare number counts days"
ok $? "trend --help says what a bare number means"
a=$("$MAILSIFT" trend --since 40 --format csv | md5sum)
b=$("$MAILSIFT" trend --since 40d --format csv | md5sum)
is "$a" "$b" "--since 40 counts days, as the help says"

# Streaming: more than 1000 rows come in several batches, the same rows
# as one query gives.
"$MAILSIFT" trend --since 40d --format csv >"$T_TMP/all.csv"
ok $? "trend --by ip, every row"
rows=$(($(wc -l <"$T_TMP/all.csv") - 1))
want=$(q "SELECT count(*) FROM (SELECT DISTINCT day, source_ip FROM dmarc_bounce_daily_v WHERE day >= current_date - 40) a")
is "$rows" "$want" "every day and address, however many batches"
[ "$rows" -gt 1000 ]
ok $? "more than one batch of 1000 ($rows rows)"
head -n 1 "$T_TMP/all.csv" | grep -q '^day,source_ip,ptr,messages'
ok $? "csv: one header"
is "$(grep -c '^day,' "$T_TMP/all.csv")" 1 "csv: the header once only"
"$MAILSIFT" trend --since 40d --format json >"$T_TMP/all.json"
is "$(wc -l <"$T_TMP/all.json")" "$rows" "json: one line per row"
"$MAILSIFT" trend --since 40d >"$T_TMP/all.txt"
is "$(wc -l <"$T_TMP/all.txt")" "$((rows + 1))" "table: the header and every row"
"$MAILSIFT" trend --since 40d --limit 1500 --format csv >"$T_TMP/l.csv"
head -n 1501 "$T_TMP/all.csv" | cmp -s - "$T_TMP/l.csv"
ok $? "--limit 1500: the first 1500 rows of the whole"
"$MAILSIFT" sources --since 40d --top 3 --format csv >"$T_TMP/top.csv"
"$MAILSIFT" sources --since 40d --format csv | head -n 4 | cmp -s - "$T_TMP/top.csv"
ok $? "sources --top 3: the three biggest"
is "$("$MAILSIFT" reports --since 40d --limit 2 --format csv | wc -l)" 3 \
    "reports --limit 2: two reports"
"$MAILSIFT" trend --since 2099-01-01 >"$T_TMP/none"
ok $? "an empty result is no error"
is "$(tail -n 1 "$T_TMP/none")" "(no rows)" "table: (no rows)"

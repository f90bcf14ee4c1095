# ingest.sh - end to end: stdin, Maildir and mbox ingest into PostgreSQL,
# idempotence, quarantine and requeue, database down, trend == SQL.
. "$TOP/tests/t/lib.sh"

fresh_db mailsift_t_ingest
ok $? "db migrate on a fresh database"
out=$("$MAILSIFT" db migrate)
is "$out" "mailsift: 0 migrations applied" "db migrate twice applies nothing"

# --- Maildir: a generated month of report e-mails -----------------------
md=$T_TMP/Maildir
"$MAILSIFT_GEN" maildir "$md" --messages 120 --seed 7 --days 10 \
    --expected "$T_TMP/truth.tsv" >/dev/null
n_new=$(ls "$md/new" | wc -l)
is "$n_new" 120 "generator wrote 120 messages into new/"
"$MAILSIFT" ingest --maildir "$md" 2>"$T_TMP/err"
ok $? "ingest --maildir exits 0"
is "$(ls "$md/new" | wc -l)" 0 "every message left new/ after commit"
is "$(ls "$md/cur" | grep -c ':2,S$')" 120 "every message is in cur/ with the S flag"
is "$(q "SELECT count(*) FROM ingest_log_v WHERE outcome = 'stored'")" 120 \
    "120 messages logged as stored"
reports=$(q "SELECT count(*) FROM dmarc_report_v")
records=$(q "SELECT count(*) FROM dmarc_record_v")
messages=$(q "SELECT coalesce(sum(count),0) FROM dmarc_record_v")
[ "$reports" -ge 120 ] && [ "$records" -gt "$reports" ]
ok $? "reports ($reports) and records ($records) stored"
is "$(q "SELECT sum(messages) FROM dmarc_report_v")" "$messages" \
    "report message totals equal the sum of record counts"
is "$(q "SELECT sum(messages) FROM dmarc_daily_v")" "$messages" \
    "dmarc_daily_v spreads counts without losing or inventing any"
is "$(q "SELECT count(*) FROM dmarc_record_v WHERE family(source_ip) = 6")" \
    "$(q "SELECT count(*) FROM dmarc_record_v WHERE source_ip::text LIKE '%:%'")" \
    "IPv6 sources stored as inet"
[ "$(q "SELECT count(*) FROM dmarc_record_v WHERE family(source_ip) = 6")" -gt 0 ]
ok $? "the sample has IPv6 sources"

# The generator's own totals per day and source IP are the truth.
tail -n +2 "$T_TMP/truth.tsv" | awk -F'\t' '{print $1","$2","$4","$5","$6}' |
    sort >"$T_TMP/truth.csv"
q "COPY (SELECT day, host(source_ip), sum(messages), sum(dmarc_pass), sum(dmarc_fail)
    FROM dmarc_daily_v GROUP BY 1, 2) TO STDOUT WITH (FORMAT csv)" | sort >"$T_TMP/daily.csv"
[ -s "$T_TMP/truth.csv" ] && cmp -s "$T_TMP/truth.csv" "$T_TMP/daily.csv"
ok $? "per day and source IP, stored counts and DMARC pass/fail equal the generator's truth"

# --- idempotence ------------------------------------------------------------
"$MAILSIFT" ingest --maildir "$md" 2>/dev/null
ok $? "second ingest of the same Maildir exits 0"
is "$(q "SELECT count(*) FROM dmarc_report_v")/$(q "SELECT count(*) FROM dmarc_record_v")" \
    "$reports/$records" "re-ingest stores nothing new"
is "$(q "SELECT count(*) FROM ingest_log_v WHERE outcome = 'duplicate'")" 120 \
    "re-ingested messages are logged as duplicates"

# The same report in a different message (new Message-ID, other bytes).
one=$(ls "$md/cur" | head -n 1)
sed 's/^Message-I[Dd]: <\(.*\)>/Message-ID: <resent-\1>/' "$md/cur/$one" >"$T_TMP/resent.eml"
"$MAILSIFT" ingest - <"$T_TMP/resent.eml"
ok $? "a re-sent copy of a report exits 0"
is "$(q "SELECT outcome FROM ingest_log_v ORDER BY id DESC LIMIT 1")" duplicate \
    "a re-sent copy of a stored report is a duplicate"
is "$(q "SELECT count(*) FROM dmarc_report_v")" "$reports" "and is counted once"

# --- trend == SQL over the views --------------------------------------------
"$MAILSIFT" trend --by ip --since 3650d --format csv | tail -n +2 |
    cut -d, -f1,2,4-6 | tr -d '\r' | sort >"$T_TMP/trend.csv"
q "COPY (SELECT day, source_ip, sum(messages), sum(dmarc_pass), sum(dmarc_fail)
    FROM dmarc_daily_v GROUP BY 1, 2) TO STDOUT WITH (FORMAT csv)" |
    sort >"$T_TMP/sql.csv"
[ -s "$T_TMP/trend.csv" ] && cmp -s "$T_TMP/trend.csv" "$T_TMP/sql.csv"
ok $? "trend --by ip equals the sums computed with SQL from dmarc_daily_v"
"$MAILSIFT" trend --by ip --since 3650d --format json >"$T_TMP/trend.json"
ok $? "trend --format json"
python3 -c '
import json,sys
rows=[json.loads(l) for l in open(sys.argv[1])]
assert rows and all(isinstance(r["messages"], int) for r in rows)
assert sum(r["messages"] for r in rows) == int(sys.argv[2])
' "$T_TMP/trend.json" "$messages"
ok $? "trend json rows are objects with numeric counts summing to all messages"
ip=$(q "SELECT host(source_ip) FROM dmarc_record_v WHERE family(source_ip)=4 LIMIT 1")
n=$("$MAILSIFT" trend --by ip --since 3650d --ip "$ip/32" --format csv | tail -n +2 | cut -d, -f2 | sort -u)
is "$n" "$ip" "trend --ip filters to one address"
"$MAILSIFT" sources --since 3650d >"$T_TMP/sources.txt"
ok $? "sources runs"
top=$(q "SELECT host(source_ip) FROM dmarc_record_v GROUP BY 1 ORDER BY sum(count) DESC, 1 LIMIT 1")
grep -q "$top" "$(head -n 2 "$T_TMP/sources.txt" >"$T_TMP/s2"; echo "$T_TMP/s2")"
ok $? "sources ranks the biggest sender ($top) first"
"$MAILSIFT" reports --since 3650d --format csv | tail -n +2 | wc -l >"$T_TMP/nrep"
is "$(cat "$T_TMP/nrep")" "$reports" "reports lists every report"

# --- stdin and mbox into a second database -----------------------------------
fresh_db mailsift_t_mbox
for f in "$md"/cur/*; do
	echo "From dmarc@example.org Thu Jan  1 00:00:00 2026"
	sed 's/^\(>*From \)/>\1/' "$f"
	echo
done >"$T_TMP/all.mbox"
"$MAILSIFT" ingest --mbox "$T_TMP/all.mbox"
ok $? "ingest --mbox exits 0"
is "$(q "SELECT count(*) FROM dmarc_report_v")/$(q "SELECT count(*) FROM dmarc_record_v")" \
    "$reports/$records" "mbox ingest stores the same reports and records"
is "$(q "SELECT count(*) FROM ingest_log_v WHERE source LIKE 'mbox:%'")" 120 \
    "one ingest log row per mbox message"

fresh_db mailsift_t_stdin
first=$(ls "$md/cur" | head -n 1)
"$MAILSIFT" ingest - <"$md/cur/$first"
ok $? "ingest - exits 0"
is "$(q "SELECT outcome FROM ingest_log_v")" stored "stdin message stored"
"$MAILSIFT" ingest - <"$md/cur/$first"
ok $? "the same message piped twice exits 0"
is "$(q "SELECT string_agg(outcome, ',' ORDER BY id) FROM ingest_log_v")" \
    "stored,duplicate" "the second delivery is logged as a duplicate"

# --- not a report --------------------------------------------------------------
printf 'From: a@example.org\nTo: b@example.org\nSubject: hi\nMessage-ID: <x1@example.org>\n\nhello\n' |
    "$MAILSIFT" ingest -
ok $? "a plain e-mail exits 0"
is "$(q "SELECT outcome FROM ingest_log_v ORDER BY id DESC LIMIT 1")" not_report \
    "a plain e-mail is logged as not a report"

# --- quarantine and requeue ------------------------------------------------------
printf 'From: r@example.org\nSubject: Report\nMessage-ID: <bad1@example.org>\nContent-Type: text/xml\n\n<?xml version="1.0"?>\n<feedback><report_metadata><org_name>x</org_name>\n' \
    >"$T_TMP/broken.eml"
"$MAILSIFT" ingest - <"$T_TMP/broken.eml" 2>"$T_TMP/err"
ok $? "a broken report exits 0 (quarantined)"
is "$(q "SELECT outcome FROM ingest_log_v ORDER BY id DESC LIMIT 1")" quarantined \
    "a broken report is quarantined"
[ -n "$(q "SELECT reason FROM ingest_log_v ORDER BY id DESC LIMIT 1")" ]
ok $? "with a reason"
is "$(q "SELECT encode(sha256(raw), 'hex') FROM quarantine ORDER BY ingest_id DESC LIMIT 1")" \
    "$(sha256sum <"$T_TMP/broken.eml" | cut -d' ' -f1)" \
    "the quarantine keeps the message byte for byte"

second=$(ls "$md/cur" | sed -n 2p)
"$MAILSIFT" ingest --max-inflated-size 100 - <"$md/cur/$second" 2>/dev/null
ok $? "a message over a limit exits 0"
is "$(q "SELECT outcome FROM ingest_log_v ORDER BY id DESC LIMIT 1")" quarantined \
    "a message over the inflated-size limit is quarantined"
q "SELECT reason FROM ingest_log_v ORDER BY id DESC LIMIT 1" | grep -qi 'inflated'
ok $? "the reason names the limit"
"$MAILSIFT" requeue 2>/dev/null
ok $? "requeue exits 0"
is "$(q "SELECT outcome FROM ingest_log WHERE requeued_from IS NOT NULL ORDER BY id")" \
    "$(printf 'quarantined\nstored')" \
    "requeue: the broken report stays quarantined, the limited one is stored"
"$MAILSIFT" requeue 2>/dev/null
is "$(q "SELECT count(*) FROM ingest_log_v WHERE outcome='stored'")" 2 \
    "a second requeue does not store anything twice"

# --- database down -----------------------------------------------------------------
"$MAILSIFT" --db "host=$T_TMP port=1 dbname=nothing connect_timeout=2" \
    ingest - <"$md/cur/$first" 2>/dev/null
is "$?" 75 "database unreachable: exit 75 (EX_TEMPFAIL), the MTA retries"
"$MAILSIFT" --db "this is = not a conninfo" ingest - <"$md/cur/$first" 2>/dev/null
is "$?" 78 "malformed connection string: exit 78 (EX_CONFIG)"
"$MAILSIFT" ingest 2>/dev/null
is "$?" 64 "no input named: exit 64 (EX_USAGE)"

# --- database down during a Maildir run: nothing leaves new/, nothing lost --
fresh_db mailsift_t_down
"$MAILSIFT_GEN" maildir "$T_TMP/down" --messages 30 --seed 5 >/dev/null
"$MAILSIFT" --db "host=$T_TMP port=1 dbname=nothing connect_timeout=2" \
    ingest --maildir "$T_TMP/down" 2>/dev/null
is "$?" 75 "Maildir ingest with the database down exits 75"
is "$(ls "$T_TMP/down/new" | wc -l)" 30 "and every message stays in new/"
"$MAILSIFT" ingest --maildir "$T_TMP/down" 2>/dev/null
ok $? "the retry once the database is back exits 0"
is "$(q "SELECT count(*) FROM ingest_log_v WHERE outcome='stored'")/$(q "SELECT count(*) FROM dmarc_report_v")/$(ls "$T_TMP/down/new" | wc -l)" \
    "30/30/0" "every message stored exactly once, new/ empty"

# --- jobs share one listing ---------------------------------------------------
# With one message per transaction, the first jobs move messages from new/
# to cur/ while later jobs are still starting.  Were each job to list the
# Maildir itself, the renamed files would shift its numbering and some
# messages would fall between the shards; every round must leave new/ empty
# and store all 160.
fresh_db mailsift_t_ingest_jobs
left=0
for round in 1 2 3; do
	rm -rf "$T_TMP/jobs"
	"$MAILSIFT_GEN" maildir "$T_TMP/jobs" --messages 160 --seed $((40 + round)) \
	    >/dev/null
	# Names in pairs "N" and "N.1": once "N" becomes "N:2,S" it sorts
	# after "N.1", so a listing taken after the move is numbered
	# differently from one taken before.
	i=1000
	for f in "$T_TMP/jobs/new"/*; do
		mv "$f" "$T_TMP/jobs/new/$((i / 2))$([ $((i % 2)) = 1 ] && echo .1)"
		i=$((i + 1))
	done
	"$MAILSIFT" ingest --maildir "$T_TMP/jobs" --jobs 8 --batch 1 2>/dev/null ||
	    left=$((left + 1000))
	left=$((left + $(ls "$T_TMP/jobs/new" | wc -l)))
done
stored=$(q "SELECT count(*) FROM ingest_log_v WHERE outcome = 'stored'")
is "$left/$stored" 0/480 \
    "--jobs 8 --batch 1, three rounds of 160: every message stored and out of new/, exit 0"

# rollup.sh - the daily rollup kept at ingest (sql/008_rollup.sql): after
# ingesting a generated month and reports spanning days in every awkward
# way, dmarc_daily_v (read from the rollup) equals the old definition
# computed from the records (dmarc_daily_records_v) row for row; so do the
# trends; `db rebuild-rollups` gives the same with one row per key; a
# rolled-back insert leaves no trace; `db prune` drops old reports and,
# unless told to keep them, their days of the rollup.
. "$TOP/tests/t/lib.sh"

fresh_db mailsift_t_rollup
ok $? "db migrate"

"$MAILSIFT_GEN" maildir "$T_TMP/month" --messages 400 --seed 5 --days 30 \
    >/dev/null
"$MAILSIFT" ingest --batch 50 --maildir "$T_TMP/month" 2>/dev/null
ok $? "a generated month ingested"

# report N BEGIN END: a report of example.org by span.example with three
# records, one of count 0 and one of an odd count.
report() {
	cat >"$T_TMP/s$1.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata><org_name>span.example</org_name><email>d@span.example</email>
    <report_id>span-$1</report_id>
    <date_range><begin>$2</begin><end>$3</end></date_range>
  </report_metadata>
  <policy_published><domain>example.org</domain><p>reject</p></policy_published>
  <record><row><source_ip>192.0.2.$1</source_ip><count>$4</count>
    <policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>fail</spf></policy_evaluated></row>
    <identifiers><header_from>example.org</header_from></identifiers></record>
  <record><row><source_ip>198.51.100.7</source_ip><count>7</count>
    <policy_evaluated><disposition>reject</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>
    <identifiers><header_from>example.org</header_from></identifiers></record>
  <record><row><source_ip>198.51.100.8</source_ip><count>0</count>
    <policy_evaluated><disposition>quarantine</disposition><dkim>fail</dkim><spf>pass</spf></policy_evaluated></row>
    <identifiers><header_from>sub.example.org</header_from></identifiers></record>
</feedback>
XML
}
d0=$(date -u -d 'today 00:00' +%s)
d=$((d0 - 20 * 86400))
report 1 $d $((d + 86399)) 100				# one day
report 2 $((d + 43200)) $((d + 43200 + 86400)) 101	# noon to noon
report 3 $((d + 3601)) $((d + 3 * 86400 + 17)) 1000000007	# 4 days, odd
report 4 $((d + 500)) $((d + 500)) 5			# end = begin
report 5 $((d - 500 * 86400)) $d 9			# over 400 days
report 6 $((d + 86399)) $((d + 86401)) 3		# two seconds, two days
report 7 $((d + 7)) $((d + 2 * 86400)) 4611686018427387903	# overflows bigint math
report 8 $((d + 86400 - 10)) $((d + 86400 + 5)) 2	# shares of 0 left out
# A report of 200 records over 380 days: 76,000 rollup rows, past the
# store's bound of rows held per report (daily.c), so they go out in two
# parts.
{ echo "<?xml version=\"1.0\"?><feedback><report_metadata><org_name>wide.example</org_name><email>d@wide.example</email><report_id>wide-1</report_id><date_range><begin>$((d0 - 380 * 86400 + 3600))</begin><end>$((d0 - 100))</end></date_range></report_metadata><policy_published><domain>example.org</domain><p>reject</p></policy_published>"
  i=1; while [ $i -le 200 ]; do
	echo "<record><row><source_ip>10.0.0.$i</source_ip><count>$((i * 1000 + 7))</count><policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>fail</spf></policy_evaluated></row><identifiers><header_from>example.org</header_from></identifiers></record>"
	i=$((i + 1))
  done; echo "</feedback>"; } >"$T_TMP/s9.xml"
"$MAILSIFT" ingest "$T_TMP"/s*.xml 2>"$T_TMP/err"
ok $? "eight spanning reports and a wide one ingested"
is "$(q "SELECT count(*) > 65536 FROM dmarc_daily WHERE org_name = 'wide.example'")" t \
    "the wide report has more rollup rows than the store holds at once"
is "$(q "SELECT count(*) FROM dmarc_report WHERE org_name = 'span.example'")" 8 \
    "all eight stored"

same_daily() {	# what
	is "$(q "SELECT count(*) FROM (SELECT * FROM dmarc_daily_v EXCEPT ALL
	    SELECT * FROM dmarc_daily_records_v) a")/$(q "SELECT count(*) FROM
	    (SELECT * FROM dmarc_daily_records_v EXCEPT ALL
	    SELECT * FROM dmarc_daily_v) a")" "0/0" \
	    "$1: dmarc_daily_v equals the records' definition, row for row"
}
same_daily "kept at ingest"

# The store writes a report's rollup rows with the report
# (store/daily.c): a message the database refuses after its reports were
# sent (its log row, written last) is quarantined and leaves no rollup row;
# a batch retried after serialization failures counts once.  A trigger
# refuses the log rows of stored messages whose source matches a pattern,
# and fails the first N inserts into ingest_log with a given SQLSTATE.
refuse_log_rows
sums() { q "SELECT (SELECT sum(messages) FROM dmarc_daily) || '/' || (SELECT sum(messages) FROM dmarc_domain_daily_v) || '/' || (SELECT sum(messages) FROM dmarc_daily_records_v)"; }
"$MAILSIFT_GEN" maildir "$T_TMP/refused" --messages 6 --seed 11 --days 3 >/dev/null
refuse_set '%refused/new/%Q3.%' 0 00000
"$MAILSIFT" ingest --maildir "$T_TMP/refused" 2>"$T_TMP/err"
is "$(q "SELECT count(*) FROM ingest_log WHERE outcome = 'quarantined' AND source LIKE '%Q3.%'")/$(q "SELECT count(*) FROM ingest_log WHERE outcome = 'stored' AND source LIKE '%refused%'")" \
    "1/5" "a message refused at its log row: quarantined, the 5 others stored"
is "$(q "SELECT count(*) FROM dmarc_report r JOIN ingest_log l ON l.id = r.ingest_id WHERE l.source LIKE '%refused%'")" \
    5 "the refused message's report is gone"
same_daily "a message refused after its reports"
s=$(sums); is "${s%/*}" "${s#*/}" "the rollups' sums equal the records' sums"
"$MAILSIFT_GEN" maildir "$T_TMP/retried" --messages 6 --seed 12 --days 3 >/dev/null
refuse_set '' 2 40001
"$MAILSIFT" ingest --maildir "$T_TMP/retried" 2>"$T_TMP/err"
ok $? "two serialization failures: the batch retried, exit 0"
is "$(q "SELECT count(*) FROM ingest_log WHERE outcome = 'stored' AND source LIKE '%retried%'")" \
    6 "all six stored"
same_daily "a batch retried"
s=$(sums); is "${s%/*}" "${s#*/}" "the rollups' sums equal the records' sums"
refuse_set '' 0 00000

# A report stored twice counts once.  A fast batch takes its reports for
# new and sends their rollup rows before its COMMIT (store/daily.c); a
# report stored already makes the batch roll back and retry.  Copies with
# a header of their own are other bytes, so no duplicate message: the
# report inside is what repeats.
nreports() { sed -n 's/.* reports=\([0-9]*\) .*/\1/p'; }
want=$("$MAILSIFT_GEN" maildir "$T_TMP/dup" --messages 30 --seed 13 --days 3 |
    nreports)
copy_maildir() {	# FROM TO HEADER
	mkdir -p "$2/new" "$2/cur" "$2/tmp"
	for f in "$1"/new/*; do
		{ echo "$3"; cat "$f"; } >"$2/new/${f##*/}"
	done
}
copy_maildir "$T_TMP/dup" "$T_TMP/dupa" "X-Copy: a"
copy_maildir "$T_TMP/dup" "$T_TMP/dupb" "X-Copy: b"
copy_maildir "$T_TMP/dup" "$T_TMP/dupc" "X-Copy: c"
reports0=$(q "SELECT count(*) FROM dmarc_report")
"$MAILSIFT" ingest --maildir "$T_TMP/dupa" 2>"$T_TMP/err_a" & pa=$!
"$MAILSIFT" ingest --maildir "$T_TMP/dupb" 2>"$T_TMP/err_b"; rb=$?
wait $pa; ra=$?
is "$ra/$rb" "0/0" "two ingests of the same reports at once: exit 0 both"
ab="source LIKE '%/dupa/%' OR source LIKE '%/dupb/%'"
is "$(q "SELECT count(*) FROM ingest_log WHERE $ab")" 60 \
    "... every message logged"
nrep=$(q "SELECT count(*) - $reports0 FROM dmarc_report")
is "$nrep" "$want" "... every report stored"
is "$(q "SELECT sum(reports_stored) FROM ingest_log WHERE $ab")" \
    "$nrep" "... each report stored by one of them"
is "$(q "SELECT sum(reports_duplicate) FROM ingest_log WHERE $ab")" \
    "$nrep" "... and found a duplicate by the other"
same_daily "the same reports ingested twice at once"
s=$(sums); is "${s%/*}" "${s#*/}" "the rollups' sums equal the records' sums"
daily1=$(q "SELECT count(*) || '/' || sum(messages) FROM dmarc_daily")
"$MAILSIFT" ingest --maildir "$T_TMP/dupc" 2>"$T_TMP/err"
ok $? "the same reports a third time"
is "$(q "SELECT count(*) || '/' || sum(messages) FROM dmarc_daily")" "$daily1" \
    "... add no rollup row"
# Twice in one batch: the second copy of each right after the first.
want=$("$MAILSIFT_GEN" maildir "$T_TMP/dupe" --messages 10 --seed 14 --days 3 |
    nreports)
mkdir -p "$T_TMP/twice/new" "$T_TMP/twice/cur" "$T_TMP/twice/tmp"
for f in "$T_TMP"/dupe/new/*; do
	cp "$f" "$T_TMP/twice/new/${f##*/}.1"
	{ echo "X-Copy: 2"; cat "$f"; } >"$T_TMP/twice/new/${f##*/}.2"
done
reports1=$(q "SELECT count(*) FROM dmarc_report")
"$MAILSIFT" ingest --maildir "$T_TMP/twice" 2>"$T_TMP/err"
ok $? "each report twice in one batch"
n=$(q "SELECT count(*) - $reports1 FROM dmarc_report")
is "$n" "$want" "... every report stored"
is "$(q "SELECT sum(reports_stored) || '/' || sum(reports_duplicate)
    FROM ingest_log WHERE source LIKE '%/twice/%'")" "$n/$n" \
    "... each stored once, found once a duplicate"
same_daily "reports twice in one batch"
s=$(sums); is "${s%/*}" "${s#*/}" "the rollups' sums equal the records' sums"
# A batch whose reports have more rollup rows than the store holds at once
# (65,536, store/daily.c): they go out in parts.
want=$("$MAILSIFT_GEN" maildir "$T_TMP/many" --scale --seed 3 --messages 1700 \
    --days 5 | nreports)
rows0=$(q "SELECT count(*) FROM dmarc_daily")
reports1=$(q "SELECT count(*) FROM dmarc_report")
"$MAILSIFT" ingest --batch 2000 --maildir "$T_TMP/many" 2>"$T_TMP/err"
ok $? "1700 reports in one batch"
is "$(q "SELECT count(*) - $reports1 FROM dmarc_report")" "$want" \
    "... every report stored"
is "$(q "SELECT count(*) - $rows0 > 65536 FROM dmarc_daily")" t \
    "... with more rollup rows than the store holds at once"
same_daily "a batch of many rollup rows"
s=$(sums); is "${s%/*}" "${s#*/}" "the rollups' sums equal the records' sums"
# A fast batch refused halfway: after a duplicate the store asks about
# each report at its begin (a round trip), where a message's refusal
# shows before the batch's end; the batch is retried, and the rollup rows
# its reports held until COMMIT must go with it.  Batches of 4: a copy of
# the first report makes the first batch meet a duplicate, the sixth
# message's log row is refused in the second.
"$MAILSIFT_GEN" maildir "$T_TMP/mid" --messages 12 --seed 15 --days 3 \
    >/dev/null
first=$(ls "$T_TMP/mid/new" | LC_ALL=C sort | head -n 1)
{ echo "X-Copy: 2"; cat "$T_TMP/mid/new/$first"; } >"$T_TMP/mid/new/${first}x"
sixth=$(ls "$T_TMP/mid/new" | LC_ALL=C sort | sed -n 6p)
refuse_set "%/mid/new/$sixth" 0 00000
"$MAILSIFT" ingest -v --jobs 1 --batch 4 --maildir "$T_TMP/mid" 2>"$T_TMP/err"
refuse_set '' 0 00000
is "$(q "SELECT string_agg(outcome::text || ' ' || n, ', ' ORDER BY outcome::text)
    FROM (SELECT outcome, count(*) AS n FROM ingest_log
    WHERE source LIKE '%/mid/%' GROUP BY 1) a")" \
    "duplicate 1, quarantined 1, stored 11" \
    "a batch refused halfway: the message quarantined, the others stored"
grep -q "retrying after: .*refused by the test" "$T_TMP/err"
ok $? "... found halfway, the batch retried"
same_daily "a batch refused halfway"
s=$(sums); is "${s%/*}" "${s#*/}" "the rollups' sums equal the records' sums"
is "$(q "SELECT count(*) > 1000 FROM dmarc_daily_v")" t "the comparison has rows"
is "$(q "SELECT count(DISTINCT day) FROM dmarc_daily_v WHERE org_name = 'span.example'")" 5 \
    "the spanning reports fall on five days: d-500 and d to d+3"
is "$(q "SELECT sum(messages) FROM dmarc_daily_v WHERE org_name = 'span.example'")" \
    "$(q "SELECT sum(count) FROM dmarc_record_v WHERE org_name = 'span.example'")" \
    "spread shares add up to the counts"
is "$(q "SELECT sum(messages) FROM dmarc_daily_v WHERE source_ip = '192.0.2.3'")" 1000000007 \
    "the odd 4-day count adds up"
is "$(q "SELECT string_agg(messages::text, ' ' ORDER BY day) FROM dmarc_daily_v WHERE source_ip = '192.0.2.2'")" \
    "50 51" "noon to noon: half and half, the floor first"

# The trends read the rollups: the same numbers as from the records.
for by in ip day; do
	"$MAILSIFT" trend --by $by --since 60d --format csv >"$T_TMP/t_$by" 2>&1
	ok $? "trend --by $by"
done
q "COPY (SELECT day, sum(messages), sum(dmarc_pass), sum(dmarc_fail)
    FROM dmarc_daily_records_v WHERE day >= current_date - 60
    GROUP BY day ORDER BY day) TO STDOUT (FORMAT csv)" >"$T_TMP/want_day"
cut -d, -f1-4 "$T_TMP/t_day" | tail -n +2 >"$T_TMP/got_day"
cmp -s "$T_TMP/got_day" "$T_TMP/want_day"
ok $? "trend --by day (dmarc_domain_daily_v) = the records' sums per day"
q "COPY (SELECT day, source_ip, sum(messages), sum(dmarc_pass)
    FROM dmarc_daily_records_v WHERE day >= current_date - 60
    GROUP BY day, source_ip ORDER BY day, source_ip) TO STDOUT (FORMAT csv)" \
    >"$T_TMP/want_ip"
cut -d, -f1,2,4,5 "$T_TMP/t_ip" | tail -n +2 >"$T_TMP/got_ip"
cmp -s "$T_TMP/got_ip" "$T_TMP/want_ip"
ok $? "trend --by ip = the records' sums per day and address"
is "$(wc -l <"$T_TMP/got_ip")" "$(q "SELECT count(*) FROM (SELECT DISTINCT day, source_ip FROM dmarc_daily_records_v WHERE day >= current_date - 60) a")" \
    "trend --by ip: every day and address"
"$MAILSIFT" trend --by day --ip 192.0.2.0/24 --since 60d --format csv \
    | cut -d, -f1,2 | tail -n +2 >"$T_TMP/got_net"
q "COPY (SELECT day, sum(messages) FROM dmarc_daily_records_v
    WHERE day >= current_date - 60 AND source_ip <<= '192.0.2.0/24'
    GROUP BY day ORDER BY day) TO STDOUT (FORMAT csv)" >"$T_TMP/want_net"
cmp -s "$T_TMP/got_net" "$T_TMP/want_net"
ok $? "trend --by day --ip CIDR = the records' sums of that network"

# The rollup is written at COMMIT, with the records; a message rolled back
# (to its savepoint) or a transaction rolled back leaves no trace.
rows() { q "SELECT coalesce(sum(messages), 0) FROM dmarc_daily WHERE source_ip <<= '192.0.2.96/30'"; }
before=$(q "SELECT count(*) || '/' || sum(messages) FROM dmarc_daily")
# newrep ID IP COUNT: a report stored by hand, with one record.
newrep() {
	echo "INSERT INTO ingest_log (id, outcome) VALUES ($1, 'stored');
	INSERT INTO dmarc_report (id, ingest_id, org_name, report_id, policy_domain,
	    date_begin, date_end) VALUES ($1, $1, 'x', 'x$1', 'example.org',
	    date_trunc('day', now() - interval '2 days'),
	    date_trunc('day', now() - interval '2 days') + interval '86399 s');
	INSERT INTO dmarc_record (report_id, begin_day, rec_no, source_ip, count)
	    VALUES ($1, (now() - interval '2 days')::date, 1, '$2', $3);"
}
{ echo "BEGIN;"; newrep 999991 192.0.2.97 42
  echo "SELECT 1 / (1 - (SELECT count(*) FROM dmarc_daily WHERE source_ip = '192.0.2.97'));"
  echo "ROLLBACK;"; } | psql -X -q -d "$T_DB" -v ON_ERROR_STOP=1 >/dev/null 2>&1
ok $? "before COMMIT the new record is not in the rollup yet"
is "$(q "SELECT count(*) || '/' || sum(messages) FROM dmarc_daily")" "$before" \
    "after ROLLBACK the rollup is as before"
{ echo "BEGIN;"; newrep 999992 192.0.2.98 40
  echo "SAVEPOINT m;"; newrep 999993 192.0.2.99 1000; echo "ROLLBACK TO SAVEPOINT m;"
  newrep 999994 192.0.2.98 2; echo "COMMIT;"; } |
    psql -X -q -d "$T_DB" -v ON_ERROR_STOP=1 >/dev/null 2>&1
ok $? "a transaction with a message rolled back to its savepoint commits"
is "$(rows)" 42 "the rollup has the two kept reports (40 + 2), not the one rolled back"
is "$(q "SELECT sum(messages) FROM dmarc_domain_daily_v WHERE day = (now() - interval '2 days')::date AND policy_domain = 'example.org'")" \
    "$(q "SELECT sum(messages) FROM dmarc_daily_records_v WHERE day = (now() - interval '2 days')::date AND policy_domain = 'example.org'")" \
    "dmarc_domain_daily_v agrees with the records on that day"

# Rebuilt from the records: the same view, one row per key.
"$MAILSIFT" db rebuild-rollups >"$T_TMP/out"
ok $? "db rebuild-rollups"
grep -q "rollups rebuilt, $(q "SELECT count(*) FROM dmarc_daily_v") rows" "$T_TMP/out"
ok $? "it says how many rows: one per key of dmarc_daily_v"
same_daily "rebuilt"
is "$(q "SELECT count(*) FROM dmarc_daily_domain")" \
    "$(q "SELECT count(*) FROM (SELECT DISTINCT day, policy_domain FROM dmarc_daily_v) a")" \
    "rebuilt: one dmarc_daily_domain row per day and domain"

# Prune: the reports that began more than a year ago (report 5 began 520
# days ago).
"$MAILSIFT" db prune --older-than 13m --keep-rollups >"$T_TMP/out"
ok $? "db prune --older-than 13m --keep-rollups"
grep -q "^mailsift: 1 report pruned, rollups kept" "$T_TMP/out"
ok $? "one report pruned"
is "$(q "SELECT count(*) FROM dmarc_report WHERE report_id = 'span-5'")" 0 \
    "the old report is gone, records with it"
is "$(q "SELECT count(*) FROM dmarc_record WHERE report_id NOT IN (SELECT id FROM dmarc_report)")" 0 \
    "no record left without its report"
is "$(q "SELECT sum(messages) FROM dmarc_daily_v WHERE day < current_date - 400")" 16 \
    "--keep-rollups: its day is still in dmarc_daily_v (9 + 7 messages)"
q "INSERT INTO dmarc_daily SELECT policy_domain, day - 500, source_ip, header_from, org_name, messages, dmarc_pass, dmarc_fail, dkim_pass, spf_pass, quarantined, rejected FROM dmarc_daily WHERE org_name = 'span.example' AND day >= current_date - 30" >/dev/null
"$MAILSIFT" db prune --older-than 400d >"$T_TMP/out"
ok $? "db prune --older-than 400d"
is "$(q "SELECT count(*) FROM dmarc_daily WHERE day < current_date - 400")" 0 \
    "without --keep-rollups the rollup rows of those days go too"
is "$(q "SELECT count(*) > 0 FROM dmarc_daily WHERE day >= current_date - 400")" t \
    "the rollup of the days kept stays"
"$MAILSIFT" db prune --older-than 13 2>"$T_TMP/err"
is "$?" 64 "db prune --older-than 13 (no unit) is a usage error"
grep -q "months like 13m, or days like 400d" "$T_TMP/err"
ok $? "... that says the units"

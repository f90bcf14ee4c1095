# roles.sh - least privilege: the ingest role can ingest and nothing more,
# the reader role can read the views and nothing more.
. "$TOP/tests/t/lib.sh"

fresh_db mailsift_t_roles
"$MAILSIFT" db roles >/dev/null
ok $? "db roles creates and grants the roles"
"$MAILSIFT" db roles >/dev/null
ok $? "db roles is idempotent"
# Login users are cluster-wide: unique names, dropped at the end.
in_user=ms_t_ingest_$$ rd_user=ms_t_reader_$$
psql -X -q -d "$T_DB" -c "CREATE ROLE $in_user LOGIN IN ROLE mailsift_ingest;
    CREATE ROLE $rd_user LOGIN IN ROLE mailsift_reader;" 2>&1
trap 'psql -X -q -d postgres -c "DROP OWNED BY $in_user, $rd_user" -d "$T_DB" 2>/dev/null;
    psql -X -q -d postgres -c "DROP ROLE IF EXISTS $in_user, $rd_user" 2>/dev/null; t_cleanup' EXIT

"$MAILSIFT_GEN" maildir "$T_TMP/md" --messages 20 --seed 9 >/dev/null
"$MAILSIFT" --db "dbname=$T_DB user=$in_user" ingest --maildir "$T_TMP/md" 2>"$T_TMP/err"
ok $? "ingest works with only the mailsift_ingest role"
is "$(q "SELECT count(*) FROM ingest_log_v WHERE outcome='stored'")" 20 "and stored every message"
printf 'Subject: x\nContent-Type: text/xml\n\n<feedback><report_metadata>\n' |
    "$MAILSIFT" --db "dbname=$T_DB user=$in_user" ingest - 2>/dev/null
ok $? "the ingest role can quarantine"
"$MAILSIFT" --db "dbname=$T_DB user=$in_user" requeue 2>/dev/null
ok $? "the ingest role can requeue"
"$MAILSIFT" --db "dbname=$T_DB user=$in_user" quarantine list >/dev/null
ok $? "the ingest role can list the quarantine"
qid=$(q "SELECT min(ingest_id) FROM quarantine")
"$MAILSIFT" --db "dbname=$T_DB user=$in_user" quarantine drop "$qid" 2>/dev/null
[ $? = 78 ] && [ "$(q "SELECT count(*) FROM quarantine WHERE ingest_id = $qid")" = 1 ]
ok $? "the ingest role cannot drop a quarantined message"
"$MAILSIFT" --db "dbname=$T_DB user=$rd_user" quarantine drop "$qid" 2>/dev/null
[ $? = 78 ] && [ "$(q "SELECT count(*) FROM quarantine WHERE ingest_id = $qid")" = 1 ]
ok $? "nor can the reader"
for f in postfix-userunknown postfix-userunknown vacation; do
	"$MAILSIFT" --db "dbname=$T_DB user=$in_user" ingest - \
	    <"$TOP/tests/data/bounce-join/$f.eml" 2>>"$T_TMP/err" || echo "# $f: $?"
done
is "$(q "SELECT string_agg(outcome, ',' ORDER BY id) FROM (SELECT * FROM
    ingest_log_v ORDER BY id DESC LIMIT 3) l")" "stored,duplicate,stored" \
    "the ingest role can store bounces and find duplicates"
is "$(q "SELECT sum(recipients) FROM bounce_daily")" "$(q "SELECT count(*) FROM bounce_v")" \
    "and writes their rollup rows (013_bounce_rollup.sql)"

as() {	# user, sql -> exit status of psql
	psql -X -q -v ON_ERROR_STOP=1 -d "$T_DB" -U "$1" -c "$2" >/dev/null 2>&1
}
# TLS and ARF reports, as store/tls.c and store/arf.c write them (one
# statement each, ON CONFLICT on the identity, RETURNING the id).
tls_ins="INSERT INTO ingest_log (source, outcome) VALUES ('t', 'stored');
WITH r AS (INSERT INTO tls_report (ingest_id, date_begin, date_end, day, identity)
    VALUES (currval('ingest_log_id_seq'), now(), now(), current_date, 'roles-t')
    ON CONFLICT ON CONSTRAINT tls_report_identity DO NOTHING RETURNING id),
  p AS (INSERT INTO tls_policy (report_id, policy_no) SELECT id, 1 FROM r),
  f AS (INSERT INTO tls_failure (report_id, policy_no, failure_no) SELECT id, 1, 1 FROM r),
  w AS (INSERT INTO tls_report_raw (report_id, format, gz) SELECT id, 'gzip', '' FROM r)
SELECT id FROM r"
arf_ins="INSERT INTO ingest_log (source, outcome) VALUES ('a', 'stored');
INSERT INTO arf_report (ingest_id, sha256, format, day, identity)
    VALUES (currval('ingest_log_id_seq'), 'x', 'arf', current_date, 'roles-a')
    ON CONFLICT ON CONSTRAINT arf_report_identity DO NOTHING RETURNING id"
as "$in_user" "$tls_ins" && as "$in_user" "$tls_ins"
ok $? "the ingest role can store TLS reports and find duplicates"
as "$in_user" "$arf_ins" && as "$in_user" "$arf_ins"
ok $? "the ingest role can store ARF reports and find duplicates"
is "$(q "SELECT (SELECT count(*) FROM tls_report_v), (SELECT count(*) FROM tls_failure_v),
    (SELECT count(*) FROM arf_report_v)")" "1|1|1" "each stored once"
as "$in_user" "DELETE FROM arf_report"
[ $? != 0 ]; ok $? "the ingest role cannot delete ARF reports"
as "$in_user" "UPDATE tls_policy SET total_successful_session_count = 0"
[ $? != 0 ]; ok $? "the ingest role cannot rewrite TLS reports"
as "$in_user" "DELETE FROM dmarc_report"
[ $? != 0 ]; ok $? "the ingest role cannot delete reports"
as "$in_user" "DROP TABLE dmarc_record"
[ $? != 0 ]; ok $? "the ingest role cannot drop tables"
as "$in_user" "UPDATE dmarc_record SET count = 0"
[ $? != 0 ]; ok $? "the ingest role cannot rewrite records"
as "$in_user" "UPDATE bounce_recipient SET reason = 'x'"
[ $? != 0 ]; ok $? "the ingest role cannot rewrite bounces"
as "$in_user" "DELETE FROM bounce_message"
[ $? != 0 ]; ok $? "the ingest role cannot delete bounces"
"$MAILSIFT" --db "dbname=$T_DB user=$in_user" reclassify --all 2>"$T_TMP/err"
[ $? != 0 ] && grep -q 'permission denied' "$T_TMP/err"
ok $? "reclassify as the ingest role is refused, saying why"
"$MAILSIFT" reclassify --all >/dev/null
ok $? "reclassify as the owner works"

"$MAILSIFT" --db "dbname=$T_DB user=$rd_user" trend --since 3650d --format csv >"$T_TMP/trend"
ok $? "trend works with only the mailsift_reader role"
[ "$(wc -l <"$T_TMP/trend")" -gt 1 ]; ok $? "and sees the data"
"$MAILSIFT" --db "dbname=$T_DB user=$rd_user" sources --since 3650d >/dev/null &&
    "$MAILSIFT" --db "dbname=$T_DB user=$rd_user" reports --since 3650d >/dev/null
ok $? "sources and reports work with the reader role"
"$MAILSIFT" --db "dbname=$T_DB user=$rd_user" bounces --since 3650d --by reason >/dev/null
ok $? "bounces works with the reader role"
dom=$(q "SELECT policy_domain FROM dmarc_report_v LIMIT 1")
"$MAILSIFT" --db "dbname=$T_DB user=$rd_user" explain --domain "$dom" --since 3650d --format csv >"$T_TMP/explain"
ok $? "explain works with the reader role"
[ "$(wc -l <"$T_TMP/explain")" -gt 1 ]; ok $? "and sees the sources of $dom"
as "$rd_user" "SELECT * FROM source_info"
[ $? != 0 ]; ok $? "the reader cannot read the enrichment table, only source_v"
for v in ingest_log_v dmarc_report_v dmarc_record_v dmarc_dkim_v dmarc_spf_v dmarc_reason_v dmarc_daily_v \
    bounce_v bounce_daily_v dmarc_bounce_daily_v tls_report_v tls_failure_v tls_daily_v \
    arf_report_v dmarc_failure_v bounce_sender_daily_v bounce_daily_records_v; do
	as "$rd_user" "SELECT * FROM $v LIMIT 1"
	ok $? "the reader can read $v"
done
for v in source_v source_diagnosis_v; do
	as "$rd_user" "SELECT * FROM $v LIMIT 1"
	ok $? "the reader can read $v"
done
as "$rd_user" "SELECT raw FROM quarantine"
[ $? != 0 ]; ok $? "the reader cannot read quarantined raw messages"
as "$rd_user" "SELECT * FROM dmarc_report_raw"
[ $? != 0 ]; ok $? "the reader cannot read raw reports"
as "$rd_user" "SELECT * FROM bounce_recipient"
[ $? != 0 ]; ok $? "the reader cannot read the bounce tables"
as "$rd_user" "SELECT * FROM bounce_daily"
[ $? != 0 ]; ok $? "nor the bounce rollup, only its views"
as "$rd_user" "SELECT * FROM tls_report_raw"
[ $? != 0 ]; ok $? "the reader cannot read raw TLS reports"
as "$rd_user" "SELECT * FROM arf_report"
[ $? != 0 ]; ok $? "the reader cannot read the ARF table"
as "$rd_user" "INSERT INTO ingest_log (source, outcome) VALUES ('x', 'stored')"
[ $? != 0 ]; ok $? "the reader cannot write"
"$MAILSIFT" --db "dbname=$T_DB user=$rd_user" ingest --maildir "$T_TMP/md" 2>/dev/null
[ $? != 0 ]; ok $? "ingest as the reader fails"

# Enrichment runs as the ingest role: it reads the addresses seen and
# writes source_info (the resolver here is a closed port: it answers
# nothing, enrich stops at once, and the timeouts it got are written).
"$MAILSIFT" --db "dbname=$T_DB user=$in_user" enrich --resolver 127.0.0.1:9 \
    --timeout 50 --tries 1 --limit 3 2>"$T_TMP/err"
is "$?" 75 "enrich as the ingest role: the unreachable resolver is reported (75)"
is "$(q "SELECT count(*) > 0 AND bool_and(dns_status = 'timeout')
    FROM source_info")" t "and the ingest role wrote its timeouts"
as "$in_user" "DELETE FROM source_info"
[ $? != 0 ]; ok $? "the ingest role cannot delete enrichment rows"
as "$rd_user" "SELECT source_ip, ptr, service FROM source_v LIMIT 1" >/dev/null
ok $? "the reader reads source_v"
as "$rd_user" "SELECT * FROM source_info"
[ $? != 0 ]; ok $? "the reader cannot read source_info itself"

# `mailsift check` stores its findings as the ingest role (the run row
# upserted, the old findings deleted, the new inserted: store/finding.c);
# the reader reads them through the views only.
as "$in_user" "INSERT INTO check_run (domain, checked_at, errors, warnings, infos)
    VALUES ('r.test', now(), 1, 0, 0) ON CONFLICT (domain) DO UPDATE SET checked_at = now();
    DELETE FROM check_finding WHERE domain = 'r.test';
    INSERT INTO check_finding (domain, seq, code, severity, evidence, action, checked_at)
    VALUES ('r.test', 1, 'spf.missing', 'error', 'e', 'a', now())"
ok $? "the ingest role can replace a domain's check findings"
as "$rd_user" "SELECT domain, code FROM check_finding_v JOIN check_run_v USING (domain)"
ok $? "the reader reads check_finding_v and check_run_v"
as "$rd_user" "SELECT * FROM check_finding"
[ $? != 0 ]; ok $? "the reader cannot read check_finding itself"
as "$rd_user" "DELETE FROM check_run"
[ $? != 0 ]; ok $? "nor delete a check"

# tls_failures.sh - SMTP TLS reports and DMARC failure reports end to end:
# ingest from a Maildir, stdin and bare files; each stored once; the views
# add up to what was generated (tests/gen_reports.py writes the reports
# and a manifest of what each holds); `mailsift tls` and `mailsift
# failures`; trend's failure_reports; hostile JSON quarantined.
. "$TOP/tests/t/lib.sh"
G=$TOP/tests/gen_reports.py
TD=$TOP/tests/data/tlsrpt
SINCE=2026-09-01

fresh_db mailsift_t_tls

# --- TLS reports from a Maildir --------------------------------------------
python3 "$G" tls "$T_TMP/tls" --messages 60 --seed 7 --days 10
ok $? "60 TLS report mails generated"
cp -r "$T_TMP/tls" "$T_TMP/tls-again"
"$MAILSIFT" ingest --maildir "$T_TMP/tls" 2>"$T_TMP/err"
ok $? "ingest --maildir of the TLS reports exits 0"
is "$(q "SELECT outcome, count(*) FROM ingest_log_v GROUP BY 1")" \
    "stored|60" "every TLS report mail logged stored"
M=$T_TMP/tls.expected.tsv
is "$(q "SELECT count(DISTINCT report_pk), count(*) FROM tls_report_v")" \
    "60|$(awk -F'\t' '{ p += $5 } END { print p }' "$M")" \
    "60 reports stored with every policy"
is "$(q "SELECT sum(successful_sessions), sum(failed_sessions)
    FROM tls_daily_v")" \
    "$(awk -F'\t' '{ s += $6; f += $7 } END { print s "|" f }' "$M")" \
    "tls_daily_v adds up to the reports' successful and failed sessions"
is "$(q "SELECT count(*) FROM tls_failure_v")" \
    "$(awk -F'\t' '{ n += $8 } END { print n }' "$M")" \
    "one tls_failure_v row per failure detail"
want=$(awk -F'\t' '{ print $1 "|" $2 "|" $3 }' "$M" | LC_ALL=C sort)
got=$(q "SELECT DISTINCT organization_name, report_id, policy_domain
    FROM tls_report_v WHERE policy_no = 1" | LC_ALL=C sort)
is "$got" "$want" "reporter, report-id and policy domain of every report"
is "$(q "SELECT count(*) FROM tls_failure_v WHERE receiving_mx LIKE 'mx:%'
    OR receiving_mx <> lower(receiving_mx)")" "0" \
    "receiving MX normalized (no mx: prefix, lower case)"

# --- duplicates ------------------------------------------------------------
"$MAILSIFT" ingest --maildir "$T_TMP/tls-again" 2>"$T_TMP/err"
ok $? "the same reports again exit 0"
is "$(q "SELECT outcome, count(*) FROM ingest_log_v GROUP BY 1 ORDER BY 1")" \
    "duplicate|60
stored|60" "the second delivery logged duplicate, nothing stored twice"
is "$(q "SELECT count(DISTINCT report_pk) FROM tls_report_v")" "60" \
    "still 60 reports"

# --- bare files, stdin, labels that lie --------------------------------------
for f in "$TD"/*.json; do
	[ -f "$f" ] || continue
	first=$f
	break
done
if [ -n "$first" ]; then
	"$MAILSIFT" ingest "$first" 2>"$T_TMP/err"
	ok $? "ingest of a bare .json file exits 0"
	gzip -c "$first" >"$T_TMP/report!001.json.gz"
	"$MAILSIFT" ingest "$T_TMP/report!001.json.gz" 2>"$T_TMP/err"
	ok $? "the same report as .json.gz exits 0"
	is "$(q "SELECT outcome FROM ingest_log_v ORDER BY id DESC LIMIT 2" |
	    LC_ALL=C sort | tr '\n' ' ')" "duplicate stored " \
	    "bare JSON stored, the gzipped copy found a duplicate"
fi
one=$(ls "$T_TMP/tls-again/cur" | head -n 1)
"$MAILSIFT" ingest - <"$T_TMP/tls-again/cur/$one"
ok $? "a TLS report mail piped on stdin exits 0 (duplicate)"

# --- mailsift tls ------------------------------------------------------------
"$MAILSIFT" tls --since $SINCE --by day --format json >"$T_TMP/byday" 2>"$T_TMP/err"
ok $? "tls --by day exits 0"
python3 - "$T_TMP/byday" "$(q "SELECT sum(successful_sessions) || '|' ||
    sum(failed_sessions) FROM tls_daily_v WHERE day >= '$SINCE'")" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
s = sum(int(r["successful_sessions"]) for r in rows)
f = sum(int(r["failed_sessions"]) for r in rows)
want = sys.argv[2]
assert len(rows) >= 10, rows
assert "%d|%d" % (s, f) == want, (s, f, want)
PY
ok $? "tls --by day: one row per day, sessions summing to the view's"
"$MAILSIFT" tls --since $SINCE --by reporter >"$T_TMP/byrep"
ok $? "tls --by reporter exits 0"
grep -q 'Google Inc.' "$T_TMP/byrep" && grep -q 'Mail.Ru' "$T_TMP/byrep"
ok $? "tls --by reporter names the reporters"
"$MAILSIFT" tls --since $SINCE --by result --format csv >"$T_TMP/byres"
ok $? "tls --by result exits 0"
grep -q 'certificate-expired\|starttls-not-supported\|validation-failure' \
    "$T_TMP/byres"
ok $? "tls --by result names result types"
"$MAILSIFT" tls --by banana 2>"$T_TMP/err"
is "$?" 64 "tls --by banana is a usage error"
grep -q 'day mx result reporter domain' "$T_TMP/err"
ok $? "... that lists the accepted values"

# --- hostile JSON --------------------------------------------------------------
python3 -c 'print("{\"organization-name\":\"x\",\"policies\":" + "[" * 100000 + "]" * 100000 + "}")' \
    >"$T_TMP/deep.json"
"$MAILSIFT" ingest "$T_TMP/deep.json" 2>"$T_TMP/err"
ok $? "JSON nested 100,000 deep: exit 0"
is "$(q "SELECT outcome FROM ingest_log_v ORDER BY id DESC LIMIT 1")" \
    "quarantined" "... quarantined"
q "SELECT reason FROM ingest_log_v ORDER BY id DESC LIMIT 1" |
    grep -q 'TLSRPT_MAX_DEPTH\|deeper\|depth'
ok $? "... with the depth limit named"

# --- DMARC failure reports -----------------------------------------------------
fresh_db mailsift_t_failures
python3 "$G" arf "$T_TMP/arf" --messages 40 --seed 3 --days 10
ok $? "40 failure report mails generated"
"$MAILSIFT" ingest --maildir "$T_TMP/arf" 2>"$T_TMP/err"
ok $? "ingest --maildir of the failure reports exits 0"
is "$(q "SELECT outcome, count(*) FROM ingest_log_v GROUP BY 1")" \
    "stored|40" "every failure report mail stored"
is "$(q "SELECT count(*) FROM dmarc_failure_v")" "40" \
    "one dmarc_failure_v row per failure report"
M=$T_TMP/arf.expected.tsv
want=$(awk -F'\t' '{ print $2 "|" $3 "|" $4 "|" $5 "|" $6 }' "$M" |
    LC_ALL=C sort)
got=$(q "SELECT host(source_ip), from_domain, auth_failure,
    coalesce(a.dkim_domain, ''), coalesce(a.dkim_selector, '')
    FROM arf_report_v a" | LC_ALL=C sort)
is "$got" "$want" "source IP, From domain, Auth-Failure, DKIM domain and selector of each"
is "$(q "SELECT count(*) FROM dmarc_failure_v f JOIN arf_report_v a USING (arf_pk)
    WHERE f.day = (a.arrival_time AT TIME ZONE 'UTC')::date")" "40" \
    "each counted on the day of its Arrival-Date (or Received-Date)"
cp -r "$T_TMP/arf" "$T_TMP/arf2"
"$MAILSIFT" ingest "$T_TMP"/arf2/cur/* 2>"$T_TMP/err"
ok $? "the same failure reports again exit 0"
is "$(q "SELECT count(*) FROM dmarc_failure_v")" "40" "nothing stored twice"

"$MAILSIFT" failures --since $SINCE --format json >"$T_TMP/flist"
ok $? "failures exits 0"
is "$(wc -l <"$T_TMP/flist" | tr -d ' ')" "40" "failures lists one line per report"
"$MAILSIFT" failures --since $SINCE --by ip --format csv >"$T_TMP/fip"
ok $? "failures --by ip exits 0"
ip=$(awk -F'\t' '{ print $2 }' "$M" | sort | uniq -c | sort -rn |
    awk 'NR == 1 { print $2 }')
n=$(awk -F'\t' -v ip="$ip" '$2 == ip' "$M" | wc -l | tr -d ' ')
grep -q "^$ip,$n\b\|^$ip,.*\b$n\b" "$T_TMP/fip"
ok $? "failures --by ip counts $n reports for $ip"
"$MAILSIFT" failures --ip banana 2>"$T_TMP/err"
is "$?" 64 "failures --ip banana is a usage error"
grep -qi 'select\|syntax for type' "$T_TMP/err"
is "$?" 1 "... without SQL in the message"
"$MAILSIFT" failures --since $SINCE --ip "$ip/32" --format json >"$T_TMP/fone"
is "$(wc -l <"$T_TMP/fone" | tr -d ' ')" "$n" "failures --ip keeps that IP's reports"

"$MAILSIFT" trend --by ip --since $SINCE --ip "$ip" --format json >"$T_TMP/trend"
ok $? "trend --by ip exits 0"
python3 - "$T_TMP/trend" "$n" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert rows and all("failure_reports" in r for r in rows), rows[:1]
total = sum(int(r["failure_reports"] or 0) for r in rows)
assert total == int(sys.argv[2]), (total, sys.argv[2])
PY
ok $? "trend --by ip: failure_reports of that IP add up to $n"

# A complaint stays a complaint: in arf_report_v, not in dmarc_failure_v.
for f in "$TOP"/tests/data/arf/abuse*.eml "$TOP"/tests/data/arf/optout.eml; do
	[ -f "$f" ] || continue
	"$MAILSIFT" ingest - <"$f"
	ok $? "a complaint ($(basename "$f")) exits 0"
	break
done
is "$(q "SELECT count(*) FILTER (WHERE NOT dmarc_failure),
    count(*) FILTER (WHERE dmarc_failure) FROM arf_report_v")" "1|40" \
    "the complaint is kept with its fields, not as a failure report"
is "$(q "SELECT count(*) FROM dmarc_failure_v")" "40" \
    "dmarc_failure_v still has the 40 failure reports only"

# JSON that is no TLS report (an Amazon SES notification in a text part) is
# left to the bounce reader.
fresh_db mailsift_t_tls_ses
"$MAILSIFT" parse "$TOP/tests/data/bounces/provider/amazonses-sns-envelope.eml" \
    >"$T_TMP/ses"
grep -q '"kind":"bounce"' "$T_TMP/ses" && ! grep -q '"kind":"error"' "$T_TMP/ses"
ok $? "an SES JSON notification parses as bounces, not as a broken TLS report"
"$MAILSIFT" ingest - <"$TOP/tests/data/bounces/provider/amazonses-sns-envelope.eml"
ok $? "... and ingests with exit 0"
is "$(q "SELECT outcome FROM ingest_log_v")" "stored" "... stored as a bounce"
is "$(q "SELECT count(*) FROM bounce_v")" "2" "... with its two recipients"

# A failure report can carry a private message: its body is kept only
# when asked for (--keep-failure-bodies).
fresh_db mailsift_t_failure_body
"$MAILSIFT" ingest "$TOP/tests/data/arf/authfail-spf.eml"
ok $? "a failure report with the whole message attached exits 0"
is "$(q "SELECT orig_subject, orig_body IS NULL FROM arf_report_v")" \
    "Your invoice|t" "its headers are kept, its body is not"
fresh_db mailsift_t_failure_body2
"$MAILSIFT" ingest --keep-failure-bodies "$TOP/tests/data/arf/authfail-spf.eml"
ok $? "ingest --keep-failure-bodies exits 0"
q "SELECT orig_body FROM arf_report_v" | grep -q 'Please pay'
ok $? "with --keep-failure-bodies the body is kept"

# The summary line names each kind: a complaint is not a bounce.
fresh_db mailsift_t_summary
"$MAILSIFT" ingest "$TOP/tests/data/arf/abuse-rfc5965.eml" \
    "$TOP/tests/data/arf/authfail-dkim.eml" \
    "$TOP/tests/data/bounce-join/postfix-userunknown.eml" 2>"$T_TMP/sum"
grep -q '1 bounces, 1 bounce recipients, 1 complaints, 0 auto-replies, 1 failure reports' "$T_TMP/sum"
ok $? "the summary counts 1 bounce, 1 complaint, 1 failure report"
sed 's/^/#   /' "$T_TMP/sum"

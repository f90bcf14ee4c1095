#!/bin/sh
# report.sh - mailsift report: the figures on the page are the database's.
#
# A generated month (the demo's story: reports, bounces), TLS and failure
# reports and one hostile report go into a fresh database; the page is
# read back (tests/report_read.py: the headline, every chart bar, every
# table row) and each figure compared with a query of its own on the
# documented views.  Then hostile strings stay text, the digest mail is
# a multipart/alternative whose HTML part is the page, and bad arguments
# are usage errors.
. "$TOP/tests/t/lib.sh"
gen=${MAILSIFT_GEN:-$TOP/build/mailsift-gen}
G=$TOP/tests/gen_reports.py
R=$T_TMP/report.html

fresh_db mailsift_t_report
ok $? "db migrate"
start=$(( $(date -u -d 'today 00:00' +%s) - 30 * 86400 ))
since=$(date -u -d "@$start" +%F)
"$gen" maildir "$T_TMP/month" --demo --seed 3 --start "$start" >/dev/null &&
python3 "$G" tls "$T_TMP/tls" --messages 20 --seed 5 --days 10 \
    --start $((start + 86400)) >/dev/null &&
python3 "$G" arf "$T_TMP/arf" --messages 20 --seed 5 --days 10 \
    --start $((start + 86400)) >/dev/null
ok $? "a month generated: DMARC reports, bounces, TLS and failure reports"

# A reporter and a DKIM selector that are markup.
b=$((start + 5 * 86400))
cat >"$T_TMP/evil.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<feedback><report_metadata><org_name>&lt;script&gt;alert(1)&lt;/script&gt;</org_name>
<email>x@evil.example</email><report_id>evil-1</report_id>
<date_range><begin>$b</begin><end>$((b + 86399))</end></date_range></report_metadata>
<policy_published><domain>evil.example</domain><p>reject</p></policy_published>
<record><row><source_ip>192.0.2.250</source_ip><count>7</count>
<policy_evaluated><disposition>reject</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>
<identifiers><header_from>evil.example</header_from></identifiers>
<auth_results><dkim><domain>evil.example</domain><selector>&lt;script&gt;s&lt;/script&gt;</selector><result>fail</result></dkim></auth_results></record>
</feedback>
EOF
"$MAILSIFT" ingest --maildir "$T_TMP/month" >/dev/null 2>&1 &&
"$MAILSIFT" ingest --maildir "$T_TMP/tls" >/dev/null 2>&1 &&
"$MAILSIFT" ingest --maildir "$T_TMP/arf" >/dev/null 2>&1 &&
"$MAILSIFT" ingest "$T_TMP/evil.xml" >/dev/null 2>&1
ok $? "ingested"
is "$(q "SELECT count(*) > 0 FROM tls_daily_v") $(q "SELECT count(*) > 0
    FROM dmarc_failure_v") $(q "SELECT count(*) > 0 FROM bounce_v")" \
    "t t t" "TLS reports, failure reports and bounces stored"

"$MAILSIFT" report --since "$since" --output "$R"
ok $? "report --since $since --output FILE exits 0"
python3 "$TOP/tests/report_read.py" "$R" >"$T_TMP/fig"
ok $? "the page reads as HTML"

# --- the headline ---------------------------------------------------------
got=$(awk '$1 == "headline" && $2 != "pass_pct" { print $2 "=" $3 }' \
    "$T_TMP/fig" | sort | tr '\n' ' ')
want=$(q "SELECT format('dmarc_fail=%s dmarc_pass=%s messages=%s '
    'quarantined=%s rejected=%s', sum(dmarc_fail), sum(dmarc_pass),
    sum(messages), sum(quarantined), sum(rejected))
    FROM dmarc_daily_v WHERE day >= '$since'" | tr '\n' ' ')
is "$got" "$want" \
    "headline: messages, pass, fail, quarantined, rejected as dmarc_daily_v"
is "$(awk '$1 == "headline" && $2 == "pass_pct" { print $3 }' "$T_TMP/fig")" \
    "$(q "SELECT round(100.0 * sum(dmarc_pass) / sum(messages), 1)
    FROM dmarc_daily_v WHERE day >= '$since'")" "headline: the pass rate"
n=$(q "SELECT sum(messages) FROM dmarc_daily_v WHERE day >= '$since'")
[ "${n:-0}" -gt 50000 ]
ok $? "the month is not empty ($n messages)"

# --- every bar of every chart ---------------------------------------------
is "$(awk '$1 == "day" { print $2, $3, $4, $5 }' "$T_TMP/fig" | sort)" \
    "$(q "SELECT policy_domain || ' ' || day || ' ' || sum(dmarc_pass) || ' '
    || sum(dmarc_fail) FROM dmarc_daily_v WHERE day >= '$since'
    GROUP BY policy_domain, day" | sort)" \
    "every chart bar: the domain's pass and fail of that day"
is "$(grep -c '^day ' "$T_TMP/fig")" \
    "$(q "SELECT count(DISTINCT (policy_domain, day)) FROM dmarc_daily_v
    WHERE day >= '$since'")" "one bar per domain and day with messages"

is "$(awk '$1 == "bounceday" { print $3, $4, $5 }' "$T_TMP/fig")" \
    "$(q "SELECT day || ' ' || count(*) FILTER (WHERE reason IS DISTINCT FROM
    'authfailure') || ' ' || count(*) FILTER (WHERE reason = 'authfailure')
    FROM bounce_v WHERE bounced AND day >= '$since' GROUP BY day
    ORDER BY day")" \
    "every bar of the bounce chart: that day's bounces, authentication apart"
[ "$(awk '$1 == "bounceday" && $5 > 0' "$T_TMP/fig" | wc -l)" -gt 3 ]
ok $? "the bounce chart shows the demo's authentication refusals"

# --- the tables -----------------------------------------------------------
rows() {	# TABLE FIELDS: the table's rows, those fields, sorted
	grep "^row $1 " "$T_TMP/fig" | sed "s/^row $1 //" | cut -d'|' -f"$2" |
	    LC_ALL=C sort
}
is "$(rows sources 1,2,5,6,7)" \
    "$(q "SELECT policy_domain || '|' || host(source_ip) || '|' || messages
    || '|' || dmarc_pass || '|' || dmarc_fail
    FROM source_diagnosis(NULL, '$since', NULL)" | LC_ALL=C sort)" \
    "sources: every source with its messages, pass and fail"
is "$(grep -c '^action sources ' "$T_TMP/fig")" "$(rows sources 1 | wc -l)" \
    "sources: each with its action"
is "$(rows bounces 1,2)" \
    "$(q "SELECT reason || '|' || count(*) FROM bounce_v
    WHERE bounced AND day >= '$since' GROUP BY reason" | LC_ALL=C sort)" \
    "bounces by reason: bounce_v's counts"
is "$(rows reporters 1,2)" \
    "$(q "SELECT org_name || '|' || count(*) FROM dmarc_report_v
    WHERE date_begin >= '$since'::timestamptz GROUP BY org_name" |
    LC_ALL=C sort)" "reporters: how many reports each sent"
is "$(rows coincide 1,2,4,5)" \
    "$(q "SELECT day || '|' || host(source_ip) || '|' || sum(dmarc_fail)
    || '|' || sum(auth_bounces) FROM dmarc_bounce_daily_v
    WHERE day >= '$since' GROUP BY day, source_ip
    HAVING sum(dmarc_fail) > 0 AND sum(auth_bounces) > 0" | LC_ALL=C sort)" \
    "DMARC failures beside authentication bounces, per day and IP"
[ "$(rows coincide 1 | wc -l)" -gt 3 ]
ok $? "the demo's broken key shows on several such days"
is "$(rows tls 1,2,3)" \
    "$(q "SELECT policy_domain || '|' || sum(successful_sessions) || '|'
    || sum(failed_sessions) FROM tls_daily_v WHERE day >= '$since'
    GROUP BY policy_domain" | LC_ALL=C sort)" \
    "TLS: sessions per policy domain as tls_daily_v"
[ "$(rows tls 1 | wc -l)" -gt 0 ] && [ "$(rows tls_results 1 | wc -l)" -gt 1 ]
ok $? "TLS: domains and failure results listed"
is "$(rows failures 1,2)" \
    "$(q "SELECT host(source_ip) || '|' || count(*) FROM dmarc_failure_v
    WHERE day >= '$since' GROUP BY source_ip" | LC_ALL=C sort)" \
    "failure reports per source IP as dmarc_failure_v"
[ "$(rows failures 1 | wc -l)" -gt 5 ]
ok $? "failure reports listed"

# --- hostile strings --------------------------------------------------------
grep -qi '<script' "$R"
ok $((! $?)) "no <script> element: the reporter and the selector are text"
grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$R"
ok $? "the reporter's name shown escaped"
grep -q 's=&lt;script&gt;s&lt;/script&gt;' "$R"
ok $? "the selector shown escaped in the action"
grep -Eqi '(src|href)="?(https?:)?//' "$R"
ok $((! $?)) "nothing to fetch: no external src or href"

# --- one domain -------------------------------------------------------------
"$MAILSIFT" report --since "$since" --domain example.org >"$T_TMP/org.html"
python3 "$TOP/tests/report_read.py" "$T_TMP/org.html" >"$T_TMP/org"
is "$(awk '$1 == "headline" && $2 == "messages" { print $3 }' "$T_TMP/org")" \
    "$(q "SELECT sum(messages) FROM dmarc_daily_v WHERE day >= '$since'
    AND policy_domain = 'example.org'")" "--domain: that domain's messages"
is "$(awk '$1 == "day" { print $2 }' "$T_TMP/org" | sort -u)" "example.org" \
    "--domain: that domain's chart only"

# --- the digest mail ----------------------------------------------------------
# Through a pipe, as into sendmail -t (a stream that cannot seek).
{ "$MAILSIFT" report --since "$since" --mail --to postmaster@example.com \
    --from 'mailsift <mailsift@example.com>'; echo $? >"$T_TMP/rc"; } |
    cat >"$T_TMP/mail.eml"
is "$(cat "$T_TMP/rc")" 0 "report --mail into a pipe exits 0"
python3 - "$T_TMP/mail.eml" "$R" "$n" <<'PY' >"$T_TMP/mail.out"
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"),
                                   policy=email.policy.default)
page = open(sys.argv[2], encoding="utf-8").read()
parts = [p for p in m.iter_parts()]
print("type", m.get_content_type())
print("to", m["To"], "from", m["From"])
print("parts", " ".join(p.get_content_type() for p in parts))
print("html-is-page", parts[1].get_content() == page)
print("text-says", ("%s messages were reported" % sys.argv[3]) in
      parts[0].get_content())
PY
is "$(cat "$T_TMP/mail.out")" "type multipart/alternative
to postmaster@example.com from mailsift <mailsift@example.com>
parts text/plain text/html
html-is-page True
text-says True" "the mail: text in words, then the page, for sendmail -t"

# --- usage ------------------------------------------------------------------
"$MAILSIFT" report --since bogus >/dev/null 2>&1
is $? 64 "a bad --since is a usage error"
"$MAILSIFT" report --mail >/dev/null 2>&1
is $? 64 "--mail without --to is a usage error"
"$MAILSIFT" report --mail --to 'not an address' >/dev/null 2>&1
is $? 64 "--to that is no address is a usage error"
"$MAILSIFT" report --mail --to postmaster >/dev/null 2>&1
is $? 64 "--to without a domain is a usage error"

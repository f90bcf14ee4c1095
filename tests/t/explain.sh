# explain.sh - the diagnosis of each source (sql/007_diagnosis.sql,
# mailsift explain): aggregate reports written here for every category and
# for the borders of each rule, ingested as XML files, names given to some
# sources in source_info; then each source's category, evidence and action
# as the command and the SQL say them.
. "$TOP/tests/t/lib.sh"

fresh_db mailsift_t_explain
ok $? "db migrate"

# Ten report days ending yesterday: day 1 is ten days ago.
today=$(date -u -d 'today 00:00' +%s)
day_epoch() { echo $((today - (11 - $1) * 86400)); }
day() { date -u -d "@$(day_epoch "$1")" +%F; }

# report N ORG DOMAIN DAY ADKIM ASPF P SP: start report file N.
report() {
	cur=$T_TMP/r$1.xml
	b=$(day_epoch "$4")
	cat >"$cur" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata><org_name>$2</org_name><email>dmarc@$2</email>
    <report_id>t-$1</report_id>
    <date_range><begin>$b</begin><end>$((b + 86399))</end></date_range>
  </report_metadata>
  <policy_published><domain>$3</domain><adkim>$5</adkim><aspf>$6</aspf>
    <p>$7</p><sp>$8</sp><pct>100</pct></policy_published>
EOF
}
# rec IP COUNT DKIM SPF FROM [dkim:D:S:RESULT] [spf:D:RESULT[:SCOPE]]
#     [reason:TYPE[:COMMENT]] ...: a record of the current report, DKIM and
#     SPF being the receiver's policy_evaluated verdicts.
rec() {
	ip=$1 cnt=$2 pd=$3 ps=$4 from=$5
	shift 5
	reasons= auth=
	for a in "$@"; do
		IFS=: read -r kind x y z <<EOF
$a
EOF
		case $kind in
		dkim) auth="$auth<dkim><domain>$x</domain><selector>$y</selector><result>$z</result></dkim>" ;;
		spf) auth="$auth<spf><domain>$x</domain>${z:+<scope>$z</scope>}<result>$y</result></spf>" ;;
		reason) reasons="$reasons<reason><type>$x</type>${y:+<comment>$y</comment>}</reason>" ;;
		esac
	done
	disp=none
	[ "$pd" = pass ] || [ "$ps" = pass ] || [ -n "$reasons" ] || disp=reject
	cat >>"$cur" <<EOF
  <record><row><source_ip>$ip</source_ip><count>$cnt</count>
    <policy_evaluated><disposition>$disp</disposition><dkim>$pd</dkim><spf>$ps</spf>$reasons</policy_evaluated></row>
    <identifiers><header_from>$from</header_from></identifiers>
    <auth_results>$auth</auth_results></record>
EOF
}
end_report() { echo '</feedback>' >>"$cur"; }

PASS="dkim:example.com:sel1:pass spf:example.com:pass"
n=0
for d in 1 2 3 4 5 6 7 8 9 10; do
	# example.com: p=reject, relaxed; two reporters a day
	for org in google.com Yahoo; do
		n=$((n + 1))
		report $n $org example.com $d r r reject quarantine
		# compliant: aligned DKIM and SPF
		rec 192.0.2.1 50 pass pass example.com $PASS
		# partial: DKIM s=k2026 passes days 1-6, fails from day 7
		if [ $d -le 6 ]; then
			rec 192.0.2.2 50 pass fail example.com dkim:example.com:k2026:pass spf:example.com:softfail
		else
			rec 192.0.2.2 50 fail fail example.com dkim:example.com:k2026:fail spf:example.com:softfail
		fi
		# a receiver that lists no auth results
		rec 192.0.2.25 10 pass fail example.com
		# border: exactly 90 % pass every day: compliant
		rec 192.0.2.3 45 pass pass example.com $PASS
		rec 192.0.2.3 5 fail fail example.com spf:example.com:fail
		# border: 89 % pass every day: partly unauthorized
		rec 192.0.2.14 89 pass pass example.com $PASS
		rec 192.0.2.14 11 fail fail example.com spf:example.com:fail
		# partial, fixed: no pass days 1-3, aligned SPF from day 4
		if [ $d -le 3 ]; then
			rec 192.0.2.4 20 fail fail example.com spf:example.com:fail
		else
			rec 192.0.2.4 20 fail pass example.com spf:example.com:pass
		fi
		# esp_unaligned: DKIM d=esp.example only
		rec 192.0.2.5 30 fail fail example.com dkim:esp.example:e1:pass spf:example.com:softfail
		# esp_unaligned: DKIM and SPF both pass, both for the ESP
		rec 192.0.2.6 40 fail fail example.com dkim:esp2.example:x1:pass spf:bounce.esp2.example:pass
		# forwarded by override reason; DKIM survives for 60 %
		rec 192.0.2.7 6 pass fail example.com dkim:example.com:sel1:pass spf:fwd.example:pass
		rec 192.0.2.7 4 fail fail example.com dkim:example.com:sel1:fail spf:fwd.example:pass reason:forwarded
		# forwarded by ARC-based local policy
		rec 192.0.2.17 5 fail fail example.com dkim:example.com:sel1:fail spf:list.example:pass "reason:local_policy:arc=pass as.1.list.example"
		# local_policy without ARC is not forwarding
		rec 192.0.2.18 5 fail fail example.com spf:example.com:fail reason:local_policy:sampled
		# forwarder by service kind (source_info), every message passing
		rec 192.0.2.8 10 pass fail example.com dkim:example.com:sel1:pass spf:relay.example:pass
		# forwarding reasons for exactly a quarter of the failures, and less
		rec 192.0.2.16 25 fail fail example.com spf:relay2.example:pass reason:mailing_list
		rec 192.0.2.16 75 fail fail example.com spf:example.com:fail
		rec 192.0.2.23 24 fail fail example.com spf:relay3.example:pass reason:mailing_list
		rec 192.0.2.23 76 fail fail example.com spf:example.com:fail
		# our own server (service_kind ours) missing from SPF, no DKIM
		rec 192.0.2.9 30 fail fail example.com spf:example.com:softfail
		rec 2001:db8::9 10 fail fail example.com spf:example.com:softfail
		# ours by its confirmed name under example.com; the same name
		# unconfirmed is not ours
		rec 192.0.2.19 10 fail fail example.com spf:example.com:softfail
		rec 192.0.2.29 10 fail fail example.com spf:example.com:softfail
		# spoofing; a HELO pass does not count
		rec 203.0.113.1 7 fail fail example.com spf:spoof.example:fail spf:helo.spoof.example:pass:helo
		# signs as example.com, the signature fails
		rec 203.0.113.2 8 fail fail example.com dkim:example.com:sel1:fail spf:example.com:fail
		# one bad day (day 5) among passing ones: compliant
		if [ $d = 5 ]; then
			rec 192.0.2.15 50 fail fail example.com dkim:example.com:sel1:fail spf:example.com:fail
		else
			rec 192.0.2.15 50 pass pass example.com $PASS
		fi
		# the last day fails: partial, from that day
		if [ $d = 10 ]; then
			rec 192.0.2.13 50 fail fail example.com dkim:example.com:sel1:fail spf:example.com:fail
		else
			rec 192.0.2.13 50 pass pass example.com $PASS
		fi
		# a lone failing message on the last day (under 1 %): compliant
		if [ $d = 10 ]; then
			[ $org = Yahoo ] &&
			    rec 192.0.2.24 1 fail fail example.com spf:example.com:fail
		else
			rec 192.0.2.24 500 pass pass example.com $PASS
		fi
		end_report
	done
	# strict.example: adkim=s aspf=s; a subdomain's signature and
	# Return-Path align only under relaxed alignment
	n=$((n + 1))
	report $n google.com strict.example $d s s quarantine quarantine
	rec 192.0.2.20 20 fail fail strict.example dkim:mail.strict.example:m1:pass spf:bounce.strict.example:pass
	end_report
	# relaxed.example: the same is aligned
	n=$((n + 1))
	report $n google.com relaxed.example $d r r reject reject
	rec 192.0.2.21 20 pass pass relaxed.example dkim:mail.relaxed.example:m1:pass spf:bounce.relaxed.example:pass
	end_report
	# parent.example: p=reject, sp=none; mail from news.parent.example
	n=$((n + 1))
	report $n google.com parent.example $d r r reject none
	rec 192.0.2.22 20 pass pass news.parent.example dkim:parent.example:p1:pass spf:news.parent.example:pass
	rec 203.0.113.3 6 fail fail news.parent.example spf:news.parent.example:fail
	rec 203.0.113.4 6 fail fail parent.example spf:parent.example:fail
	end_report
done
"$MAILSIFT" ingest "$T_TMP"/r*.xml 2>"$T_TMP/ingest.err"
ok $? "ingest of $n reports"
is "$(q "SELECT count(*) FROM dmarc_report_v")" "$n" "every report stored"

q "INSERT INTO source_info (source_ip, ptr_names, fcrdns, base_domain, service,
	service_kind, dns_status, last_status, asked_at, expires_at)
    SELECT a::inet, CASE WHEN ptr IS NOT NULL THEN ARRAY[ptr] END, fcrdns,
	base, service, kind, 'ok', 'ok', now(), now() + interval '1 day'
    FROM (VALUES ('192.0.2.2', 'mx2.example.com', true, 'example.com', NULL, 'ours'),
	('192.0.2.5', 'o5.esp.example', true, 'esp.example', 'Esp Example', 'esp'),
	('192.0.2.8', 'relay.example', true, 'relay.example', 'Relay Forwarding', 'forwarder'),
	('192.0.2.9', 'mta.example.com', true, 'example.com', 'billing app', 'ours'),
	('2001:db8::9', NULL, NULL, NULL, NULL, 'ours'),
	('192.0.2.19', 'out.example.com', true, 'example.com', NULL, NULL),
	('192.0.2.29', 'fake.example.com', false, NULL, NULL, NULL))
	AS v(a, ptr, fcrdns, base, service, kind)" >/dev/null
ok $? "names for some sources in source_info"

since=$(day 1)
"$MAILSIFT" explain --domain example.com --since "$since" --format csv >"$T_TMP/ex.csv"
ok $? "explain --format csv"
"$MAILSIFT" explain --domain example.com --since "$since" --format json >"$T_TMP/ex.json"
ok $? "explain --format json"
"$MAILSIFT" explain --domain example.com --since "$since" >"$T_TMP/ex.txt"
ok $? "explain (table)"

# field IP NAME: a column of a source's JSON object (jq-free).
field() {
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o["source_ip"] == sys.argv[2]:
        v = o[sys.argv[3]]
        print("" if v is None else v)
' "$T_TMP/ex.json" "$1" "$2"
}
cat_is() {	# IP CATEGORY why
	is "$(field "$1" category)" "$2" "$1: $2 ($3)"
}
action_has() {	# IP TEXT
	field "$1" action | grep -qF -- "$2"
	ok $? "$1: the action says '$2'"
}

python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
need = {"source_ip", "service", "category", "messages", "dmarc_pass", "action"}
assert rows and all(need <= set(r) for r in rows), "keys"
assert all(isinstance(r["messages"], int) and isinstance(r["dmarc_pass"], int)
    for r in rows), "numbers"
assert len({r["source_ip"] for r in rows}) == len(rows), "one object per source"
' "$T_TMP/ex.json"
ok $? "json: one object per source with source_ip, service, category, messages, dmarc_pass, action"
is "$(wc -l <"$T_TMP/ex.json" | tr -d ' ')" 23 "23 sources of example.com"

cat_is 192.0.2.1 compliant "aligned DKIM and SPF"
is "$(field 192.0.2.1 messages)/$(field 192.0.2.1 dmarc_pass)/$(field 192.0.2.1 days)" \
    "1000/1000/10" "192.0.2.1: 1000 messages, all pass, 10 days"
is "$(field 192.0.2.1 dkim)" "d=example.com s=sel1 pass 1000/1000" "192.0.2.1: the DKIM evidence"
is "$(field 192.0.2.1 spf)" "example.com pass 1000/1000" "192.0.2.1: the SPF evidence"
is "$(field 192.0.2.1 reporters)" "Yahoo, google.com" "192.0.2.1: the reporters"
is "$(field 192.0.2.1 first_day)..$(field 192.0.2.1 last_day)" "$(day 1)..$(day 10)" \
    "192.0.2.1: first and last day"
action_has 192.0.2.1 "Nothing to fix: DMARC passes through aligned DKIM (d=example.com s=sel1) and aligned SPF (example.com)."

cat_is 192.0.2.2 partial "DKIM key rotated on day 7"
is "$(field 192.0.2.2 change_day)" "$(day 7)" "192.0.2.2: changed on day 7"
is "$(field 192.0.2.2 dmarc_pass)/$(field 192.0.2.2 messages)" "600/1000" "192.0.2.2: 600 of 1000 pass"
is "$(field 192.0.2.2 dkim)" "d=example.com s=k2026 pass 600/1000" "192.0.2.2: the selector in the evidence"
action_has 192.0.2.2 "Passed DMARC until $(day 6) and fails since $(day 7) (aligned DKIM d=example.com s=k2026 stopped passing): check the DKIM key"
field 192.0.2.2 action | grep -q SPF
[ $? != 0 ]; ok $? "192.0.2.2: SPF never passed, so the action does not blame it"

cat_is 192.0.2.3 compliant "exactly 90 % pass"
cat_is 192.0.2.25 compliant "aligned DKIM by the receiver's verdict, no auth results listed"
is "$(field 192.0.2.25 action)" "Nothing to fix: DMARC passes through aligned DKIM; SPF is not aligned, so keep DKIM signing on." \
    "192.0.2.25: the action names nothing it was not told"
cat_is 192.0.2.14 unauthorized "89 % pass, the rest passes nothing"
action_has 192.0.2.14 "220 of its 2000 messages pass neither SPF nor DKIM for example.com while the others pass"

cat_is 192.0.2.4 partial "no pass days 1-3, aligned SPF from day 4"
is "$(field 192.0.2.4 change_day)" "$(day 4)" "192.0.2.4: changed (fixed) on day 4"
action_has 192.0.2.4 "Failed DMARC until $(day 3) and passes since $(day 4): fixed"

cat_is 192.0.2.5 esp_unaligned "DKIM passes for esp.example only"
action_has 192.0.2.5 "Set up DKIM signing with example.com and a custom Return-Path under example.com at Esp Example: it signs as esp.example (s=e1), so DMARC fails for all 600 messages."
is "$(field 192.0.2.5 service)" "Esp Example" "192.0.2.5: the service from source_v"
cat_is 192.0.2.6 esp_unaligned "SPF and DKIM pass, both unaligned"
action_has 192.0.2.6 "at the service behind 192.0.2.6: it signs as esp2.example (s=x1) and uses the Return-Path bounce.esp2.example"

cat_is 192.0.2.7 forwarded "override reason forwarded"
is "$(field 192.0.2.7 forwarded)" 80 "192.0.2.7: 80 messages marked forwarded"
is "$(field 192.0.2.7 override_reasons)" forwarded "192.0.2.7: the reason in the evidence"
action_has 192.0.2.7 "forwards mail (receivers said forwarded), which breaks SPF; 60% of its messages still passed through DKIM"
cat_is 192.0.2.17 forwarded "local_policy with ARC"
is "$(field 192.0.2.17 override_reasons)" "local_policy (arc)" "192.0.2.17: the reason in the evidence"
cat_is 192.0.2.18 unauthorized "local_policy without ARC is not forwarding"
cat_is 192.0.2.8 forwarded "known forwarder (service_kind), all passing"
action_has 192.0.2.8 "192.0.2.8 (Relay Forwarding, relay.example) is a known forwarder"
cat_is 192.0.2.16 forwarded "forwarding reasons for a quarter of the failures"
cat_is 192.0.2.23 unauthorized "forwarding reasons for less than a quarter"

cat_is 192.0.2.9 unauthorized "our own server missing from SPF and DKIM"
action_has 192.0.2.9 "192.0.2.9 (billing app, mta.example.com) is your own server but passes neither SPF nor DKIM for example.com: add ip4:192.0.2.9 to the SPF record of example.com and sign its mail with DKIM for example.com."
cat_is 2001:db8::9 unauthorized "our own IPv6 server"
action_has 2001:db8::9 "add ip6:2001:db8::9 to the SPF record"
cat_is 192.0.2.19 unauthorized "ours by its confirmed name"
action_has 192.0.2.19 "192.0.2.19 (out.example.com) is your own server"
cat_is 192.0.2.29 unauthorized "unconfirmed name under example.com"
action_has 192.0.2.29 "Spoofing: 192.0.2.29 (fake.example.com) sends as example.com"
cat_is 203.0.113.1 unauthorized "spoofing"
action_has 203.0.113.1 "Spoofing: 203.0.113.1 sends as example.com without passing SPF or DKIM; your policy (reject) has receivers refuse it"
is "$(field 203.0.113.1 spf)" "spoof.example pass 0/140" "203.0.113.1: the HELO result left out of the evidence"
cat_is 203.0.113.2 unauthorized "signs as example.com, failing"
action_has 203.0.113.2 "signs as example.com (d=example.com s=sel1) but the signatures fail"

cat_is 192.0.2.15 compliant "one failing day among passing days"
is "$(field 192.0.2.15 change_day)" "" "192.0.2.15: no change day"
cat_is 192.0.2.13 partial "the last day fails"
is "$(field 192.0.2.13 change_day)" "$(day 10)" "192.0.2.13: changed on the last day"
action_has 192.0.2.13 "Passed DMARC until $(day 9) and fails since $(day 10) (aligned DKIM d=example.com s=sel1 and aligned SPF for example.com stopped passing)"
cat_is 192.0.2.24 compliant "a lone failing message under 1 %"

# The order: problems first, the category with the most failing messages
# first; compliant last.
is "$(python3 -c '
import json, sys
seen = []
for l in open(sys.argv[1]):
    c = json.loads(l)["category"]
    if not seen or seen[-1] != c:
        seen.append(c)
print(" ".join(seen))' "$T_TMP/ex.json")" \
    "unauthorized esp_unaligned partial forwarded compliant" \
    "categories grouped, biggest problem first"
head -n 1 "$T_TMP/ex.txt" | grep -q "^example.com since $since: 23 sources, "
ok $? "table: a summary line"
grep -q "^unauthorized: 9 sources, " "$T_TMP/ex.txt"
ok $? "table: the unauthorized group"
grep -A4 "^  192.0.2.9  billing app, mta.example.com (ours)$" "$T_TMP/ex.txt" | grep -q "spf: *example.com pass 0/600"
ok $? "table: a source's name, kind and evidence"
grep -q "^  192.0.2.14$" "$T_TMP/ex.txt"
ok $? "table: a source without a name is its address alone"
is "$(awk -F, 'NR == 1 { print $1 "," $2 "," $6 "," $7 }' "$T_TMP/ex.csv" | tr -d '\r')" \
    "category,source_ip,messages,dmarc_pass" "csv: header"
is "$(($(wc -l <"$T_TMP/ex.csv") - 1))" 23 "csv: one line per source"

# The period: from day 7 on, 192.0.2.2 only fails, signing as example.com.
"$MAILSIFT" explain --domain example.com --since "$(day 7)" --ip 192.0.2.2 --format json >"$T_TMP/ex.json"
is "$(field 192.0.2.2 category)/$(field 192.0.2.2 messages)" "unauthorized/400" \
    "--since day 7: 192.0.2.2 fails all 400 of its messages"
action_has 192.0.2.2 "is your own server but passes neither SPF nor DKIM for example.com: add ip4:192.0.2.2 to the SPF record of example.com and sign its mail with DKIM for example.com (its signature d=example.com s=k2026 fails: publish that selector's key)."
is "$(wc -l <"$T_TMP/ex.json" | tr -d ' ')" 1 "--ip keeps one source"

# Alignment modes and subdomains
"$MAILSIFT" explain --domain strict.example --since "$since" --format json >"$T_TMP/ex.json"
cat_is 192.0.2.20 esp_unaligned "strict: a subdomain's signature does not align"
action_has 192.0.2.20 "It passes for mail.strict.example, bounce.strict.example, which aligns with strict.example only under relaxed alignment, but strict.example publishes adkim=s aspf=s: sign with d=strict.example and use a Return-Path in strict.example, or publish adkim=r and aspf=r."
"$MAILSIFT" explain --domain relaxed.example --since "$since" --format json >"$T_TMP/ex.json"
cat_is 192.0.2.21 compliant "relaxed: the same subdomain aligns"
"$MAILSIFT" explain --domain Parent.Example. --since "$since" --format json >"$T_TMP/ex.json"
cat_is 192.0.2.22 compliant "subdomain From, parent's signature"
is "$(field 192.0.2.22 header_from)" news.parent.example "192.0.2.22: the From domain in the evidence"
action_has 203.0.113.3 "Spoofing: 203.0.113.3 sends as news.parent.example without passing SPF or DKIM; with p=none receivers deliver it"
action_has 203.0.113.4 "Spoofing: 203.0.113.4 sends as parent.example without passing SPF or DKIM; your policy (reject)"

# domain_aligned, the approximation of the organizational domain
al() { q "SELECT domain_aligned('$1', '$2', '$3', '$4')"; }
is "$(al example.com example.com s example.com)" t "strict: equal"
is "$(al mail.example.com example.com s example.com)" f "strict: a subdomain is not aligned"
is "$(al mail.example.com example.com r example.com)" t "relaxed: a subdomain"
is "$(al example.com news.example.com r example.com)" t "relaxed: the parent"
is "$(al mail.example.com bounce.example.com r example.com)" t "relaxed: siblings inside the policy domain"
is "$(al mail.example.com bounce.example.com r bounce.example.com)" f "relaxed: siblings outside the policy domain (the approximation)"
is "$(al sendgrid.net example.com r example.com)" f "relaxed: another domain"
is "$(al notexample.com example.com r example.com)" f "relaxed: a suffix that is not a label boundary"
is "$(al '' example.com r example.com)" f "an empty domain never aligns"
is "$(q "SELECT domain_aligned(NULL, 'example.com', 'r', NULL)")" f "NULL never aligns"

# The view: the last 30 days, documented column by column
is "$(q "SELECT count(*) FROM source_diagnosis_v")" \
    "$(q "SELECT count(*) FROM source_diagnosis(NULL, (now() AT TIME ZONE 'UTC')::date - 30, NULL)")" \
    "source_diagnosis_v is the function over the last 30 days"
is "$(q "SELECT category FROM source_diagnosis_v WHERE source_ip = '192.0.2.2'")" partial \
    "source_diagnosis_v: 192.0.2.2 is partial"
is "$(q "SELECT passing_days || '/' || failing_days FROM source_diagnosis_v WHERE source_ip = '192.0.2.2'")" \
    "6/4" "source_diagnosis_v: 192.0.2.2 passed on 6 days, failed on 4"
is "$(q "SELECT count(*) FROM pg_attribute WHERE attrelid = 'source_diagnosis_v'::regclass
    AND attnum > 0 AND col_description(attrelid, attnum) IS NULL")" 0 \
    "every column of source_diagnosis_v has a comment"
is "$(q "SELECT count(*) FROM source_diagnosis('example.com', '$(day 11)', NULL)")" 0 \
    "nothing after the last report day"
is "$(q "SELECT count(*) FROM source_diagnosis('example.com', NULL, '$(day 1)')")" 23 \
    "until the first day: every source of it"

# Arguments are checked before any query: 64, saying what is expected.
MAILSIFT_DB="host=/nonexistent dbname=x"; export MAILSIFT_DB
usage() {	# description, args...
	d=$1; shift
	"$MAILSIFT" explain "$@" >/dev/null 2>"$T_TMP/err"
	rc=$?
	[ $rc = 64 ] && ! grep -qi -e 'sql' -e 'syntax' -e 'database' "$T_TMP/err"
	ok $? "$d: exit $rc, $(head -n 1 "$T_TMP/err")"
}
usage "no --domain"
usage "a domain with a space" --domain "exa mple.com"
usage "a domain crafted as SQL" --domain "x'; DROP TABLE dmarc_report; --"
usage "an empty label" --domain "example..com"
usage "a bad --since" --since 30x --domain example.com
usage "a bad --format" --format xml --domain example.com
usage "a bad --ip" --ip 300.1.2.3 --domain example.com
usage "an extra argument" --domain example.com extra

# The demo month (make demo: tests/demo.sh) has a source of every
# category, named by tests/demo_sources.sql; it starts 2026-10-01.
unset MAILSIFT_DB
fresh_db mailsift_t_explain_demo
"$MAILSIFT_GEN" maildir "$T_TMP/demo/Maildir" --demo --seed 1 >/dev/null &&
    "$MAILSIFT" ingest --maildir "$T_TMP/demo/Maildir" 2>"$T_TMP/err" &&
    psql -X -q -v ON_ERROR_STOP=1 -d "$T_DB" -f "$TOP/tests/demo_sources.sql"
ok $? "the demo month ingested and its sources named"
"$MAILSIFT" explain --domain example.com --since 2026-10-01 --format json >"$T_TMP/ex.json"
ok $? "explain the demo's example.com"
cat_is 198.51.100.25 partial "the demo's rotated key"
is "$(field 198.51.100.25 change_day)" 2026-10-19 "198.51.100.25: changed on day 19, as generated"
action_has 198.51.100.25 "Passed DMARC until 2026-10-18 and fails on"
cat_is 192.0.2.70 esp_unaligned "the demo's marketing service"
action_has 192.0.2.70 "at Mailchimp: it signs as mcsv.net (s=k1) and uses the Return-Path bounce.mcsv.net"
cat_is 198.51.100.30 unauthorized "the demo's new server, missing from SPF"
is "$(field 198.51.100.30 first_day)" 2026-10-11 "198.51.100.30: sends from day 11"
action_has 198.51.100.30 "(shop.example.com) is your own server"
cat_is 203.0.113.66 unauthorized "the demo's forger"
action_has 203.0.113.66 "Spoofing: 203.0.113.66 sends as example.com"
cat_is 192.0.2.40 forwarded "the demo's mailing list, by override reasons"
cat_is 192.0.2.41 forwarded "the demo's forwarder, by service kind"
cat_is 192.0.2.10 compliant "SendGrid with example.com's DKIM"
cat_is 198.51.100.26 compliant "the demo's other servers"
is "$(q "SELECT string_agg(DISTINCT category, ' ' ORDER BY category) FROM source_diagnosis(NULL, NULL, NULL)")" \
    "compliant esp_unaligned forwarded partial unauthorized" "the demo month has every category"
